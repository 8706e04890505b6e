"""The demo lessons print numbers as a French reader writes them (issue #24): lesson 1
printed "3220.9 €" for the week's takings; it prints "3 220,9 €" (decimal comma, a space
between thousands), and its mean "202,3"."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import nbformat

LESSON = (
    Path(__file__).resolve().parents[2]
    / "courses"
    / "analyse-de-donnees"
    / "lessons"
    / "01-decouvrir.ipynb"
)
#: a space inside a number, as babel writes it in French (narrow no-break) or any other
SPACES = re.compile(r"[\u00a0\u202f ]")


def printed() -> list[str]:
    """What lesson 1's code cells print, the lesson's own widgets (``L``) left out."""
    nb = nbformat.read(LESSON, as_version=4)
    scope: dict[str, object] = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for cell in nb.cells:
            if cell.cell_type != "code" or "parcours_lab" in cell.source:
                continue
            if re.search(r"^\s*L\.", cell.source, re.MULTILINE):
                continue
            exec(compile(cell.source, str(LESSON), "exec"), scope)  # the course's own code
    return out.getvalue().splitlines()


def test_lesson_one_prints_french_numbers() -> None:
    lines = [SPACES.sub(" ", line) for line in printed()]
    assert "Chiffre d'affaires de la semaine : 3 220,9 €" in lines
    assert "Moyenne par jour : 202,3" in lines
    assert "Total de la semaine : 1 416" in lines
    decimals = [line for line in lines if re.search(r"\d\.\d", line)]
    assert not decimals, f"a decimal point where French writes a comma: {decimals}"
