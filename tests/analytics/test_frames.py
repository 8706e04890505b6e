"""The loader on a real nbgrader gradebook (built through nbgrader's API) and a real
SQLite event store."""

from __future__ import annotations

import datetime as dt
import json
import os

import pandas as pd
import pytest
from parcours.analytics import load_frames
from parcours.analytics.frames import (
    EVENT_COLUMNS,
    GRADE_COLUMNS,
    SUBMISSION_COLUMNS,
)
from parcours.cohort import write_events
from parcours.config import ParcoursConfig
from parcours.errors import DataError
from parcours.store.ids import pseudonymize

SALT = "test-salt"


@pytest.fixture
def config(tmp_path):
    return ParcoursConfig(
        root=str(tmp_path),
        data_dir=str(tmp_path / "data"),
        courses_dir=str(tmp_path / "courses"),
        pseudonym_salt=SALT,
    )


def build_gradebook(config, course):
    from nbgrader.api import Gradebook

    path = config.course_root(course.id) / "gradebook.db"
    path.parent.mkdir(parents=True)
    gb = Gradebook(f"sqlite:///{path}", course_id=course.id)
    try:
        gb.add_assignment("A1", duedate=dt.datetime(2026, 9, 13, 22, 0))
        gb.add_notebook("nb", "A1")
        gb.add_grade_cell("q1", "nb", "A1", max_score=5, cell_type="code")
        gb.add_grade_cell("q2", "nb", "A1", max_score=5, cell_type="markdown")
        gb.add_solution_cell("q2", "nb", "A1")
        for student in ("alice", "bob", "carol"):
            gb.add_student(student)
        gb.add_submission("A1", "alice", timestamp=dt.datetime(2026, 9, 12, 12, 0))
        late = gb.add_submission("A1", "carol", timestamp=dt.datetime(2026, 9, 14, 6, 0))
        late.extension = dt.timedelta(days=1, hours=2)  # deadline 09-15 00:00
        gb.db.commit()
        grades = {
            ("alice", "q1"): (5.0, None),
            ("alice", "q2"): (None, 3.0),
            ("carol", "q1"): (0.0, None),
            ("carol", "q2"): (None, 4.5),
        }
        for (student, cell), (auto, manual) in grades.items():
            grade = gb.find_grade(cell, "nb", "A1", student)
            grade.auto_score = auto
            grade.manual_score = manual
            if cell == "q2" and student == "alice":
                grade.extra_credit = 0.5
        comment = gb.find_comment("q2", "nb", "A1", "alice")
        comment.manual_comment = "Bonne analyse"
        gb.db.commit()
    finally:
        gb.close()
    feedback = config.course_root(course.id) / "feedback" / "alice" / "A1"
    feedback.mkdir(parents=True)
    (feedback / "nb.html").write_text("<html></html>")
    stamp = pd.Timestamp("2026-09-14T12:00:00Z").timestamp()
    os.utime(feedback / "nb.html", (stamp, stamp))


