"""Feedback never shows the hidden tests' source (nbgrader #1363), carries the teacher's
comments and the recorded grading problem; learners fetch it through the exchange."""

from __future__ import annotations

import json
import subprocess
import sys
from html import unescape
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from parcours.config import ParcoursConfig
from parcours.course import Course
from parcours.errors import ExitStatus
from parcours.pipeline.collect import collect
from parcours.pipeline.exchange import assignment_folder, fetch, fetch_feedback, submit
from parcours.pipeline.feedback import feedback
from parcours.pipeline.gradebook import open_gradebook
from parcours.pipeline.hiddentests import MASK, HideHiddenTests, hidden_test_lines, leaked
from parcours.pipeline.release import release

SECRET = "assert moyenne([4, 8, 12]) == 8  # CONTROLE-CACHE-A"
SOLUTION = "def moyenne(valeurs):\n    return sum(valeurs) / len(valeurs)"
# prints the cell being run (the test cell, hidden tests included) and raises with it
HOSTILE = (
    "def moyenne(valeurs):\n"
    "    ip = get_ipython()\n"
    "    print(ip.user_ns['In'][-1])\n"
    "    raise AssertionError(ip.user_ns['In'][-1])"
)


def _work(folder: Path, code: str, answer: str = "") -> None:
    path = folder / "devoir-a.ipynb"
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "moyenne":
            cell.source = code
        elif grade_id == "explication" and answer:
            cell.source = answer
    nbformat.write(notebook, path)


def _hand_in(
    config: ParcoursConfig, course: Course, homes: Path, work: dict[str, tuple[str, str]]
) -> None:
    """Release devoir-a; each learner fetches it, answers ``(code, explanation)`` and hands
    it in; the teacher collects."""
    release(config, course, "devoir-a")
    for who, (code, answer) in work.items():
        home = homes / who
        fetch(config, course, "devoir-a", learner=who, into=home, cache_dir=home / ".cache")
        _work(assignment_folder(course, "devoir-a", home), code, answer)
        submit(config, course, "devoir-a", learner=who, into=home, cache_dir=home / ".cache")
    collect(config, course, "devoir-a")


def test_hidden_test_lines_and_leak_check(course: Course) -> None:
    lines = hidden_test_lines(course.path("source/devoir-a"))
    assert lines == {SECRET}
    page = (
        "<pre><span>assert</span> moyenne([<span>4</span>, 8, 12]) ==&nbsp;8"
        "  # CONTROLE-CACHE-A</pre>"
    )
    assert leaked(page.replace("&nbsp;", " "), lines) == [SECRET]
    assert leaked("<p>nothing here</p>", lines) == []


def test_preprocessor_masks_source_tracebacks_and_printed_copies() -> None:
    cell = new_code_cell(
        "assert f(1) == 1\n### BEGIN HIDDEN TESTS\nassert f(2) == 4  # secret-check\n"
        "### END HIDDEN TESTS",
        outputs=[
            new_output("stream", name="stdout", text="assert f(2) == 4  # secret-check\n"),
            new_output(
                "error",
                ename="AssertionError",
                evalue="",
                traceback=["----> 3 assert f(2) == 4  # secret-check"],
            ),
        ],
    )
    widget = {"model_id": "abc", "version_major": 2, "version_minor": 0}
    other = new_code_cell(
        "print(1)",
        outputs=[
            new_output(
                "execute_result",
                data={"text/plain": "assert f(2) == 4  # secret-check"},
                execution_count=1,
            ),
            new_output("display_data", data={"application/vnd.jupyter.widget-view+json": widget}),
        ],
    )
    notebook = new_notebook(cells=[cell, other])
    pre = HideHiddenTests(
        hidden_lines={"assert f(2) == 4  # secret-check": True},
        notes={"alice": "**Note**"},
        language="en",
    )
    out, _ = pre.preprocess(notebook, {"nbgrader": {"student": "alice"}})
    text = json.dumps(out, ensure_ascii=False)
    assert "secret-check" not in text
    assert "[hidden test]" in text and MASK == "[hidden test]"  # in the notes' language
    assert out.cells[0].source == "**Note**"
    assert out.cells[1].source.startswith("assert f(1) == 1")
    assert out.cells[1].outputs[1]["traceback"] == ["AssertionError: "]
    assert out.cells[2].outputs[1]["data"]["application/vnd.jupyter.widget-view+json"] == widget


