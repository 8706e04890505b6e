"""Keep the catalogues in step with the code: ``python -m parcours_grading.i18n.extract``.

Finds every ``_("...")`` and ``N_("...")`` with a literal argument (f-string contents
included, through :mod:`ast`), and every ``ngettext("...", "...", n)`` (a message with its
plural: its French has every plural form), in the Python files of the packages listed in
:data:`SOURCES`, and updates ``locale/{fr,en}/LC_MESSAGES/<area>.po``, one file per area
(the first folder of the file that first uses the message: ``dashboards.po``, ``cli.po``...,
so that work on different areas touches different files): new messages are added with an
empty translation (to fill in), translations already written are kept, messages no longer
used are dropped. Locations carry the file, not the line (a moved line changes nothing).
``--check`` only reports what is missing (exit 1).
"""

from __future__ import annotations

import ast
import sys
from datetime import UTC, datetime
from pathlib import Path

from . import DOMAIN, LANGUAGES, LOCALE_DIR

PACKAGE = Path(__file__).resolve().parents[1]
#: folders whose Python files hold translatable messages
SOURCES = (
    PACKAGE / "dashboards",
    PACKAGE / "pipeline",
    PACKAGE / "course",
    PACKAGE / "cli",
    PACKAGE / "analytics",
    PACKAGE / "i18n",
)
KEYWORDS = {"_", "N_", "gettext_"}
PLURAL_KEYWORDS = {"ngettext"}
#: a message: its text, or (singular, plural)
MessageId = str | tuple[str, str]
#: its translation: the text, or one text per plural form
Translation = str | tuple[str, ...]
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def messages(sources: tuple[Path, ...] = SOURCES) -> dict[MessageId, str]:
    """msgid -> first place it is used (``file:line``), in order of appearance."""
    found: dict[MessageId, str] = {}
    for folder in sources:
        for path in sorted(folder.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in PLURAL_KEYWORDS
                    and len(node.args) >= 2
                ):
                    one, many = _literal(node.args[0]), _literal(node.args[1])
                    if one is not None and many is not None:
                        found.setdefault((one, many), f"{path.relative_to(PACKAGE)}:{node.lineno}")
                    continue
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


def area(where: str) -> str:
    """The catalogue file a message goes to: the first folder of ``file:line``."""
    first, sep, _rest = where.partition("/")
    return first if sep else "misc"


def po_path(lang: str, area_name: str) -> Path:
    """The catalogue file of one area in one language."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{area_name}.po"


def po_files(lang: str) -> list[Path]:
    """Every catalogue file of one language."""
    return sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po"))


def _done(text: object) -> bool:
    """Whether a msgstr (or every plural form of one) is written."""
    if isinstance(text, tuple | list):
        return bool(text) and all(text)
    return bool(text)


def read_translations(lang: str) -> dict[MessageId, Translation]:
    """msgid -> msgstr over all the catalogue files of one language ('' when untranslated;
    a tuple of forms for a message with a plural)."""
    from babel.messages.pofile import read_po

    out: dict[MessageId, Translation] = {}
    for path in po_files(lang):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain=DOMAIN)
        for m in catalog:
            if not m.id:
                continue
            key: MessageId = (
                (str(m.id[0]), str(m.id[1])) if isinstance(m.id, tuple | list) else str(m.id)
            )
            if not _done(out.get(key)):
                string = m.string
                out[key] = tuple(string) if isinstance(string, tuple | list) else str(string or "")
    return out


def write_catalogue(
    lang: str, found: dict[MessageId, str], translations: dict[MessageId, Translation]
) -> list[Path]:
    """Write one ``.po`` file per area with ``found`` messages and their ``translations``;
    remove the files of areas that no longer have any."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalogs: dict[str, Catalog] = {}
    for msgid, where in found.items():
        name = area(where)
        if name not in catalogs:
            catalogs[name] = Catalog(
                locale=lang,
                domain=DOMAIN,
                project="Parcours",
                charset="utf-8",
                creation_date=FIXED_DATE,  # a header that never changes: no merge conflicts
                revision_date=FIXED_DATE,
            )
        file, _sep, line = where.rpartition(":")
        empty: Translation = ("", "") if isinstance(msgid, tuple) else ""
        catalogs[name].add(msgid, translations.get(msgid, empty), locations=[(file, int(line))])
    written = []
    for name, catalog in catalogs.items():
        path = po_path(lang, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(
                handle,
                catalog,
                width=100,
                omit_header=False,
                sort_output=False,
                include_lineno=False,
            )
        written.append(path)
    for stale in set(po_files(lang)) - set(written):
        stale.unlink()
    return written


def missing(lang: str, found: dict[MessageId, str] | None = None) -> list[MessageId]:
    """Messages used in the code with no translation in ``lang``'s catalogue (English may
    leave plain sentences untranslated: only ids written as keys, like ``quiz_mean``,
    need an English text)."""
    found = messages() if found is None else found
    have = read_translations(lang)
    out = []
    for msgid in found:
        if _done(have.get(msgid)):
            continue
        if lang == "en" and (isinstance(msgid, tuple) or not _is_key(msgid)):
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
                where = po_path(lang, area(found[msgid]))
                print(f"{where}: no translation for {msgid!r} ({found[msgid]})")
        return 1 if any(problems.values()) else 0
    for lang in LANGUAGES:
        for path in write_catalogue(lang, found, read_translations(lang)):
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
