"""Keep the catalogues in step with the code: ``python -m parcours.i18n.extract``.

Finds every ``_("...")``, ``N_("...")`` and ``ngettext("...", "...", n)`` with literal
texts (through :mod:`ast`), and the docstring of each ``parcours`` command's module (its
``--help`` description), in the Python files of the folders listed in :data:`SOURCES`
(the back office's areas and the widgets' package ``parcours_lab``) and, through Jinja's
own extractor, every ``{{ _("...") }}`` of the Jinja templates in :data:`TEMPLATES` (the
hub's pages), and updates
``locale/{fr,en}/LC_MESSAGES/<area>.po``, one file per area (the first folder of the file
that first uses the message: ``dashboards.po``, ``cli.po``, ``parcours_lab.po``..., so that
work on different areas touches different files): new messages are added with an
empty translation (to fill in), translations already written are kept, messages no longer
used are dropped. Locations carry the file, not the line (a moved line changes nothing).
``--check`` only reports what is missing (exit 1).
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path

from . import DOMAIN, LANGUAGES, LOCALE_DIR

PACKAGE = Path(__file__).resolve().parents[1]


def _package_folder(name: str) -> Path:
    """Where an importable package lives (found without importing it)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"package {name!r} is not installed")
    return Path(spec.origin).resolve().parent


#: folders whose Python files hold translatable messages (``parcours_lab``: the widgets)
SOURCES = (
    PACKAGE / "dashboards",
    PACKAGE / "pipeline",
    PACKAGE / "course",
    PACKAGE / "quizbank",
    PACKAGE / "cli",
    PACKAGE / "compliance",
    PACKAGE / "analytics",
    PACKAGE / "i18n",
    PACKAGE / "store",
    PACKAGE / "lti",
    PACKAGE / "demo.py",
    PACKAGE / "review.py",
    PACKAGE / "hub",
    PACKAGE / "tutoring",
    PACKAGE / "peer",
    PACKAGE / "badges",
    _package_folder("parcours_lab"),
    # the errors of the project's and the servers' start, of files refused (``misc.po``)
    PACKAGE / "project.py",
    PACKAGE / "servers.py",
    PACKAGE / "safefs.py",
    PACKAGE / "mail.py",
)
#: folders of Jinja templates whose texts are translated (JupyterHub's pages)
TEMPLATES = (PACKAGE / "hub" / "templates",)
KEYWORDS = {"_", "N_", "gettext_"}
PLURAL_KEYWORDS = {"ngettext"}
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)

#: a message: its text, or (singular, plural) for ``ngettext``
MessageId = str | tuple[str, str]


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _message_id(node: ast.AST) -> MessageId | None:
    """The message of a ``_("...")`` or ``ngettext("...", "...", n)`` call, else None."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or not node.args:
        return None
    first = _literal(node.args[0])
    if node.func.id in KEYWORDS:
        return first
    if node.func.id in PLURAL_KEYWORDS and len(node.args) > 1:
        second = _literal(node.args[1])
        return (first, second) if first is not None and second is not None else None
    return None


def _command_description(tree: ast.Module) -> str | None:
    """The docstring of a ``parcours`` command's module (one with ``add_arguments``): its
    ``--help`` description, translated by ``cli.build_parser``."""
    commands = any(
        isinstance(node, ast.FunctionDef) and node.name == "add_arguments" for node in tree.body
    )
    return ast.get_docstring(tree, clean=False) if commands else None


def _python_files(source: Path) -> list[Path]:
    return [source] if source.suffix == ".py" else sorted(source.rglob("*.py"))


def _where(path: Path) -> str:
    """A file's place as written in the catalogue: under the back office's package
    (``cli/roster.py``) or under its own package's folder (``parcours_lab/quiz/...``)."""
    if path.is_relative_to(PACKAGE):
        return str(path.relative_to(PACKAGE))
    return str(path.relative_to(_package_folder("parcours_lab").parent))


def template_messages(folder: Path) -> dict[MessageId, str]:
    """msgid -> first place (``file:line``) of the texts of the Jinja templates in
    ``folder``, found by Jinja's own extractor (``_()``, ``gettext()``, ``ngettext()``)."""
    from jinja2.ext import GETTEXT_FUNCTIONS, babel_extract

    found: dict[MessageId, str] = {}
    for path in sorted(folder.rglob("*.html")):
        with path.open("rb") as handle:
            for line, function, message, _comments in babel_extract(
                handle, GETTEXT_FUNCTIONS, [], {}
            ):
                msgid: MessageId | None = None
                if isinstance(message, str):
                    msgid = message
                elif function == "ngettext" and message and all(message[:2]):
                    msgid = (str(message[0]), str(message[1]))
                if msgid is not None:
                    found.setdefault(msgid, f"{_where(path)}:{line}")
    return found


def messages(
    sources: tuple[Path, ...] = SOURCES, templates: tuple[Path, ...] = TEMPLATES
) -> dict[MessageId, str]:
    """msgid -> first place it is used (``file:line``), in order of appearance."""
    found: dict[MessageId, str] = {}
    for source in sources:
        for path in _python_files(source):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            description = _command_description(tree)
            if description:
                found.setdefault(description, f"{_where(path)}:1")
            for node in ast.walk(tree):
                msgid = _message_id(node)
                if msgid is not None:
                    found.setdefault(msgid, f"{_where(path)}:{getattr(node, 'lineno', 0)}")
    for folder in templates:
        for msgid, where in template_messages(folder).items():
            found.setdefault(msgid, where)
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


#: a translation: its text, or its plural forms for a (singular, plural) message
Translation = str | tuple[str, ...]


def read_translations(lang: str) -> dict[MessageId, Translation]:
    """msgid -> msgstr over all the catalogue files of one language ('' when untranslated)."""
    from babel.messages.pofile import read_po

    out: dict[MessageId, Translation] = {}
    for path in po_files(lang):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain=DOMAIN)
        for m in catalog:
            if not m.id:
                continue
            msgid: MessageId = tuple(m.id[:2]) if isinstance(m.id, list | tuple) else str(m.id)  # type: ignore[assignment]
            string = m.string
            text: Translation = (
                tuple(str(s or "") for s in string)
                if isinstance(string, list | tuple)
                else str(string or "")
            )
            if not _translated(out.get(msgid, "")):
                out[msgid] = text
    return out


def _translated(text: Translation) -> bool:
    return all(text) if isinstance(text, tuple) else bool(text)


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
    out: list[MessageId] = []
    for msgid in found:
        if _translated(have.get(msgid, "")):
            continue
        if lang == "en" and not _is_key(msgid):
            continue
        out.append(msgid)
    return out


def _is_key(msgid: MessageId) -> bool:
    if isinstance(msgid, tuple):
        return False
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
