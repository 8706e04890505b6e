"""A small hand-made class whose every figure is worked out by hand in the tests.

Course ``c1`` (time zone UTC), activities in course order::

    0 L1  lesson      m1  skills s1     20 min   window 09-07 08:00 .. 09-13 22:00 (module m1)
    1 L2  lesson      m1  skills s2     30 min   same window
    2 A1  assignment  m1  skills s1     60 min   opens 09-07 08:00, due 09-13 22:00, 10 points
    3 L3  lesson      m2  skills s1 s2  10 min   window 09-14 08:00 .. 09-20 22:00, versions A/B
    4 A2  assignment  m2  skills s2    120 min   opens 09-14 08:00, due 09-20 22:00, 4 points

Learners a, b, c, d ("now" is 2026-09-22 00:00 UTC):

- a: does everything; reflects on L1 only; A1 on time (8/10), A2 late (0/4).
- b: opens L1, answers q1 wrong, never comes back.
- c: L1 and L2 with reflections; A1 after the due date but within an extension (10/10);
  never submits A2.
- d: enrolled, never active.
"""

from __future__ import annotations

import pandas as pd
import pytest
from parcours.analytics.frames import ClassData, assemble, events_frame
from parcours.course.model import Course

NOW = pd.Timestamp("2026-09-22T00:00:00Z")


def make_course(**extra: object) -> Course:
    data = {
        "schema_version": 1,
        "id": "c1",
        "title": "Cours 1",
        "timezone": "UTC",
        "skills": [{"id": "s1", "label": "S1"}, {"id": "s2", "label": "S2"}],
        "modules": [
            {
                "id": "m1",
                "title": "M1",
                "lessons": [
                    {
                        "id": "L1",
                        "title": "L1",
                        "notebook": "l1.ipynb",
                        "objectives": ["o"],
                        "skills": ["s1"],
                        "minutes": 20,
                    },
                    {
                        "id": "L2",
                        "title": "L2",
                        "notebook": "l2.ipynb",
                        "objectives": ["o"],
                        "skills": ["s2"],
                        "minutes": 30,
                    },
                ],
            },
            {
                "id": "m2",
                "title": "M2",
                "lessons": [
                    {
                        "id": "L3",
                        "title": "L3",
                        "notebook": "l3.ipynb",
                        "objectives": ["o"],
                        "skills": ["s1", "s2"],
                        "minutes": 10,
                        "versions": {"A": "l3a.ipynb", "B": "l3b.ipynb"},
                    }
                ],
            },
        ],
        "assignments": [
            {
                "id": "A1",
                "title": "A1",
                "source": "source/A1",
                "module": "m1",
                "opens": "2026-09-07T08:00:00",
                "due": "2026-09-13T22:00:00",
                "points": 10,
                "skills": ["s1"],
                "minutes": 60,
            },
            {
                "id": "A2",
                "title": "A2",
                "source": "source/A2",
                "module": "m2",
                "opens": "2026-09-14T08:00:00",
                "due": "2026-09-20T22:00:00",
                "points": 4,
                "skills": ["s2"],
                "minutes": 120,
            },
        ],
    }
    data.update(extra)
    return Course.model_validate(data)


def ev(ts: str, who: str, verb: str, otype: str, oid: str, lesson: str, **kw: object) -> dict:
    return {
        "id": f"{who}-{ts}-{verb}-{oid}",
        "timestamp": f"2026-{ts}:00+00:00",
        "actor": who,
        "verb": verb,
        "course": "c1",
        "object_type": otype,
        "object_id": oid,
        "lesson": lesson,
        "extra": kw.pop("extra", "{}"),
        "self_reported": 1,
        **kw,
    }


def q(ts: str, who: str, qid: str, lesson: str, score: float, attempt: int, secs: float):
    return ev(
        ts,
        who,
        "answered",
        "question",
        qid,
        lesson,
        score=score,
        success=int(score),
        attempt=attempt,
        duration_s=secs,
    )


