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
    # a French course is checked in French
    assert "1 leçons" in result.stdout and "1 devoirs" in result.stdout
    assert "leçons exécutées : 1" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("OK")


def test_unclosed_quote_names_the_line(mini_course: MiniCourse) -> None:
    mini_course.edit_manifest('title = "Mini cours"', 'title = "Mini cours')
    assert_bad_input(
        mini_course.check(),
        "course.toml: ligne 3",
        "un guillemet n'est pas fermé : title = \"Mini cours",
        "fermez le texte par le même guillemet",
    )


def test_other_toml_error_names_the_line(mini_course: MiniCourse) -> None:
    mini_course.edit_manifest("minutes = 10", "minutes = = 10")
    assert_bad_input(
        mini_course.check("--no-execute"), "course.toml: ligne ", "TOML invalide", "minutes = = 10"
    )


def test_unknown_key(mini_course: MiniCourse) -> None:
    mini_course.edit_manifest("minutes = 10", "minutes = 10\nduree = 10")
    assert_bad_input(
        mini_course.check(),
        "course.toml",
        "modules[0].lessons[0].duree",
        "clé inconnue",
        "orthographe",
    )


def test_missing_key(mini_course: MiniCourse) -> None:
    mini_course.edit_manifest('objectives = ["Additionner"]\n', "")
    assert_bad_input(
        mini_course.check(), "modules[0].lessons[0].objectives", "clé obligatoire absente"
    )


def test_missing_notebook(mini_course: MiniCourse) -> None:
    (mini_course.folder / "lessons" / "l1.ipynb").unlink()
    assert_bad_input(
        mini_course.check("--no-execute"),
        "modules[0].lessons[0].notebook",
        "notebook « lessons/l1.ipynb » introuvable",
        "corrigez le chemin",
    )


def test_missing_assignment_source(mini_course: MiniCourse) -> None:
    mini_course.edit_manifest('source = "source/devoir"', 'source = "source/devoir-absent"')
    assert_bad_input(mini_course.check("--no-execute"), "assignments[0].source", "introuvable")


def test_due_before_opens(mini_course: MiniCourse) -> None:
    mini_course.edit_manifest("due = 2026-09-21T23:59:00", "due = 2026-09-10T23:59:00")
    assert_bad_input(
        mini_course.check("--no-execute"), "assignments[0].due", "n'est pas après l'ouverture"
    )


def test_unknown_time_zone(mini_course: MiniCourse) -> None:
    mini_course.edit_manifest('timezone = "Europe/Paris"', 'timezone = "Europe/Lutece"')
    assert_bad_input(
        mini_course.check("--no-execute"), "timezone", "n'est pas un fuseau horaire connu"
    )


def test_unknown_skill(mini_course: MiniCourse) -> None:
    mini_course.edit_manifest(
        'skills = ["calculer"]\nminutes = 10', 'skills = ["rediger"]\nminutes = 10'
    )
    assert_bad_input(
        mini_course.check("--no-execute"),
        "modules[0].lessons[0].skills",
        "compétence inconnue « rediger »",
        "calculer",
    )


def test_wrong_schema_version(mini_course: MiniCourse) -> None:
    mini_course.edit_manifest("schema_version = 1", "schema_version = 7")
    assert_bad_input(mini_course.check(), "schema_version vaut 7", "lit la version 1")


def test_notebook_not_json(mini_course: MiniCourse) -> None:
    path = mini_course.folder / "lessons" / "l1.ipynb"
    path.write_text(path.read_text(encoding="utf-8")[:40], encoding="utf-8")
    assert_bad_input(
        mini_course.check("--no-execute"), "lessons/l1.ipynb", "JSON invalide ligne", "restaurez"
    )


def test_lesson_that_raises(mini_course: MiniCourse) -> None:
    nbformat.write(lesson_notebook("total = 1 / 0"), mini_course.folder / "lessons" / "l1.ipynb")
    assert_bad_input(
        mini_course.check(),
        "lessons/l1.ipynb",
        "cellule 2",
        "ZeroDivisionError",
        "du début à la fin",
    )