# nbgrader's own add_submission triggers this SQLAlchemy autoflush warning
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
def test_load_frames_reads_gradebook_events_and_manifest(config, course):
    build_gradebook(config, course)
    alice = pseudonymize("alice", SALT)
    events = pd.DataFrame(
        [
            {
                "id": "e1" * 16,
                "schema_version": 1,
                "timestamp": "2026-09-08T10:05:00.123456+00:00",
                "actor": alice,
                "verb": "answered",
                "course": "c1",
                "object_type": "question",
                "object_id": "q1",
                "lesson": "L1",
                "score": 1.0,
                "success": 1,
                "response": "1",
                "duration_s": 12.5,
                "attempt": 1,
                "extra": "{}",
                "self_reported": 1,
            },
            {
                "id": "e2" * 16,
                "schema_version": 1,
                "timestamp": "2026-09-08T10:06:00+00:00",
                "actor": "p-other",
                "verb": "opened",
                "course": "other",
                "object_type": "lesson",
                "object_id": "X",
                "lesson": "X",
                "score": None,
                "success": None,
                "response": None,
                "duration_s": None,
                "attempt": None,
                "extra": json.dumps({}),
                "self_reported": 1,
            },
        ]
    )
    write_events(events, config.events_url.removeprefix("sqlite:///"))

    data = load_frames(config, [course])

    assert list(data.events.columns) == EVENT_COLUMNS
    assert data.events["learner"].tolist() == [alice]  # the other course is not read
    # read with millisecond precision (SQLite converts the text)
    assert data.events["timestamp"].iloc[0] == pd.Timestamp("2026-09-08T10:05:00.123Z")
    assert set(data.learners["learner"]) == {
        pseudonymize(s, SALT) for s in ("alice", "bob", "carol")
    }
    assert "alice" in set(data.learners["student_id"])
    assert "alice" not in set(data.grades["learner"])  # pseudonyms only

    assert list(data.grades.columns) == GRADE_COLUMNS
    g = data.grades.set_index(["learner", "cell"])
    assert g.loc[(alice, "q1"), "score"] == 5.0
    assert g.loc[(alice, "q2"), "score"] == 3.5  # manual 3 + extra credit 0.5
    assert g.loc[(alice, "q2"), "comment"] == "Bonne analyse"

    assert list(data.submissions.columns) == SUBMISSION_COLUMNS
    s = data.submissions.set_index("learner")
    carol = pseudonymize("carol", SALT)
    assert s.loc[alice, "score"] == 8.5 and s.loc[alice, "max_score"] == 10.0
    assert not s.loc[alice, "late"]
    # due 09-13 22:00 UTC (manifest), extension 1 day 2 h -> deadline 09-15 00:00
    assert s.loc[carol, "deadline"] == pd.Timestamp("2026-09-15T00:00:00Z")
    assert not s.loc[carol, "late"] and s.loc[carol, "score"] == 4.5
    assert s.loc[alice, "feedback_at"] == pd.Timestamp("2026-09-14T12:00:00Z")
    assert pd.isna(s.loc[carol, "feedback_at"])

    # the teacher-side receipt time recorded at collect wins over nbgrader's timestamp
    (config.course_root(course.id) / "submissions.json").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "history": [],
                "entries": {
                    "A1": {
                        "alice": {
                            "inbound": "x",
                            "received": "2026-09-14T01:00:00+00:00",
                            "claimed": "2026-09-12T12:00:00+00:00",
                            "first_seen": "2026-09-14T01:00:00+00:00",
                        }
                    }
                },
            }
        )
    )
    again = load_frames(config, [course]).submissions.set_index("learner")
    assert again.loc[alice, "timestamp"] == pd.Timestamp("2026-09-14T01:00:00Z")
    assert again.loc[alice, "late"] and again.loc[alice, "days_late"] == pytest.approx(3 / 24)

    acts = data.activities
    assert acts["activity"].tolist() == ["L1", "L2", "A1", "L3", "A2"]
    assert acts.set_index("activity").loc["L2", "due"] == pd.Timestamp("2026-09-13T22:00Z")


def test_recorded_extensions_are_read(config, course):
    root = config.course_root(course.id)
    root.mkdir(parents=True)
    # the record 'parcours extend' writes
    (root / "extensions.json").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "history": [],
                "entries": {
                    "A2": {
                        "bob": {
                            "until": "2026-09-25T12:00:00+00:00",
                            "granted_by": "prof",
                            "granted_at": "2026-09-20T10:00:00+00:00",
                        }
                    }
                },
            }
        )
    )
    data = load_frames(config, [course])
    ext = data.extensions
    assert ext["learner"].tolist() == [pseudonymize("bob", SALT)]
    assert ext["until"].tolist() == [pd.Timestamp("2026-09-25T12:00:00Z")]


def test_a_broken_gradebook_is_a_clear_error(config, course):
    path = config.course_root(course.id) / "gradebook.db"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(
        DataError, match=r"gradebook\.db : impossible de lire le carnet de notes nbgrader"
    ):
        load_frames(config, [course])


def test_nothing_yet_gives_empty_frames(config, course):
    data = load_frames(config, [course])
    assert data.events.empty and data.submissions.empty and data.learners.empty
    assert len(data.activities) == 5
