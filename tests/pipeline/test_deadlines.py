"""Extensions move a learner's due date for lateness, penalties and the correction."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from parcours.config import ParcoursConfig
from parcours.course import Course
from parcours.course.model import LatePolicy
from parcours.errors import BadInputError
from parcours.pipeline.collect import collect
from parcours.pipeline.deadlines import (
    correction_time,
    days_late,
    due_for,
    format_deadlines,
    learner_deadlines,
    load_extensions,
    parse_until,
)
from parcours.pipeline.exchange import fetch, submit
from parcours.pipeline.extensions import extend
from parcours.pipeline.feedback import feedback
from parcours.pipeline.gradebook import open_gradebook
from parcours.pipeline.release import release


def _hand_in(config: ParcoursConfig, course: Course, aid: str, who: str, homes: Path) -> None:
    home = homes / who
    fetch(config, course, aid, learner=who, into=home, cache_dir=home / ".cache")
    submit(config, course, aid, learner=who, into=home, cache_dir=home / ".cache")


def test_extension_is_recorded_and_moves_the_due_date(
    config: ParcoursConfig, course: Course, now: dt.datetime
) -> None:
    until = now + dt.timedelta(days=3)
    ext = extend(config, course, "devoir-a", "bob", until.isoformat())
    assert ext.until == until and ext.granted_by
    record = json.loads((config.course_root(course.id) / "extensions.json").read_text())
    assert record["schema_version"] == 1
    assert record["entries"]["devoir-a"]["bob"]["until"] == until.isoformat()
    assert record["history"][0]["action"] == "extend"
    extensions = load_extensions(config, course)
    assignment = course.assignment("devoir-a")
    assert due_for(course, assignment, "bob", extensions) == until
    assert due_for(course, assignment, "alice", extensions) == course.due(assignment)
    assert correction_time(course, assignment, "bob", extensions) == until
    # the last grant wins (extensions do not stack), the history keeps both
    later = until + dt.timedelta(days=1)
    extend(config, course, "devoir-a", "bob", later)
    assert load_extensions(config, course)[("devoir-a", "bob")] == later


@pytest.mark.parametrize(
    ("policy", "days", "penalty"),
    [
        (LatePolicy(kind="none"), 3.0, 0.0),
        (LatePolicy(kind="zero"), 0.01, 5.0),
        (LatePolicy(kind="penalty", per_day=0.1, cap=0.5), 0.01, 0.5),
        (LatePolicy(kind="penalty", per_day=0.1, cap=0.5), 2.5, 1.5),
        (LatePolicy(kind="penalty", per_day=0.1, cap=0.5), 30, 2.5),
        (LatePolicy(kind="penalty", per_day=0.1, cap=0.5), 0, 0.0),
    ],
)
def test_late_policy(policy: LatePolicy, days: float, penalty: float) -> None:
    assert policy.penalty(days, 5.0) == pytest.approx(penalty)


def test_days_late_counts_from_the_learners_own_date() -> None:
    due = dt.datetime(2026, 10, 1, 22, 0, tzinfo=dt.UTC)
    assert days_late(due - dt.timedelta(seconds=1), due) == 0
    assert days_late(due + dt.timedelta(hours=36), due) == pytest.approx(1.5)


def test_collect_uses_teacher_side_time_and_the_extension(
    config: ParcoursConfig, course: Course, homes: Path, now: dt.datetime
) -> None:
    """alice and bob hand in after the due date; bob has an extension, alice not."""
    release(config, course, "devoir-a")
    _hand_in(config, course, "devoir-a", "alice", homes)
    _hand_in(config, course, "devoir-a", "bob", homes)
    # the learner's own timestamp claims an early time: it must not be believed
    inbound = Path(config.exchange_dir) / course.id / "inbound"
    (alice_in,) = inbound.glob("alice+devoir-a+*")
    claimed = (alice_in / "timestamp.txt").read_text()
    (alice_in / "timestamp.txt").write_text("2020-01-01 00:00:00.000000 UTC")

    # move the due date into the past (a teacher editing course.toml), then extend bob
    manifest = course.folder / "course.toml"
    text = manifest.read_text()
    due_line = next(line for line in text.splitlines() if line.startswith("due = "))
    past_due = now - dt.timedelta(hours=1)
    manifest.write_text(text.replace(due_line, f"due = {past_due.isoformat()}", 1))
    from parcours.course import load_course

    course = load_course(course.folder)
    extend(config, course, "devoir-a", "bob", now + dt.timedelta(days=2))

    result = collect(config, course, "devoir-a")
    got = {c.learner: c for c in result.collected}
    assert sorted(got) == ["alice", "bob"] and result.missing == ["chloe"]
    assert got["alice"].days_late > 0 and got["bob"].days_late == 0
    assert got["alice"].received >= now - dt.timedelta(minutes=1)  # not 2020
    # the learner's files in the exchange are untouched
    assert (alice_in / "timestamp.txt").read_text() == "2020-01-01 00:00:00.000000 UTC"
    assert claimed
    with open_gradebook(config, course) as gb:
        alice = gb.find_submission("devoir-a", "alice")
        bob = gb.find_submission("devoir-a", "bob")
        assert alice.total_seconds_late > 0
        assert bob.extension is not None and bob.total_seconds_late == 0
    rows = {d.assignment: d for d in learner_deadlines(config, course, "bob")}
    assert rows["devoir-a"].status == "submitted"
    assert rows["devoir-a"].extension is not None
    table = format_deadlines(list(rows.values()), "fr")
    assert "prolongation" in table and "rendu" in table
    english = format_deadlines(list(rows.values()), "en")
    assert "extension" in english and "handed in" in english
    # collecting again keeps the first observation
    again = collect(config, course, "devoir-a")
    assert {c.learner: c.received for c in again.collected} == {
        k: v.received for k, v in got.items()
    }


def test_correction_waits_for_each_learners_own_date(
    config: ParcoursConfig, course: Course, homes: Path, now: dt.datetime
) -> None:
    release(config, course, "devoir-a")
    assignment = course.assignment("devoir-a")
    due = course.due(assignment)
    extend(config, course, "devoir-a", "bob", due + dt.timedelta(days=2))

    early = feedback(config, course, "devoir-a", now=due - dt.timedelta(hours=1))
    assert early.corrections_published == []
    assert sorted(early.corrections_pending) == ["alice", "bob", "chloe"]

    after_due = feedback(config, course, "devoir-a", now=due + dt.timedelta(hours=1))
    assert after_due.corrections_published == ["alice", "chloe"]
    assert list(after_due.corrections_pending) == ["bob"]
    home = homes / "alice"
    folder = fetch(
        config, course, "devoir-a-correction", learner="alice", into=home, cache_dir=home / ".cache"
    )
    text = (folder / "devoir-a.ipynb").read_text()
    assert "return sum(valeurs) / len(valeurs)" in text
    assert "CONTROLE-CACHE-A" not in text and "BEGIN SOLUTION" not in text

    # bob's own date has not passed: told when, in the course's language
    def bobs_correction() -> Path:
        return fetch(config, course, "devoir-a-correction", learner="bob", into=homes / "bob",
                     cache_dir=homes / "bob" / ".cache")  # fmt: skip

    with pytest.raises(BadInputError, match="n'est pas encore publié : il le sera après"):
        bobs_correction()
    bob_rows = {d.assignment: d for d in learner_deadlines(config, course, "bob")}
    assert not bob_rows["devoir-a"].correction_available

    # a cron-like re-run after bob's own date publishes his, and only his
    later = feedback(config, course, "devoir-a", now=due + dt.timedelta(days=3))
    assert later.corrections_published == ["bob"]
    assert (
        feedback(config, course, "devoir-a", now=due + dt.timedelta(days=4)).corrections_published
        == []
    )
    bobs_correction()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-10-05T23:59", "n'a pas de fuseau horaire"),
        ("demain", "n'est pas une date"),
    ],
)
def test_until_needs_a_date_with_a_time_zone(text: str, message: str) -> None:
    with pytest.raises(BadInputError, match=message):
        parse_until(text)
