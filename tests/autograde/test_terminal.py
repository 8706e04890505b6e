"""What learners wrote reaches a teacher's terminal as text, never as control sequences
(issue #23, items 6 and 7): ``parcours autograde`` lists learners and problems quoting
learner-written names; each control character shows as its escape (``\\x1b``), and a
problem quotes at most a bounded excerpt."""

from __future__ import annotations

import re

import pytest
from parcours.pipeline.autograde.results import excerpt
from parcours.safetext import printable

from .kit import ASSIGNMENT, FIXTURES, RIGHT, Course, answered

#: a forged "clean run": sets the window title, erases the line, prints in green
FORGED = "\x1b]0;owned\x07\x1b[2K\r\x1b[32mAll submissions graded cleanly."
#: what a terminal must never receive from learner text: C0 but tab and newline, DEL, C1
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def test_cli_shows_learner_text_escaped(course: Course, capsys: pytest.CaptureFixture[str]):
    from parcours.cli import main

    # a learner folder whose name carries the sequence; a cell id carrying it, long
    nb = answered(course.release, RIGHT)
    extra = {
        "cell_type": "code",
        "execution_count": None,
        "id": "forged",
        "metadata": {
            "nbgrader": {
                "grade": False,
                "solution": True,
                "locked": False,
                "grade_id": FORGED + "x" * 500,
                "schema_version": 3,
            }
        },
        "outputs": [],
        "source": "pass",
    }
    nb["cells"].append(extra)
    course.submit("honest", answered(course.release, RIGHT))
    course.submit("forger", nb)
    course.submit("zz" + FORGED, b'{"cells": [')
    data_dir = str(course.root.parent.parent)
    folder = str(FIXTURES / "cours-test")
    args = ["autograde", folder, ASSIGNMENT, "--data-dir", data_dir, "--no-progress"]
    assert main([*args, "--lang", "en"]) == 3
    captured = capsys.readouterr()
    for stream in (captured.out, captured.err):
        assert not CONTROLS.search(stream), repr(stream)
    out = captured.out
    # shown as text, escaped: the learner's name and the cell's name, the latter bounded
    assert printable(FORGED, keep_lines=False) in out
    assert "\\x1b]0;owned\\x07\\x1b[2K\\r\\x1b[32m" in out
    forger = out.split("forger:", 1)[1]
    line = next(x for x in forger.splitlines() if "not in the assignment" in x)
    assert "x" * 100 not in line and "…" in line
    assert "honest:" not in out  # graded cleanly, not listed


def test_excerpt_bounds_and_escapes() -> None:
    text = "\x1b[31m" + "é" * 200 + "\r\n\t\x7f\x9b\u202e"
    cut = excerpt(text)
    assert len(cut) == 80 and cut.endswith("…") and cut.startswith("\\x1b[31m")
    assert excerpt("\r\n\t\x7f\x9b\u202e") == "\\r\\n\\t\\x7f\\x9b\\u202e"
    assert excerpt("q1", limit=80) == "q1"
    assert printable("line 1\nline 2\tend") == "line 1\nline 2\tend"
    assert not CONTROLS.search(excerpt(FORGED))
