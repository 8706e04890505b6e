"""The synthetic cohort, written to a real event store and a real nbgrader gradebook, read
back by ``parcours report`` and ``parcours groups``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from parcours.analytics import load_frames
from parcours.cli import main
from parcours.cohort import make_cohort, write_events, write_gradebook
from parcours.config import ParcoursConfig
from parcours.course import load_course

MANIFEST = """
schema_version = 1
id = "c1"
title = "Cours 1"
timezone = "UTC"
[[skills]]
id = "s1"
label = "S1"
[[skills]]
id = "s2"
label = "S2"
[[modules]]
id = "m1"
title = "M1"
[[modules.lessons]]
id = "L1"
title = "L1"
notebook = "lessons/l1.ipynb"
objectives = ["o"]
skills = ["s1"]
minutes = 20
[[modules.lessons]]
id = "L2"
title = "L2"
notebook = "lessons/l2.ipynb"
objectives = ["o"]
skills = ["s2"]
minutes = 30
[[assignments]]
id = "A1"
title = "A1"
source = "source/A1"
module = "m1"
opens = 2026-09-07T08:00:00
due = 2026-09-13T22:00:00
points = 10
skills = ["s1", "s2"]
minutes = 60
[[assignments]]
id = "R1"
title = "Remédiation"
source = "source/R1"
module = "m1"
opens = 2026-09-14T08:00:00
due = 2026-09-20T22:00:00
points = 1
skills = ["s1"]
minutes = 30
"""
QUIZ = """schema_version: 1
lesson: L1
questions:
  - {id: L1-a, type: single, prompt: "?", options: [x, y], answer: 0, skills: [s1]}
  - {id: L1-b, type: single, prompt: "?", options: [x, y], answer: 1, skills: [s1]}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    folder = root / "courses" / "c1"
    for relative in (
        "lessons/l1.ipynb",
        "lessons/l2.ipynb",
        "source/A1/a1.ipynb",
        "source/R1/r1.ipynb",
    ):
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text("{}")
    (folder / "course.toml").write_text(MANIFEST)
    (folder / "quizzes").mkdir()
    (folder / "quizzes" / "L1.yaml").write_text(QUIZ)
    (root / "jupyter_config.py").write_text("c = get_config()  # noqa\n")
    course = load_course(folder)
    data_dir = root / "data"
    key = ParcoursConfig(root=str(root), data_dir=str(data_dir)).pseudonym_salt
    cohort = make_cohort(course, 30, seed=11, salt=key)
    write_events(cohort.events, data_dir / "events.sqlite")
    write_gradebook(
        data_dir / "courses" / "c1" / "gradebook.db",
        course,
        cohort.plans,
        students=cohort.learners["student_id"].tolist(),
        seed=11,
    )
    return root, cohort


def run_cli(project, *args: str) -> int:
    root, _ = project
    return main([*args, "--root", str(root), "--data-dir", str(root / "data"), "--lang", "en"])


def test_cohort_behaves_like_a_class(project):
    root, cohort = project
    config = ParcoursConfig(
        root=str(root), data_dir=str(root / "data"), courses_dir=str(root / "courses")
    )
    data = load_frames(config, ["c1"])
    assert data.learners["learner"].nunique() == 30
    assert set(data.events["verb"]) >= {"opened", "answered", "completed", "reflected"}
    assert set(data.questions["question"]) == {"L1-a", "L1-b"}
    assert set(data.events.loc[data.events["lesson"] == "L1", "object_id"]) >= {"L1-a"}
    # the gradebook holds exactly the planned submissions, scored per cell
    assert len(data.submissions) == len(cohort.plans)
    assert (data.submissions["max_score"] > 0).all()
    # every profile drives behaviour: some learners drop out, some hand in late
    assert (cohort.learners["dropout_at"] <= 3).any()
    assert cohort.plans["late"].any() and not cohort.plans["late"].all()
    # same seed, same cohort
    again = make_cohort(
        load_course(root / "courses" / "c1"), 30, seed=11, salt=config.pseudonym_salt
    )
    pd.testing.assert_frame_equal(again.events, cohort.events)


