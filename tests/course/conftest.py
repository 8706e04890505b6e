"""A small, valid course built in a temp folder; tests break one thing at a time."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

MANIFEST = """\
schema_version = 1
id = "mini"
title = "Mini cours"
language = "fr"
timezone = "Europe/Paris"

[[skills]]
id = "calculer"
label = "Calculer"

[[modules]]
id = "m1"
title = "Module 1"

[[modules.lessons]]
id = "l1"
title = "Leçon 1"
notebook = "lessons/l1.ipynb"
objectives = ["Additionner"]
skills = ["calculer"]
minutes = 10

[[assignments]]
id = "devoir"
title = "Devoir"
source = "source/devoir"
module = "m1"
opens = 2026-09-14T08:00:00
due = 2026-09-21T23:59:00
points = 2
skills = ["calculer"]
minutes = 30
late_policy = { kind = "penalty", per_day = 0.1, cap = 0.5 }
"""


def _meta(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float = 0) -> dict:
    meta = {
        "grade": grade,
        "solution": solution,
        "locked": locked,
        "grade_id": grade_id,
        "schema_version": 3,
    }
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def assignment_notebook(solution: str = "    return a + b") -> nbformat.NotebookNode:
    """A source notebook: one answer, one test cell with a hidden test."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        new_markdown_cell("Écrivez `somme(a, b)`."),
        new_code_cell(
            "def somme(a, b):\n    ### BEGIN SOLUTION\n" + solution + "\n    ### END SOLUTION",
            metadata=_meta("somme", grade=False, solution=True, locked=False),
        ),
        new_code_cell(
            "assert somme(1, 2) == 3\n### BEGIN HIDDEN TESTS\nassert somme(-1, 1) == 0\n"
            "### END HIDDEN TESTS",
            metadata=_meta("test_somme", grade=True, solution=False, locked=True, points=2),
        ),
    ]
    return nb


def lesson_notebook(code: str = "x = 1 + 1\nx") -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [new_markdown_cell("# Leçon 1\nObjectif : additionner."), new_code_cell(code)]
    return nb


@dataclass
class MiniCourse:
    folder: Path

    @property
    def manifest(self) -> Path:
        return self.folder / "course.toml"

    def edit_manifest(self, old: str, new: str) -> None:
        text = self.manifest.read_text(encoding="utf-8")
        assert old in text, f"fixture manifest has no {old!r}"
        self.manifest.write_text(text.replace(old, new, 1), encoding="utf-8")

    def check(self, *extra: str) -> subprocess.CompletedProcess[str]:
        """Run the real `parcours check` command on this course."""
        return subprocess.run(
            [sys.executable, "-m", "parcours.cli", "check", str(self.folder), *extra],
            capture_output=True,
            text=True,
            timeout=300,
        )


@pytest.fixture
def mini_course(tmp_path: Path) -> MiniCourse:
    folder = tmp_path / "mini"
    (folder / "lessons").mkdir(parents=True)
    (folder / "source" / "devoir").mkdir(parents=True)
    (folder / "course.toml").write_text(MANIFEST, encoding="utf-8")
    nbformat.write(lesson_notebook(), folder / "lessons" / "l1.ipynb")
    nbformat.write(assignment_notebook(), folder / "source" / "devoir" / "devoir.ipynb")
    return MiniCourse(folder)
