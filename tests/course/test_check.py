"""`parcours check`: a clean course exits 0; each class of bad input exits 2 with a
message naming the file, the key or cell, and what to do — never a traceback."""

from __future__ import annotations

import nbformat
import pytest

from .conftest import MiniCourse, assignment_notebook, lesson_notebook


def assert_bad_input(result, *fragments: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, f"{fragment!r} not in:\n{result.stderr}"


def test_clean_course_exits_zero_with_summary(mini_course: MiniCourse) -> None:
    result = mini_course.check()
    assert result.returncode == 0, result.stderr
    assert "mini — Mini cours (fr)" in result.stdout
    assert "1 lessons" in result.stdout and "1 assignments" in result.stdout
    assert "lessons executed: 1" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("OK")


def test_invalid_toml(mini_course: MiniCourse) -> None:
    mini_course.edit_manifest('title = "Mini cours"', 'title = "Mini cours')
    assert_bad_input(mini_course.check(), "course.toml", "invalid TOML", "line 3")


def test_unknown_key(mini_course: MiniCourse) -> None:
    mini_course.edit_manifest("minutes = 10", "minutes = 10\nduree = 10")
    assert_bad_input(
        mini_course.check(), "course.toml", "modules[0].lessons[0].duree", "unknown key", "spelling"
    )


def test_missing_key(mini_course: MiniCourse) -> None:
    mini_course.edit_manifest('objectives = ["Additionner"]\n', "")
    assert_bad_input(
        mini_course.check(), "modules[0].lessons[0].objectives", "required key is missing"
    )


def test_missing_notebook(mini_course: MiniCourse) -> None:
    (mini_course.folder / "lessons" / "l1.ipynb").unlink()
    assert_bad_input(
        mini_course.check("--no-execute"),
        "modules[0].lessons[0].notebook",
        "notebook 'lessons/l1.ipynb' not found",
        "correct the path",
    )


def test_missing_assignment_source(mini_course: MiniCourse) -> None:
    mini_course.edit_manifest('source = "source/devoir"', 'source = "source/devoir-absent"')
    assert_bad_input(mini_course.check("--no-execute"), "assignments[0].source", "not found")


def test_due_before_opens(mini_course: MiniCourse) -> None:
    mini_course.edit_manifest("due = 2026-09-21T23:59:00", "due = 2026-09-10T23:59:00")
    assert_bad_input(mini_course.check("--no-execute"), "assignments[0].due", "is not after opens")


def test_unknown_time_zone(mini_course: MiniCourse) -> None:
    mini_course.edit_manifest('timezone = "Europe/Paris"', 'timezone = "Europe/Lutece"')
    assert_bad_input(mini_course.check("--no-execute"), "timezone", "not a known time zone")


def test_unknown_skill(mini_course: MiniCourse) -> None:
    mini_course.edit_manifest(
        'skills = ["calculer"]\nminutes = 10', 'skills = ["rediger"]\nminutes = 10'
    )
    assert_bad_input(
        mini_course.check("--no-execute"),
        "modules[0].lessons[0].skills",
        "unknown skill 'rediger'",
        "calculer",
    )


def test_wrong_schema_version(mini_course: MiniCourse) -> None:
    mini_course.edit_manifest("schema_version = 1", "schema_version = 7")
    assert_bad_input(mini_course.check(), "schema_version is 7", "reads version 1")


def test_notebook_not_json(mini_course: MiniCourse) -> None:
    path = mini_course.folder / "lessons" / "l1.ipynb"
    path.write_text(path.read_text(encoding="utf-8")[:40], encoding="utf-8")
    assert_bad_input(
        mini_course.check("--no-execute"), "lessons/l1.ipynb", "invalid JSON at line", "restore"
    )


def test_lesson_that_raises(mini_course: MiniCourse) -> None:
    nbformat.write(lesson_notebook("total = 1 / 0"), mini_course.folder / "lessons" / "l1.ipynb")
    assert_bad_input(
        mini_course.check(), "lessons/l1.ipynb", "cell 2", "ZeroDivisionError", "top to bottom"
    )


def test_solution_that_fails_its_tests(mini_course: MiniCourse) -> None:
    nbformat.write(
        assignment_notebook("    return a - b"),
        mini_course.folder / "source" / "devoir" / "devoir.ipynb",
    )
    assert_bad_input(
        mini_course.check(),
        "source/devoir/devoir.ipynb",
        "grade_id 'test_somme'",
        "the solution fails this cell (an autograder test)",
    )


def test_tests_that_check_nothing(mini_course: MiniCourse) -> None:
    nb = assignment_notebook()
    nb.cells[2].source = "assert True"
    nbformat.write(nb, mini_course.folder / "source" / "devoir" / "devoir.ipynb")
    assert_bad_input(mini_course.check(), "release version", "passes every test")


def test_duplicate_grade_id(mini_course: MiniCourse) -> None:
    nb = assignment_notebook()
    nb.cells[2].metadata["nbgrader"]["grade_id"] = "somme"
    nbformat.write(nb, mini_course.folder / "source" / "devoir" / "devoir.ipynb")
    assert_bad_input(mini_course.check("--no-execute"), "grade_id 'somme' is also used by cell 2")


def test_unknown_course_id_names_known_ones(mini_course: MiniCourse) -> None:
    import subprocess
    import sys

    missing = subprocess.run(
        [sys.executable, "-m", "parcours_grading.cli", "check", "cours-inexistant"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_bad_input(missing, "cours-inexistant", "no course here")


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_check_help(flag: str, mini_course: MiniCourse) -> None:
    result = mini_course.check(flag)
    assert result.returncode == 0
    assert "release version" in result.stdout
