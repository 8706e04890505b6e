"""One language mechanism: every text a person reads goes through the gettext catalogues
(``parcours.i18n``). The older ones must not come back: a ``say(fr, en)`` helper,
a table of texts (``TEXTS``, ``parcours_lab/i18n.py``), a ``{"fr": ..., "en": ...}`` dict
or a ``lang == "fr"`` choice between two hard-coded sentences."""

from __future__ import annotations

import ast
from pathlib import Path

import parcours
import parcours_lab
import pytest

PACKAGES = {
    "parcours": Path(parcours.__file__).parent,
    "parcours_lab": Path(parcours_lab.__file__).parent,
}
LANGUAGES = {"fr", "en"}
#: places another engineer is moving to the catalogues in their own branch (remove each
#: entry when its change lands): analytics' why_fr/why_en (#14), the exchange (#13, lead)
NOT_YET: tuple[str, ...] = ()


def sources() -> list[tuple[str, Path]]:
    found = []
    for name, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            shown = f"{name}/{path.relative_to(folder)}"
            if not shown.startswith(NOT_YET):
                found.append((shown, path))
    return found


def old_mechanisms(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for each use of a retired language mechanism in one module."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in {
            "say",
            "_say",
        }:
            found.append((node.lineno, f"def {node.name}(...)"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in {"say", "_say", "text"}:
                found.append((node.lineno, f"{node.func.id}(...)"))
        elif isinstance(node, ast.Name) and node.id == "TEXTS":
            found.append((node.lineno, "TEXTS"))
        elif isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if keys >= LANGUAGES and not all(_is_locale_code(v) for v in node.values):
                found.append((node.lineno, '{"fr": ..., "en": ...}'))
        elif isinstance(node, ast.IfExp | ast.If) and _asks_language(node.test):
            branches = [node.body, node.orelse]
            if isinstance(node, ast.If):  # if lang == "fr": return "..." else: ...
                branches = [getattr(s, "value", None) for s in [*node.body, *node.orelse]]
            if any(_is_text(b) for b in branches):
                found.append((node.lineno, 'lang == "fr"'))
    return found


def _asks_language(test: ast.expr) -> bool:
    """``lang == "fr"`` (or ``"en"``, either side)."""
    if not isinstance(test, ast.Compare):
        return False
    sides = [test.left, *test.comparators]
    return any(isinstance(s, ast.Constant) and s.value in LANGUAGES for s in sides)


def _is_locale_code(node: object) -> bool:
    """``"fr_FR"``: a table of locales (babel's), not of texts."""
    import re

    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"[a-z]{2}(_[A-Z]{2})?", node.value) is not None
    )


def _is_text(node: object) -> bool:
    """A sentence written in the code: a string with a space, or an f-string."""
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value


@pytest.mark.parametrize(("shown", "path"), sources(), ids=[s for s, _p in sources()])
def test_no_retired_language_mechanism(shown: str, path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = old_mechanisms(tree)
    assert not found, "\n".join(
        f"{shown}:{line}: {what} — use _(), ngettext(), N_() from parcours.i18n"
        for line, what in found
    )


def test_the_guard_finds_each_mechanism() -> None:
    """The check above is not blind: each retired form is found in a sample."""
    sample = ast.parse(
        "def say(fr, en): ...\n"
        "print(say('oui', 'yes'))\n"
        "TEXTS = {'check': {'fr': 'Vérifier', 'en': 'Check'}}\n"
        "word = 'oui, merci' if lang == 'fr' else 'yes, thanks'\n"
    )
    kinds = {what for _line, what in old_mechanisms(sample)}
    assert kinds == {"def say(...)", "say(...)", "TEXTS", '{"fr": ..., "en": ...}', 'lang == "fr"'}


def test_no_table_of_texts_in_the_widgets() -> None:
    assert not (PACKAGES["parcours_lab"] / "i18n.py").exists()


def test_compiled_catalogue_is_cached_and_follows_edits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kernel's first widget reads the compiled catalogue back from the user's cache;
    an edited ``.po`` is compiled again, never served stale."""
    import gettext
    import io

    from parcours.i18n import LOCALE_DIR, _compiled

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    po = tmp_path / "parcours_lab.po"
    po.write_bytes((LOCALE_DIR / "fr" / "LC_MESSAGES" / "parcours_lab.po").read_bytes())
    first = _compiled([po], "fr")
    cached = list((tmp_path / "cache" / "parcours" / "locale").glob("fr-*.mo"))
    assert len(cached) == 1 and cached[0].read_bytes() == first
    assert _compiled([po], "fr") == first
    po.write_text(po.read_text().replace('msgstr "Vérifier"', 'msgstr "Contrôler"'))
    again = gettext.GNUTranslations(io.BytesIO(_compiled([po], "fr")))
    assert again.gettext("Check") == "Contrôler"
    assert len(list(cached[0].parent.glob("fr-*.mo"))) == 1