def test_feedback_released_without_hidden_tests_with_comments_and_problems(
    config: ParcoursConfig, course: Course, homes: Path
) -> None:
    from parcours.pipeline.autograde import autograde

    explained = "La somme divisée par le nombre."
    _hand_in(config, course, homes, {"alice": (SOLUTION, explained), "bob": (HOSTILE, explained)})
    autograde(config, course, "devoir-a", workers=2, progress=False)

    root = config.course_root(course.id)
    # the autograder's recorded problem (as its parcours-result.json says it)
    result_file = root / "autograded" / "bob" / "devoir-a" / "parcours-result.json"
    data = json.loads(result_file.read_text()) if result_file.is_file() else {}
    data.setdefault("problems", []).append(
        {"code": "test", "message": "Le noyau a été arrêté (test)."}
    )
    result_file.write_text(json.dumps(data))
    with open_gradebook(config, course) as gb:
        grade = gb.find_grade("explication", "devoir-a", "devoir-a", "alice")
        grade.manual_score = 2
        comment = gb.find_comment("explication", "devoir-a", "devoir-a", "alice")
        comment.manual_comment = "Très bonne explication, Alice."
        gb.db.commit()

    result = feedback(config, course, "devoir-a")
    assert sorted(result.released) == ["alice", "bob"] and result.withheld == {}
    pages = {}
    for who in ("alice", "bob"):
        home = homes / who
        (page,) = fetch_feedback(
            config, course, "devoir-a", learner=who, into=home, cache_dir=home / ".cache"
        )
        pages[who] = page.read_text(encoding="utf-8")
    for who, page in pages.items():
        assert "CONTROLE-CACHE-A" not in page, who
        assert leaked(page, {SECRET}) == [], who
    assert "Très bonne explication, Alice." in pages["alice"]
    assert "Le noyau a été arrêté (test)." in pages["bob"]
    assert "Le noyau a été arrêté" not in pages["alice"]
    # the teacher's own copies in the course root are clean too
    for html in (root / "feedback").glob("*/devoir-a/*.html"):
        assert "CONTROLE-CACHE-A" not in html.read_text(encoding="utf-8")

    # a feedback page nbgrader cannot build (broken autograded notebook) is withheld and
    # named; the others are released all the same
    broken = root / "autograded" / "bob" / "devoir-a" / "devoir-a.ipynb"
    broken.chmod(0o644)
    broken.write_text("{ not json", encoding="utf-8")
    again = feedback(config, course, "devoir-a")
    assert list(again.released) == ["alice"]
    assert "nbgrader could not build the feedback page" in again.withheld["bob"]


def _parcours(*argv: str) -> subprocess.CompletedProcess[str]:
    """The real ``parcours`` command, its stdout and stderr piped (not a terminal)."""
    command = [sys.executable, "-m", "parcours.cli", *argv]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_cli_feedback_with_a_page_withheld_exits_3_and_draws_no_bar_off_a_terminal(
    config: ParcoursConfig, course: Course, homes: Path
) -> None:
    _hand_in(config, course, homes, dict.fromkeys(("alice", "bob"), (SOLUTION, "La moyenne.")))
    graded = _parcours("autograde", str(course.folder), "devoir-a", "--workers", "2")
    assert graded.returncode == ExitStatus.CLEAN, graded.stderr
    assert "2 submissions graded" in graded.stdout or "2 copies corrigées" in graded.stdout
    assert "%|" not in graded.stderr and "it/s" not in graded.stderr  # no tqdm bar

    broken = config.course_root(course.id) / "autograded" / "bob" / "devoir-a" / "devoir-a.ipynb"
    broken.chmod(0o644)
    broken.write_text("{ not json", encoding="utf-8")
    released = _parcours("feedback", str(course.folder), "devoir-a", "--lang", "en")
    assert released.returncode == ExitStatus.PROBLEMS, released.stderr
    assert "feedback released to 1 learner;" in released.stdout
    assert "feedback withheld (bob): nbgrader could not build" in released.stdout
    assert "%|" not in released.stderr and "Traceback" not in released.stderr