def test_report_csv_json_xlsx(project, tmp_path, capsys):
    assert (
        run_cli(project, "report", "c1", "--format", "csv", "--out", str(tmp_path / "r.csv")) == 0
    )
    learners = pd.read_csv(tmp_path / "r-learners.csv")
    questions = pd.read_csv(tmp_path / "r-questions.csv")
    assert len(learners) == 30 and learners["learner"].str.startswith("p-").all()
    assert {"L1-a", "L1-b"} <= set(questions["question"])
    assert set(questions["kind"]) == {"quiz", "cell"}
    # labels beside the ids, numbers rounded (0.167, not 0.16666666666666666)
    assert set(questions.loc[questions["activity"] == "L1", "title"]) == {"L1"}
    assignments = pd.read_csv(tmp_path / "r-assignments.csv", dtype=str)
    assert set(assignments["title"]) <= {"A1", "Remédiation"}
    for table in (learners.astype(str), questions.astype(str), assignments):
        numbers = table.stack()
        assert not numbers.str.fullmatch(r"-?\d+\.\d{4,}").any()
    assert "30 learners" in capsys.readouterr().out
    assert (
        run_cli(
            project, "report", "c1", "--format", "json", "--out", str(tmp_path / "r.json"), "--full"
        )
        == 0
    )
    payload = json.loads((tmp_path / "r.json").read_text())
    assert {"learners", "questions", "kpis", "risk", "funnel"} <= set(payload)
    assert (
        run_cli(project, "report", "c1", "--format", "xlsx", "--out", str(tmp_path / "r.xlsx")) == 0
    )
    sheets = pd.read_excel(tmp_path / "r.xlsx", sheet_name=None)
    assert set(sheets) == {"learners", "assignments", "questions"}
    assert len(sheets["learners"]) == 30


def test_groups_modes_and_csv(project, tmp_path, capsys):
    assert (
        run_cli(
            project,
            "groups",
            "c1",
            "--skill",
            "s1",
            "--mode",
            "teams",
            "--size",
            "5",
            "--csv",
            str(tmp_path / "t.csv"),
        )
        == 0
    )
    teams = pd.read_csv(tmp_path / "t.csv")
    assert len(teams) == 30 and teams["team"].nunique() == 6
    assert teams.groupby("team").size().tolist() == [5] * 6
    assert (
        teams.groupby("team")["role"].apply(set)
        == {"expert", "animateur", "secretaire", "gardien_du_temps", "rapporteur"}
    ).all()
    assert "== team 1 (5)" in capsys.readouterr().out
    assert run_cli(project, "groups", "c1", "--skill", "s1", "--mode", "pairs") == 0
    assert "tutor" in capsys.readouterr().out


def test_groups_release_remediation_calls_the_pipeline(project, monkeypatch, capsys):
    from parcours.pipeline import release as release_module

    calls = []

    def fake_release(config, course, assignment_id, to=None):  # the real one runs nbgrader
        calls.append((course.id, assignment_id, to))
        return release_module.ReleaseResult(assignment_id, to, Path("."), None, None)

    monkeypatch.setattr(release_module, "release", fake_release)
    assert run_cli(project, "groups", "c1", "--skill", "s1", "--release-remediation", "R1") == 0
    _, cohort = project
    out = capsys.readouterr().out
    remediation = [
        line.split()[0]
        for line in out.split("== band remediation")[1].split("==")[0].splitlines()[1:]
        if line.strip()
    ]
    ids = cohort.learners.set_index("learner")["student_id"]
    assert calls == [("c1", "R1", sorted(ids[remediation]))]


def test_bad_input_exits_2_without_traceback(project, capsys):
    assert run_cli(project, "groups", "c1", "--skill", "nope") == 2
    err = capsys.readouterr().err
    assert "skill 'nope'" in err and "Traceback" not in err
    assert run_cli(project, "report", "c1", "--now", "not-a-date") == 2
    assert "--now not-a-date" in capsys.readouterr().err


def test_demo_course_manifest_works_with_a_cohort(repo):
    """The demo course's manifest (written by the content helper) drives the generator."""
    from parcours.analytics import class_report
    from parcours.analytics.frames import assemble, events_frame
    from parcours.course import read_manifest

    path = repo / "courses" / "analyse-de-donnees" / "course.toml"
    course = read_manifest(path).model_copy(update={"folder": path.parent})
    cohort = make_cohort(course, 40, seed=5, salt="a key of the test")
    learners = cohort.learners.assign(course=course.id)[["course", "learner", "student_id"]]
    data = assemble([course], events_frame(cohort.events), learners=learners)
    report = class_report(data, now="2026-10-20T00:00:00Z")
    assert len(report.learners) == 40
    assert set(report.kpis["kpi"]) >= {"weekly_active", "quiz_mean", "skills_validated"}
