"""``parcours deadlines`` (issue #24 item 5): a readable table in the course's language,
JSON only with ``--json``, on one machine and on the hub; a teacher sees each
assignment's dates and how many learners handed it in, late or are overdue — never a
learner's "overdue, not handed in" about herself."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from parcours.cli import main
from parcours.config import ParcoursConfig
from parcours.course import Course, load_course
from parcours.errors import ExitStatus
from parcours.pipeline.deadlines import course_progress, learner_deadlines
from parcours.pipeline.exchange import fetch, submit
from parcours.pipeline.extensions import extend
from parcours.pipeline.release import release
from parcours.pipeline.roster import Learner, roster_path, write_roster

from .conftest import FIXTURE, copy_course


@pytest.fixture
def late_course(tmp_path: Path, config: ParcoursConfig, now: dt.datetime) -> Course:
    """devoir-a due two days ago, released to alice, bob and chloe: alice handed it in
    (late), bob has an extension, chloe nothing; devoir-b not released."""
    folder = copy_course(
        FIXTURE,
        tmp_path / "courses" / "mini-cours",
        {
            "devoir-a": (now - dt.timedelta(days=9), now - dt.timedelta(days=2)),
            "devoir-b": (now + dt.timedelta(days=1), now + dt.timedelta(days=8)),
        },
    )
    course = load_course(folder)
    write_roster(
        roster_path(config, course),
        [Learner(who, who.title(), "X", "", ()) for who in ("alice", "bob", "chloe")],
    )
    release(config, course, "devoir-a")
    home = tmp_path / "alice"
    fetch(config, course, "devoir-a", learner="alice", into=home, cache_dir=home / ".cache")
    submit(config, course, "devoir-a", learner="alice", into=home)
    extend(config, course, "devoir-a", "bob", now + dt.timedelta(days=3))
    return course


def test_course_progress_counts_the_class(config: ParcoursConfig, late_course: Course) -> None:
    rows = {row.assignment: row for row in course_progress(config, late_course)}
    a, b = rows["devoir-a"], rows["devoir-b"]
    assert (a.released, a.learners, a.submitted, a.late, a.overdue, a.extensions) == (
        True,
        3,
        1,
        1,
        1,
        1,
    )
    assert not b.released and b.learners == 0
    assert type(a).from_json(json.loads(json.dumps(a.as_json()))) == a


def test_a_teacher_sees_the_class_not_overdue_about_herself(
    capsys: pytest.CaptureFixture[str],
    late_course: Course,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Run by someone not in the roster (the teacher): the class's table, in French."""
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setenv("USER", "prof")
    monkeypatch.setenv("LOGNAME", "prof")
    assert main(["deadlines", str(late_course.folder)]) == ExitStatus.CLEAN
    out = capsys.readouterr().out
    header, _rule, row_a, row_b = out.splitlines()
    for column in ("publié pour", "rendu par", "dont en retard", "non rendu, échéance passée"):
        assert column in header, header
    assert row_a.split()[-5:] == ["3", "1", "1", "1", "1"], row_a
    assert "(heure de " in row_a
    assert "non publié" in row_b
    assert "en retard, non rendu" not in out and "votre prolongation" not in out
    assert not out.lstrip().startswith(("[", "{"))
    assert main(["deadlines", str(late_course.folder), "--json"]) == ExitStatus.CLEAN
    data = json.loads(capsys.readouterr().out)
    assert [row["submitted"] for row in data] == [1, 0]


def test_a_learner_gets_a_table_and_json_only_when_asked(
    capsys: pytest.CaptureFixture[str], late_course: Course
) -> None:
    folder = str(late_course.folder)
    assert main(["deadlines", folder, "--learner", "chloe", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("assignment") and "overdue, not handed in" in out
    assert main(["deadlines", folder, "--learner", "chloe", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["status"] == "overdue"


def _on_the_hub(monkeypatch: pytest.MonkeyPatch, answer: dict[str, Any]) -> None:
    class Service:
        def deadlines(self, course: str) -> dict[str, Any]:
            return answer

    monkeypatch.setattr("parcours.cli._course.hub_client", lambda args, config: Service())


def test_on_the_hub_the_services_answer_is_a_table(
    capsys: pytest.CaptureFixture[str],
    config: ParcoursConfig,
    late_course: Course,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The service's answer (a learner's rows, or a teacher's ``teaching`` rows) printed
    as the same tables as on one machine; JSON with --json only."""
    mine = [row.as_json() for row in learner_deadlines(config, late_course, "chloe")]
    answer = {"course": late_course.id, "language": "fr", "assignments": mine}
    _on_the_hub(monkeypatch, answer | {"teaching": False})
    assert main(["deadlines", late_course.id]) == ExitStatus.CLEAN
    out = capsys.readouterr().out
    assert out.startswith("devoir ") and "en retard, non rendu" in out, out
    assert "(heure de " in out and '"status"' not in out
    assert main(["deadlines", late_course.id, "--json"]) == ExitStatus.CLEAN
    assert json.loads(capsys.readouterr().out)["assignments"] == mine

    theirs = [row.as_json() for row in course_progress(config, late_course)]
    _on_the_hub(monkeypatch, answer | {"teaching": True, "assignments": theirs})
    assert main(["deadlines", late_course.id, "--lang", "en"]) == ExitStatus.CLEAN
    out = capsys.readouterr().out
    assert "handed in by" in out and "overdue, not handed in" not in out, out