EVENTS = [
    ev("09-08T10:00", "a", "opened", "lesson", "L1", "L1"),
    q("09-08T10:05", "a", "q1", "L1", 1, 1, 30),
    q("09-08T10:06", "a", "q2", "L1", 0, 1, 20),
    q("09-08T10:07", "a", "q2", "L1", 1, 2, 10),
    ev("09-08T10:10", "a", "completed", "lesson", "L1", "L1"),
    ev("09-08T10:11", "a", "reflected", "lesson", "L1", "L1", extra='{"minutes": 25}'),
    ev("09-09T10:00", "a", "opened", "lesson", "L2", "L2"),
    q("09-09T10:05", "a", "q3", "L2", 1, 1, 60),
    ev("09-09T10:20", "a", "completed", "lesson", "L2", "L2"),
    ev("09-15T10:00", "a", "opened", "lesson", "L3", "L3", extra='{"version": "B"}'),
    q("09-15T10:05", "a", "q4", "L3", 1, 1, 120),
    ev("09-15T10:10", "a", "completed", "lesson", "L3", "L3"),
    ev("09-08T09:00", "b", "opened", "lesson", "L1", "L1"),
    q("09-08T09:05", "b", "q1", "L1", 0, 1, 40),
    ev("09-08T14:00", "c", "opened", "lesson", "L1", "L1"),
    q("09-08T14:05", "c", "q1", "L1", 1, 1, 30),
    q("09-08T14:10", "c", "q2", "L1", 1, 1, 30),
    ev("09-08T14:20", "c", "completed", "lesson", "L1", "L1"),
    ev("09-08T14:21", "c", "reflected", "lesson", "L1", "L1", extra='{"minutes": 15}'),
    ev("09-10T09:00", "c", "opened", "lesson", "L2", "L2"),
    q("09-10T09:05", "c", "q3", "L2", 0, 1, 50),
    ev("09-10T09:30", "c", "completed", "lesson", "L2", "L2"),
    ev("09-10T09:31", "c", "reflected", "lesson", "L2", "L2", extra='{"minutes": 35}'),
]


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def submissions() -> pd.DataFrame:
    rows = [
        # learner, assignment, submitted, score, max, feedback
        ("a", "A1", "2026-09-12T12:00", 8.0, 10.0, "2026-09-14T12:00"),
        ("a", "A2", "2026-09-21T10:00", 0.0, 4.0, None),
        ("c", "A1", "2026-09-14T06:00", 10.0, 10.0, "2026-09-15T06:00"),
    ]
    due = {"A1": utc("2026-09-13T22:00"), "A2": utc("2026-09-20T22:00")}
    frame = pd.DataFrame(
        rows, columns=["learner", "assignment", "timestamp", "score", "max_score", "feedback_at"]
    )
    frame["course"] = "c1"
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["feedback_at"] = pd.to_datetime(frame["feedback_at"], utc=True)
    frame["due"] = frame["assignment"].map(due).astype("datetime64[ns, UTC]")
    frame["extension"] = pd.Series([pd.NaT] * 3, dtype="timedelta64[ns]")
    frame["deadline"] = frame["due"]
    frame["late"] = frame["timestamp"] > frame["deadline"]
    frame["days_late"] = ((frame["timestamp"] - frame["deadline"]).dt.total_seconds() / 86400).clip(
        lower=0
    )
    frame["late_penalty"] = 0.0
    return frame


def grades() -> pd.DataFrame:
    rows = [
        ("a", "A1", "q1", 5.0, 5.0),
        ("a", "A1", "q2", 3.0, 5.0),
        ("a", "A2", "c1", 0.0, 4.0),
        ("c", "A1", "q1", 5.0, 5.0),
        ("c", "A1", "q2", 5.0, 5.0),
    ]
    frame = pd.DataFrame(rows, columns=["learner", "assignment", "cell", "score", "max_score"])
    frame["course"] = "c1"
    frame["notebook"] = "nb"
    frame["cell_type"] = "code"
    frame["auto_score"] = frame["score"]
    frame["manual_score"] = float("nan")
    frame["extra_credit"] = float("nan")
    frame["needs_manual_grade"] = False
    frame["comment"] = None
    return frame


@pytest.fixture
def now() -> pd.Timestamp:
    """The moment the hand-checked figures are computed at."""
    return NOW


@pytest.fixture
def course_factory():
    """``make_course(**changes)``: the course c1 with top-level keys replaced."""
    return make_course


@pytest.fixture
def course() -> Course:
    return make_course()


@pytest.fixture
def data(course: Course) -> ClassData:
    learners = pd.DataFrame(
        {"course": "c1", "learner": list("abcd"), "student_id": ["alice", "bob", "carol", "dan"]}
    )
    extensions = pd.DataFrame(
        {
            "course": ["c1"],
            "learner": ["c"],
            "assignment": ["A1"],
            "until": [utc("2026-09-15T00:00")],
        }
    )
    return assemble(
        [course],
        events_frame(EVENTS),
        grades(),
        submissions(),
        learners=learners,
        extensions=extensions,
    )