def test_solution_that_fails_its_tests(mini_course: MiniCourse) -> None:
    nbformat.write(
        assignment_notebook("    return a - b"),
        mini_course.folder / "source" / "devoir" / "devoir.ipynb",
    )
    # the failing assertion, visible or hidden, and the solution cell to correct
    assert_bad_input(
        mini_course.check(),
        "source/devoir/devoir.ipynb: cellule 3 (grade_id « test_somme »)",
        "la solution échoue à un test visible : `assert somme(1, 2) == 3` a levé AssertionError",
        "corrigez la solution de la cellule 2 (grade_id « somme »)",
    )


def test_solution_that_fails_a_hidden_test(mini_course: MiniCourse) -> None:
    nbformat.write(
        assignment_notebook("    return a + b if a > 0 else 1"),
        mini_course.folder / "source" / "devoir" / "devoir.ipynb",
    )
    assert_bad_input(
        mini_course.check(),
        "cellule 3 (grade_id « test_somme »)",
        "la solution échoue à un test caché : `assert somme(-1, 1) == 0` a levé AssertionError",
        "cellule 2 (grade_id « somme »)",
    )


def test_tests_that_check_nothing(mini_course: MiniCourse) -> None:
    nb = assignment_notebook()
    nb.cells[2].source = "assert True"
    nbformat.write(nb, mini_course.folder / "source" / "devoir" / "devoir.ipynb")
    assert_bad_input(mini_course.check(), "version distribuée", "réussit tous les tests")


def test_duplicate_grade_id(mini_course: MiniCourse) -> None:
    nb = assignment_notebook()
    nb.cells[2].metadata["nbgrader"]["grade_id"] = "somme"
    nbformat.write(nb, mini_course.folder / "source" / "devoir" / "devoir.ipynb")
    assert_bad_input(
        mini_course.check("--no-execute"), "le grade_id « somme » est aussi celui de la cellule 2"
    )


