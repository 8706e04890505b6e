"""What a learner says back about the reviews of her work (a helpfulness rating of each,
an appeal of her grade) and the teacher's answer: only her own work's reviews, known to
her by number; one open appeal at a time, kept as she wrote it; the teacher's list with
the peer grade and disagreement flag; settling with a grade writes nbgrader's gradebook
(a real one, after a real hand-in and autograde); the records follow their schema."""

# ruff: noqa: F811  (the fixtures of test_flow, imported, are parameters here)
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from parcours.cli import main
from parcours.config import ParcoursConfig, load_config
from parcours.course import Course, load_course
from parcours.errors import BadInputError, DataError
from parcours.peer import appeals, flow, view
from parcours.peer.records import add_allocations, peer_folder, read_allocation, record_review
from parcours.pipeline.gradebook import open_gradebook
from tornado.httpclient import HTTPClientError

from .test_flow import config, course, handed_in, now  # noqa: F401
from .test_manifest import INLINE, _course

pytest_plugins = ["pytest_jupyter.jupyter_server", "tests.lab.panelserver"]

#: when the reviews of the inline course were written: before their due date (5 Oct)
WRITTEN = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC)
HOSTILE = "<img src=x onerror=alert(1)>\n<script>alert('x')</script> c'est injuste ! \x1b[31m"


@pytest.fixture
def small(tmp_path: Path, isolated_jupyter: Path, repo: Path) -> tuple[ParcoursConfig, Course]:
    """A course whose devoir-a is peer-reviewed (one criterion, 0 or 2 points): alice's
    work allocated to bob and chloé, bob's to alice; bob then chloé review alice's."""
    config = load_config(repo)
    course = load_course(_course(tmp_path, INLINE.replace("{top}", "2")))
    add_allocations(
        config,
        course,
        "devoir-a",
        [("alice", "bob"), ("alice", "chloe"), ("bob", "alice"), ("bob", "chloe")],
    )
    label = read_allocation(config, course, "devoir-a")["alice"]["label"]
    assignment = course.assignment("devoir-a")
    record_review(config, course, assignment, "bob", label, {"code.lisible": 2}, now=WRITTEN)
    later = WRITTEN + dt.timedelta(minutes=1)
    record_review(config, course, assignment, "chloe", label, {"code.lisible": 0}, now=later)
    return config, course


def test_rating_the_reviews_of_her_work(small: tuple[ParcoursConfig, Course]) -> None:
    config, course = small
    assignment = course.assignment("devoir-a")
    rated = appeals.rate_review(config, course, assignment, "alice", 1, 2)
    assert rated["number"] == 1 and rated["helpful"] == 2
    appeals.rate_review(config, course, assignment, "alice", 1, 5)  # changed, not added
    assert appeals.my_ratings(config, course, assignment, "alice") == {1: 5}
    # off the scale, or not a number
    for wrong in (0, 6, True, "3", 2.5, None):
        with pytest.raises(BadInputError, match="1"):
            appeals.rate_review(config, course, assignment, "alice", 2, wrong)
    # not a review of her work: her work has two
    for number in (0, 3, -1, "1"):
        with pytest.raises(BadInputError):
            appeals.rate_review(config, course, assignment, "alice", number, 3)
    # bob's work has no review yet: nothing of his to rate (alice's reviews are not his)
    with pytest.raises(BadInputError, match="pas encore"):
        appeals.rate_review(config, course, assignment, "bob", 1, 3)
    appeals.rate_review(config, course, assignment, "alice", 2, 1)
    by = {h.reviewer: h for h in appeals.helpfulness(config, course, assignment)}
    assert (by["bob"].reviews, by["bob"].ratings, by["bob"].mean) == (1, 1, 5)
    assert (by["chloe"].mean, by["chloe"].ratings) == (1, 1)
    # bob revises his review: it is now the second to have come; her rating follows it
    label = read_allocation(config, course, "devoir-a")["alice"]["label"]
    revised = WRITTEN + dt.timedelta(minutes=2)
    record_review(config, course, assignment, "bob", label, {"code.lisible": 0}, now=revised)
    assert appeals.my_ratings(config, course, assignment, "alice") == {1: 1, 2: 5}
    # what her panel receives: her ratings by number, never a reviewer's login
    data = appeals.with_feedback(config, course, view.overview(config, course, "alice"), "alice")
    [row] = data["assignments"]
    assert [r["helpful"] for r in row["received"]] == [1, 5]
    assert not {"bob", "chloe"} & set(json.dumps(data).split('"'))


