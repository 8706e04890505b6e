"""Team assignments (:mod:`parcours.peer.teams`): the team file a teacher writes (or
``parcours groups --mode teams --csv``), who a hand-in goes to, the refusal of a learner
in no team, the hand-ins' record, and team-mates never reviewing each other."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from parcours.config import ParcoursConfig
from parcours.course import Course, load_course
from parcours.errors import BadInputError, CourseError
from parcours.peer import teams

from .test_flow import config, course, now  # noqa: F401

CSV = (
    "learner,team,role\nalice,rouge,pilote\nbob,rouge,codeur\nchloe,rouge,\n"
    "david,bleu,\nemma,bleu,\n"
)


def _with_teams(folder: Path, text: str, size: int = 3) -> Course:
    manifest = folder / "course.toml"
    body = manifest.read_text(encoding="utf-8")
    cut = body.index('[[assignments]]\nid = "devoir-b"')
    table = f'[assignments.team]\nsize = {size}\nfile = "equipes.csv"\n'
    if "[assignments.team]" not in body:
        manifest.write_text(body[:cut] + table + "\n" + body[cut:], encoding="utf-8")
    (folder / "equipes.csv").write_text(text, encoding="utf-8")
    return load_course(folder)


def test_who_a_hand_in_goes_to(config: ParcoursConfig, course: Course) -> None:  # noqa: F811
    assert teams.hand_in_for(course, "devoir-a", "alice") == ["alice"]  # not a team one
    teamed = _with_teams(course.folder, CSV)
    assignment = teamed.assignment("devoir-a")
    assert teams.hand_in_for(teamed, "devoir-a", "bob") == ["bob", "alice", "chloe"]
    assert teams.hand_in_for(teamed, "devoir-a", "emma") == ["emma", "david"]
    with pytest.raises(BadInputError, match="devoir-a"):
        teams.hand_in_for(teamed, "devoir-a", "zoe")
    roles = {m.learner: m.role for m in teams.team_mates(teamed, assignment, "alice")}
    assert roles == {"alice": "pilote", "bob": "codeur", "chloe": ""}

    # the hand-ins' record: who handed in, seen by the whole team, not by the other
    teams.record_hand_in(config, teamed, "devoir-a", "bob", "2026-10-01T10:00:00+00:00")
    teams.record_hand_in(config, teamed, "devoir-a", "chloe", "2026-10-01T11:00:00+00:00")
    seen = teams.hand_ins(config, teamed, assignment, "alice")
    assert seen["team"] == "rouge" and [h["by"] for h in seen["hand_ins"]] == ["bob", "chloe"]
    assert teams.hand_ins(config, teamed, assignment, "david")["hand_ins"] == []


@pytest.mark.parametrize(
    ("text", "size", "said"),
    [
        ("learner,groupe\nalice,rouge\n", 3, "'learner'"),
        ("learner,team\nalice,rouge\nalice,bleu\n", 3, "alice"),
        (CSV, 2, "rouge"),
    ],
)
def test_a_broken_team_file_is_named(course: Course, text: str, size: int, said: str) -> None:  # noqa: F811
    teamed = _with_teams(course.folder, text, size)
    with pytest.raises(CourseError) as caught:
        teams.load_teams(teamed, teamed.assignment("devoir-a"))
    assert "equipes.csv" in str(caught.value) and said in str(caught.value)


def test_team_mates_never_review_each_other(
    config: ParcoursConfig,  # noqa: F811
    course: Course,  # noqa: F811
    now: dt.datetime,  # noqa: F811
) -> None:
    from parcours.peer.allocate import allocate

    teamed = _with_teams(course.folder, CSV)
    team_of = teams.allocation_teams(teamed, teamed.assignment("devoir-a"))
    learners = sorted(team_of)
    pairs = allocate(learners, learners, 2, team_of=team_of, seed="x")
    assert pairs and all(team_of[a] != team_of[r] for a, r in pairs)


def test_an_extension_is_given_to_the_whole_team(
    config: ParcoursConfig,  # noqa: F811
    course: Course,  # noqa: F811
) -> None:
    """They hand in once, for all: an extension for one member is every member's (her
    receipt's lateness and penalty, and when the correction opens, are the team's)."""
    from parcours.pipeline.deadlines import due_for, load_extensions
    from parcours.pipeline.extensions import extend

    teamed = _with_teams(course.folder, CSV)
    assignment = teamed.assignment("devoir-a")
    until = teamed.due(assignment) + dt.timedelta(days=3)
    done = extend(config, teamed, "devoir-a", "bob", until)
    assert done.team == ("alice", "chloe")
    given = load_extensions(config, teamed)
    assert {who: due_for(teamed, assignment, who, given) for who in ("alice", "bob", "chloe")} == {
        "alice": until,
        "bob": until,
        "chloe": until,
    }
    assert due_for(teamed, assignment, "david", given) == teamed.due(assignment)  # bleu
    # a learner in no team gets hers alone; another assignment is not a team one
    later = until + dt.timedelta(days=1)
    assert extend(config, teamed, "devoir-b", "emma", later).team == ()
    assert due_for(
        teamed, teamed.assignment("devoir-b"), "david", load_extensions(config, teamed)
    ) == teamed.due(teamed.assignment("devoir-b"))
