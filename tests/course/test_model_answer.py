"""A manually graded cell's model answer: ``parcours check`` warns (not an error) when the
cell holds only a stub ("VOTRE RÉPONSE ICI"); the correction shows the teacher's answer
written as an nbgrader solution region, the stub left out."""

from __future__ import annotations

import json

import nbformat
from nbformat.v4 import new_markdown_cell
from parcours.course.answers import model_answer, stub_answer_cells
from parcours.pipeline.feedback import correction_notebook

from tests.course.conftest import MiniCourse, _meta, assignment_notebook

STUB = "VOTRE RÉPONSE ICI"


def _with_manual_cell(source: str) -> nbformat.NotebookNode:
    nb = assignment_notebook()
    nb.cells.append(
        new_markdown_cell(
            source, metadata=_meta("explication", grade=True, solution=True, locked=False, points=1)
        )
    )
    return nb


def test_check_warns_on_a_stub_model_answer(mini_course: MiniCourse) -> None:
    path = mini_course.folder / "source" / "devoir" / "devoir.ipynb"
    nbformat.write(_with_manual_cell(STUB), path)
    mini_course.edit_manifest("points = 2", "points = 3")  # the manual cell's point
    done = mini_course.check("--no-execute")
    assert done.returncode == 0, done.stderr  # a warning, not an error
    assert "1 avertissement(s)" in done.stdout, done.stdout
    line = next(x for x in done.stdout.splitlines() if "explication" in x)
    assert "devoir.ipynb" in line and STUB in line and "BEGIN SOLUTION" in line
    report = json.loads(mini_course.check("--no-execute", "--json").stdout)
    assert report["ok"] and len(report["warnings"]) == 1
    # the model answer written the nbgrader way: no warning
    nbformat.write(
        _with_manual_cell(f"{STUB}\n### BEGIN SOLUTION\nLa moyenne ment.\n### END SOLUTION"), path
    )
    done = mini_course.check("--no-execute")
    assert done.returncode == 0 and "avertissement" not in done.stdout, done.stdout


def test_the_correction_carries_the_model_answer(tmp_path) -> None:
    source = (
        f"{STUB}\n### BEGIN SOLUTION\nLa médiane résiste aux valeurs extrêmes.\n### END SOLUTION"
    )
    nb = _with_manual_cell(source)
    assert stub_answer_cells(nb) == []
    assert model_answer(source) == "La médiane résiste aux valeurs extrêmes."
    path = tmp_path / "devoir.ipynb"
    nbformat.write(nb, path)
    correction = correction_notebook(path, "Devoir", "fr")
    last = correction.cells[-1]
    assert last.source == "La médiane résiste aux valeurs extrêmes."
    # code answers keep the code around the region (the function's signature)
    assert "def somme(a, b):\n    return a + b" in correction.cells[2].source
    assert stub_answer_cells(_with_manual_cell(STUB)) == [3]
    assert stub_answer_cells(_with_manual_cell("")) == [3]
    assert stub_answer_cells(_with_manual_cell("La moyenne ment.")) == []
