"""One clock in the demo (issue #24, item 6): the class ``parcours demo`` builds is seen in
its fifth week, and every figure the three dashboards show is one a class of 40 could
have then. Before: feedback released for all 40 hand-ins of devoir-1 while 28 waited for
a manual grade, "Jours restants −26,7" beside finished work, an ISO date in the
learner's "Retour" column, her week's plan empty.

The demo's data is built as ``parcours demo`` builds it on one machine (the real
pipeline, 40 learners) into a temporary folder, and seen "as of" the moment the demo
serves the dashboards at; the figures are computed by the functions the pages use, and
the learner's page is rendered as the hub serves it."""

from __future__ import annotations

import datetime as dt
import re
import time
from html.parser import HTMLParser
from typing import Any

import pytest

LEARNERS = 40
#: the bound past which a feedback delay is not plausible for a class in its fifth week
FEEDBACK_DAYS = 14
#: a date or time as a program writes it (2026-09-30, 22:37:05, T22:37)
ISO = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}|T\d{2}:\d{2}")
#: a moment as a French reader reads it, the zone named
LOCAL_MOMENT = re.compile(r"\d{1,2} \w+\.? 2026, \d{2}:\d{2} \(heure de Paris, UTC[+−]\d\)")


class _Tables(HTMLParser):
    """The cells of a page's tables: table id -> list of rows, each {data-col: text}."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[dict[str, str]]] = {}
        self._id = ""
        self._cols: list[str] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._id = a.get("id") or ""
            self._cols = []
            self.tables[self._id] = []
        elif tag == "th" and a.get("data-col"):
            self._cols.append(a["data-col"] or "")
        elif tag == "tr":
            self._row = []
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row:
            self.tables[self._id].append(dict(zip(self._cols, self._row, strict=False)))
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo's data (the real pipeline, 40 learners) and the dashboards' view of it,
    "as of" the moment ``parcours demo`` serves them at (``PARCOURS_NOW``)."""
    from parcours.config import load_config
    from parcours.dashboards.data import load_dashboard_data
    from parcours.demo import build_demo

    config = load_config(data_dir=str(tmp_path_factory.mktemp("demo-clock") / "data"))
    result = build_demo(config, LEARNERS, progress=None)
    config.dashboard_now = result.now.isoformat()
    return config, result, load_dashboard_data(config)


@pytest.mark.slow
def test_the_class_is_seen_in_its_fifth_week(demo: Any) -> None:
    from parcours.demo import DEMO_COURSE
    from parcours.pipeline.records import RELEASES, read_record

    config, result, data = demo
    course = data.courses[DEMO_COURSE]
    assert course.starts is not None
    week = (result.now.date() - course.starts).days // 7 + 1
    assert week == 5, result.now
    assert data.now == result.now
    # nothing the demo wrote is dated after the moment the class is seen at
    subs = data.frames.submissions
    assert (subs["timestamp"] <= data.now).all()
    assert (subs["feedback_at"].dropna() <= data.now).all()
    assert (data.frames.events["timestamp"] <= data.now).all()
    releases = read_record(config.course_root(DEMO_COURSE) / RELEASES)["entries"]
    assert {a.id for a in course.assignments} <= set(releases)  # all released ahead
    for name, entry in releases.items():
        if entry["kind"] == "correction":  # published to each learner once due
            moments = [dt.datetime.fromisoformat(t) for t in entry["published"].values()]
            assert moments and max(moments) <= result.now, (name, entry)
            continue
        released = dt.datetime.fromisoformat(entry["released_at"])
        assert released <= result.now, (name, entry)
        assert released < dt.datetime.fromisoformat(entry["opens"]), (name, entry)


@pytest.mark.slow
def test_teacher_sees_feedback_for_graded_work_released_within_days(demo: Any) -> None:
    from parcours.dashboards import teacher

    _config, _result, data = demo
    released = 0
    for course, assignment, _title in teacher.assignments(data):
        status = teacher.assignment_status(data, course, assignment)
        # feedback only for hand-ins with nothing left to grade by hand
        assert status.feedback_released <= status.autograded, (assignment, status)
        if status.feedback_released:
            assert 0 < status.median_feedback_days < FEEDBACK_DAYS, (assignment, status)
        released += status.feedback_released
    assert released > LEARNERS  # the first assignments are graded and fed back
    subs = data.frames.submissions.dropna(subset=["feedback_at"])
    assert (subs["feedback_at"] > subs["timestamp"]).all()  # never before the hand-in