def test_appealing_and_settling(
    small: tuple[ParcoursConfig, Course], capsys: pytest.CaptureFixture[str]
) -> None:
    config, course = small
    assignment = course.assignment("devoir-a")
    # no reviewed submission: bob's has no review, dan has none at all
    for who in ("bob", "dan"):
        with pytest.raises(BadInputError, match="pas encore"):
            appeals.appeal(config, course, assignment, who, "Injuste.")
    for wrong in ("", "   ", None, 3, "x" * 2001):
        with pytest.raises(BadInputError):
            appeals.appeal(config, course, assignment, "alice", wrong)
    made = appeals.appeal(config, course, assignment, "alice", HOSTILE)
    assert made["text"] == HOSTILE and made["state"] == "open"  # kept as she wrote it
    with pytest.raises(BadInputError, match="une contestation à la fois"):
        appeals.appeal(config, course, assignment, "alice", "Encore.")
    mine = appeals.my_appeals(config, course, assignment, "alice")
    assert mine["can_appeal"] is False and [a["text"] for a in mine["appeals"]] == [HOSTILE]
    # the teacher's list: her login, the text, the peer grade (median of 2 and 0), flagged
    [row] = appeals.appeals(config, course, assignment)
    assert (row.learner, row.text, row.state) == ("alice", HOSTILE, "open")
    assert row.median == 1 and row.points == 2 and row.flagged
    # the command: the text shown with its escape made printable, the count
    assert main(["peer", str(course.folder), "devoir-a", "appeals", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "alice" in out and "DISAGREEMENT" in out and "\x1b" not in out
    assert "1 appeals, 1 open." in out
    # settling: without --answer refused; an answer, no grade
    args = ["peer", str(course.folder), "devoir-a", "settle", "--lang", "en"]
    assert main([*args, "--learner", "alice"]) == 2
    assert "--answer" in capsys.readouterr().err
    assert main([*args, "--learner", "alice", "--answer", "Relu : la note est juste."]) == 0
    assert "alice: appeal settled." in capsys.readouterr().out
    mine = appeals.my_appeals(config, course, assignment, "alice")
    assert mine["can_appeal"] is True
    assert mine["appeals"][0]["answer"] == "Relu : la note est juste."
    assert "answered_by" not in mine["appeals"][0]
    # nothing open any more: settling again is refused, appealing again is allowed
    assert main([*args, "--learner", "alice", "--answer", "Encore"]) == 2
    assert "no open appeal" in capsys.readouterr().err
    appeals.appeal(config, course, assignment, "alice", "Et la deuxième question ?")
    assert [a.state for a in appeals.appeals(config, course, assignment)] == ["open", "settled"]
    # the teacher's reviewers listing: helpfulness per reviewer
    appeals.rate_review(config, course, assignment, "alice", 2, 4)
    assert main(["peer", str(course.folder), "devoir-a", "reviewers", "--lang", "fr"]) == 0
    out = capsys.readouterr().out
    assert "chloe" in out and "4/5" in out and "2 évaluateurs" in out


def test_records_follow_their_schema(small: tuple[ParcoursConfig, Course]) -> None:
    config, course = small
    assignment = course.assignment("devoir-a")
    path = peer_folder(config, course, "devoir-a") / appeals.RATINGS
    path.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "entries": {"alice": {"bob": {"helpful": 9, "at": "2026-12-01"}}},
                "history": [],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=appeals.RATINGS):
        appeals.my_ratings(config, course, assignment, "alice")
    with pytest.raises(DataError):  # nothing written over it
        appeals.rate_review(config, course, assignment, "alice", 1, 3)
    assert '"helpful": 9' in path.read_text(encoding="utf-8")


def test_settling_with_a_grade_writes_the_gradebook(
    config: ParcoursConfig, handed_in: Course, now: dt.datetime
) -> None:
    course, assignment = handed_in, handed_in.assignment("devoir-a")
    flow.allocate_reviews(config, course, assignment, now=now + dt.timedelta(days=2))
    for entry in read_allocation(config, course, "devoir-a").values():
        for reviewer in entry["reviewers"]:
            record_review(
                config,
                course,
                assignment,
                reviewer,
                entry["label"],
                {"explication.juste": 1, "code.lisible": 1},
            )
    flow.write_to_gradebook(
        config, course, assignment, flow.compute_grades(config, course, assignment)
    )
    appeals.appeal(config, course, assignment, "emma", "Mon explication est complète.")
    # a score outside the cell's points is refused, and the appeal stays open
    with pytest.raises(BadInputError):
        appeals.settle(config, course, assignment, "emma", "Non.", 99, "explication")
    assert appeals.my_appeals(config, course, assignment, "emma")["can_appeal"] is False
    settled = appeals.settle(
        config, course, assignment, "emma", "Vous avez raison.", 2, "explication"
    )
    assert settled["state"] == "settled" and settled["score"] == 2
    with open_gradebook(config, course) as gb:
        assert gb.find_grade("explication", "devoir-a", "devoir-a", "emma").manual_score == 2
        comment = gb.find_comment("explication", "devoir-a", "devoir-a", "emma")
        assert comment.manual_comment == "Vous avez raison."
    # her panel: the gradebook's grade, the answer; a later peer run keeps the teacher's
    grades = flow.write_to_gradebook(
        config, course, assignment, flow.compute_grades(config, course, assignment)
    )
    assert ("emma", "explication") in grades.kept
    [row] = appeals.with_feedback(config, course, view.overview(config, course, "emma"), "emma")[
        "assignments"
    ]
    assert [g["score"] for g in row["grade"] if g["task"] == "explication"] == [2]
    assert row["appeals"][0]["answer"] == "Vous avez raison."


async def test_the_relay_checks_what_it_forwards(world: Any, jp_fetch: Any) -> None:
    """The panel's rating and appeal endpoints (one machine, a real jupyter_server): the
    labels come translated; a number or an assignment of the wrong shape is a 400; an
    assignment without peer review, a 400 saying so; another course, a 404."""
    from tests.lab.learner_day import COURSE

    data = json.loads((await jp_fetch("parcours", "api", "peer", params={"course": COURSE})).body)
    assert data["texts"]["appeal"] == "Contester auprès de l'enseignant"
    assert data["texts"]["helpful_5"] == "5 – extrêmement utile"

    async def refused(method: str, path: str, **kwargs: Any) -> tuple[int, str]:
        with pytest.raises(HTTPClientError) as caught:
            await jp_fetch("parcours", "api", "peer", path, method=method, **kwargs)
        assert caught.value.response is not None
        return caught.value.code, caught.value.response.body.decode()

    for body in (
        {"course": COURSE, "assignment": "devoir-1", "number": "1", "helpful": 3},
        {"course": COURSE, "assignment": "devoir-1", "number": True, "helpful": 3},
        {"course": COURSE, "assignment": "../x", "number": 1, "helpful": 3},
    ):
        assert (await refused("POST", "rating", body=json.dumps(body)))[0] == 400
    code, said = await refused(
        "POST", "appeal", body=json.dumps({"course": COURSE, "assignment": "devoir-1", "text": "x"})
    )
    assert code == 400 and "devoir-1" in said
    code, _said = await refused(
        "GET", "appeal", params={"course": "pas-un-cours", "assignment": "devoir-1"}
    )
    assert code == 404


@pytest.mark.parametrize(("lang", "word"), [("en", "appeal"), ("fr", "contestation")])
def test_help_names_the_new_actions(lang: str, word: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as done:
        main(["peer", "--lang", lang, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert all(w in out for w in ("appeals", "settle", "reviewers", "--answer", word))
