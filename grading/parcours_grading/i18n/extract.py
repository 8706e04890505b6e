"""Keep the catalogues in step with the code: ``python -m parcours_grading.i18n.extract``.

Finds every ``_("...")`` and ``N_("...")`` with a literal argument (f-string contents
included, through :mod:`ast`) in the Python files of the packages listed in
:data:`SOURCES`, and updates ``locale/{fr,en}/LC_MESSAGES/parcours.po``: new messages are
added with an empty translation (to fill in), translations already written are kept,
messages no longer used are dropped. ``--check`` only reports what is missing (exit 1).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from . import DOMAIN, LANGUAGES, LOCALE_DIR

PACKAGE = Path(__file__).resolve().parents[1]
#: folders whose Python files hold translatable messages
SOURCES = (PACKAGE / "dashboards", PACKAGE / "pipeline", PACKAGE / "course", PACKAGE / "cli")
KEYWORDS = {"_", "N_", "gettext_"}


def messages(sources: tuple[Path, ...] = SOURCES) -> dict[str, str]:
    """msgid -> first place it is used (``file:line``), in order of appearance."""
    found: dict[str, str] = {}
    for folder in sources:
        for path in sorted(folder.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in KEYWORDS
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    found.setdefault(
                        node.args[0].value, f"{path.relative_to(PACKAGE)}:{node.lineno}"
                    )
    return dict(sorted(found.items(), key=lambda kv: kv[1]))


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_translations(lang: str) -> dict[str, str]:
    """msgid -> msgstr of one catalogue ('' when untranslated)."""
    from babel.messages.pofile import read_po

    path = po_path(lang)
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    return {str(m.id): str(m.string or "") for m in catalog if m.id}


def write_catalogue(lang: str, found: dict[str, str], translations: dict[str, str]) -> Path:
    """Write one ``.po`` file with ``found`` messages and their ``translations``."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(locale=lang, domain=DOMAIN, project="Parcours", charset="utf-8")
    for msgid, where in found.items():
        file, _sep, line = where.rpartition(":")
        catalog.add(msgid, translations.get(msgid, ""), locations=[(file, int(line))])
    path = po_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=False)
    return path


def missing(lang: str, found: dict[str, str] | None = None) -> list[str]:
    """Messages used in the code with no translation in ``lang``'s catalogue (English may
    leave plain sentences untranslated: only ids written as keys, like ``quiz_mean``,
    need an English text)."""
    found = messages() if found is None else found
    have = read_translations(lang)
    out = []
    for msgid in found:
        if have.get(msgid):
            continue
        if lang == "en" and not _is_key(msgid):
            continue
        out.append(msgid)
    return out


def _is_key(msgid: str) -> bool:
    return (msgid.islower() and " " not in msgid and ("_" in msgid or "-" in msgid)) or (
        msgid.islower() and msgid.isalpha()
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    found = messages()
    if "--check" in args:
        problems = {lang: missing(lang, found) for lang in LANGUAGES}
        for lang, ids in problems.items():
            for msgid in ids:
                print(f"{po_path(lang)}: no translation for {msgid!r} ({found[msgid]})")
        return 1 if any(problems.values()) else 0
    for lang in LANGUAGES:
        print(write_catalogue(lang, found, read_translations(lang)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
