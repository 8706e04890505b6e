"""A synthetic cohort's events go through the real event store: its table, its indexes and
its schema check."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from parcours.cohort import STORE_COLUMNS, write_events
from parcours.errors import InvalidEventError
from parcours.store.sqlite import SQLiteEventStore


def _event(**changes: object) -> dict[str, object]:
    event: dict[str, object] = {
        "id": "ab" * 16, "schema_version": 1, "timestamp": "2026-09-08T10:05:00+00:00",
        "actor": "p-1", "verb": "opened", "course": "c1", "object_type": "lesson",
        "object_id": "L1", "lesson": "L1", "score": None, "success": None, "response": None,
        "duration_s": None, "attempt": None, "extra": "{}", "self_reported": 1,
    }  # fmt: skip
    event.update(changes)
    return event


def test_cohort_events_are_written_by_the_event_store(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    assert write_events(pd.DataFrame([_event()], columns=STORE_COLUMNS), path) == 1
    with sqlite3.connect(path) as conn:
        indexes = {
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'"
            )
        }
    assert {"events_course_actor", "events_verb", "events_timestamp"} <= indexes
    assert [e.id for e in SQLiteEventStore(path).read()] == ["ab" * 16]


def test_a_cohort_event_off_the_schema_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidEventError, match="verb"):
        write_events(pd.DataFrame([_event(verb="")]), tmp_path / "events.sqlite")
