"""French and English for everything a person reads, from gettext catalogues.

Strings are written once, in English, in the code (``_("Learners at risk")``); their French
lives in ``locale/fr/LC_MESSAGES/<area>.po``, one catalogue file per area of the code
(``dashboards.po``, ``cli.po``...: see :mod:`.extract`), all read as one catalogue. The
``.po`` files are compiled to ``.mo`` in memory with babel the first time a language is
used (no build step).

The language in force is chosen, first match wins:

1. an explicit ``set_language("en")`` (a dashboard's switch, ``--lang``, ``?lang=en``);
2. the course's ``language`` (``course.toml``);
3. ``ParcoursConfig.language`` (``jupyter_config.py``), default French.

Usage::

    from parcours.i18n import _, set_language
    set_language("en")
    print(_("Learners at risk"))
    print(_("{n} learners").format(n=3))
    print(ngettext("{n} day late", "{n} days late", 2).format(n=2))
    print(_("Check", lang="en"))        # one message in a given language (a widget's)
    print(number(2.5, "fr"))            # 2,5 (babel: decimal comma in French)

Code that is not bound to one process-wide language (the widgets in a learner's kernel,
each in its course's language) passes ``lang=`` instead of switching.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Literal, get_args

from .. import errors as _errors

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "parcours"
#: the languages Parcours speaks: the one list (settings, manifests, the CLI's --lang)
Language = Literal["fr", "en"]
LANGUAGES: tuple[str, ...] = get_args(Language)
DEFAULT_LANGUAGE = "fr"

# A plain module global, not a ContextVar: a Jupyter kernel may run each cell and each
# widget callback in a fresh context, and one kernel serves one dashboard page.
_current = {"lang": DEFAULT_LANGUAGE}


def _check(lang: str) -> str:
    lang = (lang or "").strip().lower()[:2]
    if lang not in LANGUAGES:
        raise _errors.BadInputError(
            _("language '{lang}' is not available; use one of {known}.").format(
                lang=lang, known=", ".join(LANGUAGES)
            )
        )
    return lang


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of one language: every ``.po`` file of its folder, compiled
    together once per process."""
    lang = _check(lang)
    files = sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po"))
    if not files:
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(_compiled(files, lang)))


def _compiled(files: list[Path], lang: str) -> bytes:
    """The ``.mo`` of ``files``, kept in the user's cache folder: a learner's kernel showing
    its first widget reads it back (a millisecond) instead of parsing every catalogue with
    babel (a few hundred). Keyed by the files' sizes and times, so an edited catalogue is
    compiled again; compiled in memory when there is no cache folder to write to."""
    import os

    try:
        cached: Path | None = _cache_file(files, lang)
    except (OSError, RuntimeError):  # RuntimeError: no home folder to cache in
        cached = None
    if cached is not None:
        try:
            return cached.read_bytes()
        except OSError:
            pass
    data = compile_po(files, lang)
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            for stale in cached.parent.glob(f"{lang}-*.mo"):
                stale.unlink(missing_ok=True)
            partial = cached.with_name(f"{cached.name}.{os.getpid()}")
            partial.write_bytes(data)
            partial.replace(cached)  # whole or absent: kernels may compile at the same time
        except OSError:
            pass
    return data


def _cache_file(files: list[Path], lang: str) -> Path:
    import hashlib
    import os

    key = hashlib.sha256()
    for po in files:
        stat = po.stat()
        key.update(f"{po}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "parcours" / "locale" / f"{lang}-{key.hexdigest()[:16]}.mo"


def compile_po(files: list[Path], lang: str) -> bytes:
    """Compile ``.po`` files into one ``.mo`` (bytes) with babel; fuzzy entries are left
    out; a message in several files keeps its first translation (an empty one never hides
    another file's)."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    merged: Catalog | None = None
    for po in files:
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain=DOMAIN)
        if merged is None:
            merged = catalog
            continue
        for message in catalog:
            if message.id and (message.id not in merged or not _translated(merged[message.id])):
                if message.id in merged:  # babel's catalogue would merge, keeping the empty
                    del merged[message.id]
                merged[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, merged if merged is not None else Catalog(locale=lang, domain=DOMAIN))
    return buffer.getvalue()


def _translated(message: object) -> bool:
    """Whether a catalogue entry has its translation (every form of a plural)."""
    text = getattr(message, "string", "")
    return all(text) if isinstance(text, tuple | list) else bool(text)


def set_language(lang: str) -> str:
    """Make ``lang`` ("fr" or "en") the language of this process; returns it."""
    lang = _check(lang)
    _current["lang"] = lang
    return lang


def get_language() -> str:
    """The language in force."""
    return _current["lang"]


@contextmanager
def language(lang: str) -> Iterator[str]:
    """Use ``lang`` inside a ``with`` block, then restore the previous language."""
    previous = _current["lang"]
    _current["lang"] = _check(lang)
    try:
        yield _current["lang"]
    finally:
        _current["lang"] = previous


def choose_language(
    requested: str | None = None, course_language: str | None = None, configured: str | None = None
) -> str:
    """The language to use: the request's, else the course's, else the configuration's."""
    for candidate in (requested, course_language, configured):
        if candidate and candidate.strip().lower()[:2] in LANGUAGES:
            return candidate.strip().lower()[:2]
    return DEFAULT_LANGUAGE


def gettext_(message: str, lang: str | None = None) -> str:
    """``message`` in ``lang``, by default the language in force."""
    return translations(lang or get_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int, lang: str | None = None) -> str:
    """Singular or plural form of a message (by ``n``) in ``lang``, by default the
    language in force."""
    return translations(lang or get_language()).ngettext(singular, plural, n)


def number(value: float, lang: str | None = None, *, decimals: int = 2) -> str:
    """A number as a reader of ``lang`` writes it (babel): ``2,5`` in French, ``2.5`` in
    English, at most ``decimals`` decimals, no trailing zeros, thousands grouped."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "#" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=_check(lang or get_language()))


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now (translate at display)."""
    return message


_ = gettext_


def problems_heading(count: int) -> str:
    """The first line of a :class:`~parcours.errors.CourseError` in the user's language."""
    return ngettext("{count} problem found:", "{count} problems found:", count).format(count=count)


_errors.problems_heading = problems_heading  # the errors' layer is below: given from here

__all__ = [
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "_",
    "choose_language",
    "compile_po",
    "get_language",
    "gettext_",
    "language",
    "ngettext",
    "number",
    "set_language",
    "translations",
]
