"""Spaced repetition from recorded attempts (FSRS), within the daily workload."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from parcours.course import read_manifest
from parcours.review import review_queue, runs_from_events, schedule
from parcours.store import Event

from .conftest import COURSE_TOML, Kernel, Project

ACTOR = "p-00000000000000aa"


def answered(qid: str, attempt: int, success: bool, when: str, actor: str = ACTOR) -> Event:
    return Event.make(
        actor=actor, verb="answered", course="cours-test", object_type="question",
        object_id=qid, lesson="l01", score=float(success), success=success, response=0,
        attempt=attempt, timestamp=f"{when}T10:00:00.000000+00:00",
    )  # fmt: skip


def history(day: str = "2026-09-01") -> list[Event]:
    return [
        answered("l01-q1", 1, True, day),  # Good
        answered("l01-q2", 1, False, day),
        answered("l01-q2", 2, True, day),  # Hard
        answered("l01-q3", 1, False, day),
        answered("l01-q3", 2, False, day),  # Again
    ]


def course(tmp_path: Path, extra: str = ""):
    path = tmp_path / "course.toml"
    path.write_text(COURSE_TOML + extra, encoding="utf-8")
    return read_manifest(path)


def test_attempts_become_fsrs_ratings() -> None:
    runs = runs_from_events([*history(), answered("l01-q1", 1, False, "2026-09-05")])
    assert [(r.question, r.rating_name) for r in runs] == [
        ("l01-q1", "Good"), ("l01-q2", "Hard"), ("l01-q3", "Again"), ("l01-q1", "Again"),
    ]  # fmt: skip
    items = {i.question: i for i in schedule(runs)}
    assert items["l01-q1"].reviews == 2 and items["l01-q1"].last_rating == "Again"
    assert items["l01-q3"].stability < items["l01-q2"].stability
    alone = {i.question: i for i in schedule(runs[:3])}
    assert alone["l01-q3"].due <= alone["l01-q2"].due < alone["l01-q1"].due


def test_queue_of_a_day_holds_what_is_due(tmp_path: Path) -> None:
    manifest = course(tmp_path)
    other = answered("l01-q1", 1, True, "2026-09-01", actor="p-00000000000000bb")
    events = [*history(), other]
    items = {i.question: i.due.date() for i in schedule(runs_from_events(history()))}
    first_due = min(items.values())
    before = review_queue(events, manifest, ACTOR, first_due - dt.timedelta(days=1))
    assert before.items == [] and len(before.scheduled) == 3
    on_day = review_queue(events, manifest, ACTOR, first_due)
    assert sorted(i.question for i in on_day.items) == sorted(
        q for q, d in items.items() if d <= first_due
    )
    later = review_queue(events, manifest, ACTOR, max(items.values()) + dt.timedelta(days=1))
    assert [i.question for i in later.items] == ["l01-q3", "l01-q2", "l01-q1"]  # overdue first


def test_daily_workload_limits_the_queue(tmp_path: Path) -> None:
    # 1 h a day; an assignment open two days for 110 min plans 55 min each day: 5 min left
    assignment = """
[[assignments]]
id = "devoir-1"
title = "Devoir"
source = "source/devoir-1"
module = "m1"
opens = 2026-10-01T08:00:00
due = 2026-10-02T20:00:00
points = 10
minutes = 110
"""
    manifest = course(tmp_path, assignment)
    events = [answered(f"q{n}", 1, False, "2026-09-01") for n in range(8)]
    busy = review_queue(events, manifest, ACTOR, dt.date(2026, 10, 1))
    assert busy.budget_minutes == pytest.approx(5.0)
    assert len(busy.items) == 5 and len(busy.postponed) == 3
    free = review_queue(events, manifest, ACTOR, dt.date(2026, 10, 5))
    assert len(free.items) == 8 and free.postponed == []
    capped = review_queue(events, manifest, ACTOR, dt.date(2026, 10, 5), max_items=2)
    assert len(capped.items) == 2


def test_cli_prints_the_queue_in_french_and_english(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    from parcours.cli import main

    store = project.store()
    store.record_many([answered(e.object_id, e.attempt, bool(e.success), "2026-09-01",
                                actor=project.actor()) for e in history()])  # fmt: skip
    # the course's language (French), else --lang
    assert main(["review", "cours-test", "--learner", "alice", "--date", "2026-12-01"]) == 0
    out = capsys.readouterr().out
    assert "Révisions du 2026-12-01" in out and "Review for" not in out
    for qid in ("l01-q1", "l01-q2", "l01-q3"):
        assert qid in out
    assert "dernière : à revoir" in out
    alice = ["review", "cours-test", "--learner", "alice", "--date", "2026-12-01", "--lang", "en"]
    assert main(alice) == 0
    out = capsys.readouterr().out
    assert "Review for 2026-12-01" in out and "last: again" in out and "Révisions" not in out
    bob = ["review", "cours-test", "--learner", "bob", "--date", "2026-12-01", "--lang", "en"]
    assert main(bob) == 0
    assert "Nothing to review today" in capsys.readouterr().out
    assert main(["review", "cours-test", "--learner", "alice", "--date", "01/12/2026"]) == 2
    assert "n'est pas une date" in capsys.readouterr().err


def test_revision_notebook_shows_due_questions(project: Project, kernel: Kernel) -> None:
    store = project.store()
    store.record_many([answered("l01-q1", 1, False, "2026-09-01", actor=project.actor())])
    kernel.run(
        """
        from parcours_lab import review
        R = review.show("cours-test", date="2026-12-01")
        R.quizzes[0].inputs[0].value = 1
        R.quizzes[0].check_button.click()
        """
    )
    assert kernel.value("[q.question.id for q in R.quizzes]") == ["l01-q1"]
    assert "1 question à revoir" in kernel.value("R.header.value")  # singular: one question
    latest = store.read(verb="answered")[-1]
    assert latest.success == 1 and latest.extra_dict["review"] is True