@pytest.mark.parametrize(
    ("argv", "status"),
    [([], ExitStatus.BAD_INPUT), (["nowhere"], ExitStatus.BAD_INPUT), (["--help"], 0)],
)
def test_cli_usage_statuses(argv: list[str], status: ExitStatus) -> None:
    assert _parcours(*argv).returncode == status


def test_unreadable_submissions_get_a_feedback_page_saying_why_they_scored_0(
    config: ParcoursConfig, course: Course, homes: Path
) -> None:
    from parcours.pipeline.autograde import autograde

    release(config, course, "devoir-a")
    broken = {"bob": b'{"cells": [{"cell_type": "code", "sour', "chloe": b"\x89PNG\r\n\x1a\n\x00"}
    for who in ("alice", "bob", "chloe"):
        home = homes / who
        fetch(config, course, "devoir-a", learner=who, into=home, cache_dir=home / ".cache")
        folder = assignment_folder(course, "devoir-a", home)
        _work(folder, SOLUTION, "La moyenne.")
        if who in broken:  # truncated by a full disk, or replaced by a picture
            (folder / "devoir-a.ipynb").write_bytes(broken[who])
        submit(config, course, "devoir-a", learner=who, into=home, cache_dir=home / ".cache")
    collect(config, course, "devoir-a")
    autograde(config, course, "devoir-a", workers=2, progress=False)

    result = feedback(config, course, "devoir-a")
    assert sorted(result.released) == ["alice", "bob", "chloe"] and result.withheld == {}
    reasons = {"bob": "invalid JSON at byte 33", "chloe": "not UTF-8 text"}
    for who, reason in reasons.items():
        home = homes / who
        (page,) = fetch_feedback(
            config, course, "devoir-a", learner=who, into=home, cache_dir=home / ".cache"
        )
        text = unescape(page.read_text(encoding="utf-8"))
        assert "n'a pas pu être lu" in text and "0 à chaque question" in text, who
        assert reason in text, who
        assert "CONTROLE-CACHE-A" not in text


def test_feedback_run_again_keeps_each_unchanged_pages_release_time(
    config: ParcoursConfig, course: Course, homes: Path
) -> None:
    """The feedback delays on the dashboards are read from the pages' times: running
    ``parcours feedback`` again (a teacher releasing a late learner's page, the demo's
    teacher on the hub) must not make every earlier page look released today — only a
    page whose content changed (a regrade) gets a new time. On session 10's code the
    demo's median delay went from days to 74 days this way."""
    import os

    from parcours.analytics.gradebook import feedback_times
    from parcours.pipeline.autograde import autograde

    _hand_in(config, course, homes, dict.fromkeys(("alice", "bob"), (SOLUTION, "La moyenne.")))
    autograde(config, course, "devoir-a", workers=2, progress=False)
    assert sorted(feedback(config, course, "devoir-a").released) == ["alice", "bob"]
    root = config.course_root(course.id)
    week_ago = (root / "feedback").stat().st_mtime - 7 * 86400
    for page in (root / "feedback").glob("*/devoir-a/*.html"):
        os.utime(page, (week_ago, week_ago))  # as if released a week ago

    with open_gradebook(config, course) as gb:  # bob's answer graded again, with a comment
        comment = gb.find_comment("explication", "devoir-a", "devoir-a", "bob")
        comment.manual_comment = "Précisez la formule, Bob."
        gb.db.commit()
    feedback(config, course, "devoir-a")

    times = feedback_times(root).set_index("student_id")["feedback_at"]
    assert times["alice"].timestamp() == pytest.approx(week_ago, abs=0.01)  # released then
    assert times["bob"].timestamp() > week_ago + 6 * 86400  # changed: released again now