@pytest.mark.slow
def test_coordinator_feedback_delay_reads_in_hours_of_days(demo: Any) -> None:
    from parcours.dashboards.coordinator import course_kpis

    _config, _result, data = demo
    card = next(k for k in course_kpis(data) if k.key == "feedback_delay_hours")
    assert card.value is not None and 0 < card.value < FEEDBACK_DAYS * 24, card
    assert card.trend and max(card.trend) < FEEDBACK_DAYS * 24, card


@pytest.mark.slow
def test_coordinator_flags_a_minority_never_for_work_waiting_for_its_grade(demo: Any) -> None:
    """A hand-in whose written answer waits for the teacher counts 0 there until she
    grades it: no score yet, so no "scores en baisse" from it."""
    import dataclasses

    from parcours.analytics import at_risk
    from parcours.dashboards.coordinator import learners_at_risk

    _config, _result, data = demo
    assert 0 < len(learners_at_risk(data)) < LEARNERS / 3
    frames = data.frames
    grades = frames.grades[frames.grades["needs_manual_grade"].astype(bool)]
    waiting = set(zip(grades["learner"], grades["assignment"], strict=True))
    subs = frames.submissions
    graded = [
        (w, a) not in waiting for w, a in zip(subs["learner"], subs["assignment"], strict=True)
    ]
    assert waiting and not all(graded)  # devoir-2 is being graded
    without = dataclasses.replace(frames, submissions=subs[graded].reset_index(drop=True))
    drops = at_risk(frames, data.risk_thresholds, data.now)
    expected = at_risk(without, data.risk_thresholds, data.now)
    assert list(drops["at_risk"]) == list(expected["at_risk"])
    assert drops["score_drop"].fillna(-9).tolist() == expected["score_drop"].fillna(-9).tolist()


@pytest.mark.slow
def test_learner_pages_read_plausibly_in_french(demo: Any) -> None:
    """Every learner's page as the hub serves it: no negative days left, days left for
    the work still to hand in, each feedback dated in French with its zone, no ISO
    date in any table, and a week's plan with work in it."""
    from parcours.dashboards import learner as vm
    from parcours.dashboards.learner_page import LearnerPage
    from parcours.dashboards.pages import State
    from parcours.dashboards.served import page_html
    from parcours.i18n import language

    config, _result, data = demo
    config.learner, config.dashboard_teachers = "prof-demo", ["prof-demo"]
    state = State(config, data, time.monotonic())
    dated = 0
    for student in sorted(data.memberships["student_id"].unique()):
        me = vm.pseudonym(data, student)
        deadlines = vm.my_deadlines(data, me)
        ahead = deadlines[~deadlines["status"].isin(["done", "late", "missed"])]
        assert (ahead["days_left"] > 0).all(), (student, ahead)
        assert not (deadlines["days_left"] < 0).any(), (student, deadlines)
        week = vm.my_week(data, me)
        assert week["minutes"].sum() > 0, (student, week)  # "Mon travail prévu cette semaine"

        query = {"learner": student, "lang": "fr"}
        with language("fr"):
            page = page_html(LearnerPage(state, query, environ={}), "/static/", query)
        tables = _Tables()
        tables.feed(page)
        for name, rows in tables.tables.items():
            for row in rows:
                for column, text in row.items():
                    assert not ISO.search(text), (student, name, column, text)
        for row in tables.tables["table-deadlines"]:
            assert not re.match(r"[-−]", row["days_left"]), (student, row)
        for row in tables.tables.get("table-results", []):
            if row["feedback"]:  # "30 sept. 2026, 22:37 (heure de Paris, UTC+2)"
                assert LOCAL_MOMENT.fullmatch(row["feedback"]), (student, row)
                dated += 1
    assert dated > LEARNERS  # the feedback of the first assignments, each dated


def test_feedback_waits_for_the_teachers_hand_grading() -> None:
    """When the demo's teacher grades by hand: a few days after the due date, a late
    hand-in a few days after it came; what she has not reached by the class's "as of"
    waits (no grade, no feedback)."""
    from parcours.demo_teacher import GRADING_DAYS, LATE_GRADING_DAYS, hand_grading_times

    due = dt.datetime(2026, 10, 12, 21, 59, tzinfo=dt.UTC)
    times = {
        "early": due - dt.timedelta(days=5),
        "late": due + dt.timedelta(days=1),
        "last": due + dt.timedelta(days=2, hours=23),
    }
    now = due + dt.timedelta(days=3)
    graded = hand_grading_times(due, times, now, "seed")
    assert "last" not in graded  # came hours ago: not graded yet
    for learner, at in graded.items():
        base = max(due, times[learner])
        low, high = LATE_GRADING_DAYS if times[learner] > due else GRADING_DAYS
        assert base + dt.timedelta(days=low) <= at <= min(now, base + dt.timedelta(days=high))
    assert hand_grading_times(due, times, now, "seed") == graded  # seeded