def test_unknown_course_id_names_known_ones(mini_course: MiniCourse) -> None:
    import subprocess
    import sys

    missing = subprocess.run(
        [sys.executable, "-m", "parcours.cli", "check", "cours-inexistant"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_bad_input(missing, "cours-inexistant", "aucun cours ici")


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_check_help(flag: str, mini_course: MiniCourse) -> None:
    result = mini_course.check(flag)
    assert result.returncode == 0
    assert "version publiée" in result.stdout  # in the configured language (French)


def test_points_differ_from_the_notebook(mini_course: MiniCourse) -> None:
    mini_course.edit_manifest("points = 2", "points = 12")
    assert_bad_input(
        mini_course.check("--no-execute"),
        "course.toml: assignments[0].points",
        "points = 12, mais les cellules notées de source/devoir totalisent 2 points",
        "écrivez points = 2",
    )


def test_late_penalty_per_day_is_a_fraction(mini_course: MiniCourse) -> None:
    mini_course.edit_manifest("per_day = 0.1", "per_day = 20")
    assert_bad_input(
        mini_course.check("--no-execute"),
        "assignments[0].late_policy.per_day",
        "vaut 20, mais c'est une fraction des points entre 0 et 1 : 0.2 signifie 20 %",
        "écrivez per_day = 0.2 pour 20 %",
    )


def test_english_course_is_checked_in_english(mini_course: MiniCourse) -> None:
    mini_course.edit_manifest('language = "fr"', 'language = "en"')
    mini_course.edit_manifest("per_day = 0.1", "per_day = 20")
    assert_bad_input(
        mini_course.check("--no-execute"),
        "1 problem(s) found:",
        "is 20, but it is a fraction of the points between 0 and 1: 0.2 means 20 %",
        "write per_day = 0.2 for 20 %",
    )


QUIZ = """schema_version: 1
lesson: l1
questions:
  - id: l1-q1
    type: single
    prompt: "Combien font 1 + 1 ?
    options: ["1", "2"]
    answer: 1
"""


def test_quiz_yaml_error_points_at_the_yaml(mini_course: MiniCourse) -> None:
    (mini_course.folder / "quizzes").mkdir()
    (mini_course.folder / "quizzes" / "l1.yaml").write_text(QUIZ, encoding="utf-8")
    result = mini_course.check()
    assert_bad_input(
        result, "quizzes/l1.yaml: ligne ", "YAML invalide", "chaque guillemet est fermé"
    )
    assert "lessons/l1.ipynb" not in result.stderr  # the lesson is not blamed


LESSON_WITH_QUIZ = "from parcours_lab.lesson import start\nL = start('mini', 'l1')\nL.quiz('l1-q1')"


def test_quizzes_come_from_the_course_checked(
    mini_course: MiniCourse, tmp_path, monkeypatch
) -> None:
    """A course installed under courses_dir with the same id has no such question: the
    copy being checked must use its own quizzes/ folder."""
    installed = tmp_path / "installed"
    (installed / "mini" / "quizzes").mkdir(parents=True)
    (installed / "mini" / "course.toml").write_text(
        mini_course.manifest.read_text(encoding="utf-8"), encoding="utf-8"
    )
    (installed / "mini" / "quizzes" / "l1.yaml").write_text(
        "schema_version: 1\nlesson: l1\nquestions:\n  - {id: autre, type: single, "
        "prompt: '?', options: [a, b], answer: 0}\n",
        encoding="utf-8",
    )
    config_dir = tmp_path / "jupyter-config"
    config_dir.mkdir()
    (config_dir / "jupyter_config.py").write_text(
        f"c.ParcoursConfig.courses_dir = {str(installed)!r}\n", encoding="utf-8"
    )
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(config_dir))
    (mini_course.folder / "quizzes").mkdir()
    (mini_course.folder / "quizzes" / "l1.yaml").write_text(
        QUIZ.replace('"Combien font 1 + 1 ?', '"Combien font 1 + 1 ?"'), encoding="utf-8"
    )
    nbformat.write(lesson_notebook(LESSON_WITH_QUIZ), mini_course.folder / "lessons" / "l1.ipynb")
    result = mini_course.check()
    assert result.returncode == 0, result.stderr


GOOD_QUIZ = QUIZ.replace('"Combien font 1 + 1 ?', '"Combien font 1 + 1 ?"')


def test_quiz_bank_problems_in_the_courses_language(mini_course: MiniCourse) -> None:
    """A French course's bank with an answer index past its options: the problem and
    its fix in French (issue #24 item 11), then in English with --lang en."""
    (mini_course.folder / "quizzes").mkdir()
    bad = GOOD_QUIZ.replace('options: ["1", "2"]', 'options: ["1", "2", "3"]').replace(
        "answer: 1", "answer: 3"
    )
    (mini_course.folder / "quizzes" / "l1.yaml").write_text(bad, encoding="utf-8")
    result = mini_course.check("--no-execute")
    assert_bad_input(
        result,
        "question 'l1-q1' : l'indice de réponse 3 est hors limites (3 options)",
        "utilisez 0 à 2 (la première option est 0)",
    )
    assert "(dans " not in result.stderr and "(in " not in result.stderr  # the file is named
    assert_bad_input(
        mini_course.check("--no-execute", "--lang", "en"),
        "answer index 3 is out of range (3 options)",
        "use 0 to 2",
    )


def test_missing_question_said_in_the_courses_language(mini_course: MiniCourse) -> None:
    """A lesson asking for a question its bank does not have: the lesson's error says so
    in the course's language."""
    (mini_course.folder / "quizzes").mkdir()
    (mini_course.folder / "quizzes" / "l1.yaml").write_text(GOOD_QUIZ, encoding="utf-8")
    lesson = LESSON_WITH_QUIZ.replace("l1-q1", "l1-q4")
    nbformat.write(lesson_notebook(lesson), mini_course.folder / "lessons" / "l1.ipynb")
    result = mini_course.check()
    assert result.returncode != 0, result.stdout
    assert "aucune question « l1-q4 » dans la leçon « l1 »" in result.stderr, result.stderr
    assert "no question" not in result.stderr


def test_a_french_course_checked_in_english_on_request(mini_course: MiniCourse) -> None:
    """``--lang en`` on a French course: the manifest's schema and date problems, and
    their fixes, in English (the person's choice wins over the course's language)."""
    mini_course.edit_manifest("minutes = 10", "minutes = 10\nduree = 10")
    result = mini_course.check("--no-execute", "--lang", "en")
    assert_bad_input(result, "modules[0].lessons[0].duree", "unknown key")
    assert "clé inconnue" not in result.stderr, result.stderr
    mini_course.edit_manifest("minutes = 10\nduree = 10", "minutes = 10")
    mini_course.edit_manifest("due = 2026-09-21T23:59:00", "due = 2026-09-10T23:59:00")
    result = mini_course.check("--no-execute", "--lang", "en")
    assert_bad_input(result, "assignments[0].due", "is not after opens")
    assert "ouverture" not in result.stderr, result.stderr
