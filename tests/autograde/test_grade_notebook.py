"""grade_notebook: nbgrader's scores, hidden tests injected at run time, the sandbox."""

from __future__ import annotations

import json

import pytest
from parcours.pipeline.autograde import Limits, grade_notebook
from parcours.pipeline.autograde.source import spec_from_gradebook, spec_from_notebook

from .kit import ASSIGNMENT, PARTIAL, RIGHT, Course, answered


def spec_of(course: Course):
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        return spec_from_gradebook(gb, ASSIGNMENT)["devoir"]


def limits_for(course: Course, **kw) -> Limits:
    values = dict(cell_timeout_s=5, notebook_timeout_s=30, hidden_paths=(str(course.root),))
    values.update(kw)
    return Limits(**values)


def scores(result) -> dict[str, float | None]:
    return {c.name: c.auto_score for c in result.cells}


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (RIGHT, {"q1_test": 2.0, "q2_test": 3.0, "q3_test": 2.0, "q4": None}),
        (PARTIAL, {"q1_test": 2.0, "q2_test": 0.0, "q3_test": 1.0, "q4": 0.0}),
        ({}, {"q1_test": 0.0, "q2_test": 0.0, "q3_test": 0.0, "q4": 0.0}),
    ],
    ids=["right", "partial", "blank"],
)
def test_scores_follow_nbgrader_rules(template_course, server, answers, expected):
    course = template_course
    nb = answered(course.release, answers)
    result = grade_notebook(
        spec_of(course),
        json.dumps(nb).encode(),
        limits_for(course),
        files=course.root / "source" / ASSIGNMENT,
        server=server,
    )
    assert result.status == "ok", result.problems
    assert scores(result) == expected
    # a manually graded answer left as released needs no manual grade (nbgrader: 0, "No response.")
    q4 = next(c for c in result.cells if c.name == "q4")
    assert q4.needs_manual_grade is (expected["q4"] is None)
    if not answers:
        assert result.comments["q1"] == "No response."
    # hidden tests ran: the graded notebook holds the teacher's full test cell
    cell = next(
        c
        for c in result.notebook_json["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id") == "q1_test"
    )
    assert "BEGIN HIDDEN TESTS" in cell["source"]


def test_spec_from_source_notebook_equals_gradebook(template_course):
    from_gradebook = spec_of(template_course)
    from_source = spec_from_notebook(template_course.root / "source" / ASSIGNMENT / "devoir.ipynb")
    assert [(c.name, c.checksum, c.max_score, c.locked) for c in from_source.cells] == [
        (c.name, c.checksum, c.max_score, c.locked) for c in from_gradebook.cells
    ]


PROBE = """import gc, os, socket
def moyenne(s):
    return s.mean()
print("uid", os.getuid())
print("hidden-in-memory", sum(isinstance(o, str) and "HIDDEN TESTS" in o for o in gc.get_objects()))
try:
    socket.create_connection(("127.0.0.1", 22), timeout=1)
    print("network open")
except OSError as exc:
    print("network", type(exc).__name__)
print("cwd", sorted(os.listdir(".")))
for path in [COURSE + "/gradebook.db", COURSE + "/source/devoir-test/devoir.ipynb", "../spec.json"]:
    try:
        print("read", len(open(path, "rb").read()))
    except OSError as exc:
        print("blocked", type(exc).__name__)
"""


def test_sandbox_hides_tests_course_and_network(template_course, server):
    course = template_course
    nb = answered(course.release, {**RIGHT, "q1": PROBE.replace("COURSE", repr(str(course.root)))})
    result = grade_notebook(
        spec_of(course),
        json.dumps(nb).encode(),
        limits_for(course),
        files=course.root / "source" / ASSIGNMENT,
        server=server,
    )
    assert scores(result)["q1_test"] == 2.0
    cell = next(
        c
        for c in result.notebook_json["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id") == "q1"
    )
    text = "".join(o.get("text", "") for o in cell["outputs"])
    assert "uid 65534" in text  # root dropped to nobody
    assert "hidden-in-memory 0" in text  # hidden tests not in the process before they run
    assert "network open" not in text
    assert "read" not in text.replace("hidden-in-memory", "").replace("ready", "")
    assert text.count("blocked") == 3
    assert "ventes.csv" in text and "devoir.ipynb" in text  # its own files and the data
    assert result.sandbox["user"] == "nobody"
    assert result.sandbox["network"] == "cut"
    assert str(course.root) in result.sandbox["hidden_paths"]
    assert result.sandbox["filesystem"] == "own root"


def test_the_demo_assignments_widgets_run_in_the_grader(server, tmp_path):
    """The demo's first assignment ends with the reflection widget: in the grader (events
    off, the pseudonym key out of sight) it shows, it does not fail — a failure put a
    traceback in every learner's feedback and cost 0.3 s a submission."""
    from pathlib import Path

    source = (
        Path(__file__).resolve().parents[2]
        / "courses"
        / "analyse-de-donnees"
        / "source"
        / "devoir-1"
        / "frequentation-mediatheque.ipynb"
    )
    result = grade_notebook(
        spec_from_notebook(source),
        source.read_bytes(),
        Limits(cell_timeout_s=30, notebook_timeout_s=120, hidden_paths=(str(tmp_path),)),
        files=source.parent,
        server=server,
    )
    assert result.status == "ok", result.problems
    errors = [
        (c["metadata"].get("nbgrader", {}).get("grade_id"), o.get("evalue"))
        for c in result.notebook_json["cells"]
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert errors == []
    reflection = next(
        c
        for c in result.notebook_json["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id") == "reflexion"
    )
    shown = json.dumps(reflection["outputs"], ensure_ascii=False)
    assert "Retour réflexif" in shown
    tests = [c for c in result.cells if c.name.endswith("-tests")]
    assert tests and all(c.auto_score == c.max_score for c in tests)
