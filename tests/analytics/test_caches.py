"""The caches beside the stores: the columnar snapshot of the event store (the same frame
as reading the table, and still right after events are added, edited in place or deleted,
after the store is replaced and when the file is damaged) and the gradebook's frames
(rebuilt when a grade changes). The analytics read the same frame from PostgreSQL."""

from __future__ import annotations

import datetime as dt
import sqlite3

import numpy as np
import pandas as pd
import pytest
from parcours.analytics.frames import read_events
from parcours.analytics.gradebook import (
    FRAMES_CACHE_SUFFIX,
    cached_gradebook_frames,
    gradebook_fingerprint,
)
from parcours.analytics.snapshot import (
    load_snapshot,
    read_columns,
    snapshot_path,
    worth_writing,
)
from parcours.store import open_store
from parcours.store.events import Event
from parcours.store.sqlite import SQLiteEventStore

from tests.postgres import Databases, edit_table

VERBS = ("answered", "opened", "completed", "reflected")


def make_events(n: int, start: int = 0, course: str = "c1") -> list[Event]:
    """``n`` varied events (questions, lessons, reflections) of a few learners."""
    out = []
    for i in range(start, start + n):
        verb = VERBS[i % 4]
        kind = {"answered": "question", "reflected": "lesson"}.get(verb, "lesson")
        lesson = f"L{i % 3}"
        out.append(
            Event(
                actor=f"p-{i % 7:016x}",
                verb=verb,
                course=course,
                object_type=kind,
                object_id=f"{lesson}-q{i % 5}" if kind == "question" else lesson,
                lesson=lesson if kind == "question" or i % 2 else "",
                score=(i % 4) / 3 if verb == "answered" else None,
                success=i % 2 if verb == "answered" else None,
                duration_s=float(i % 11) if i % 3 else None,
                attempt=1 + i % 2 if verb == "answered" else None,
                extra=f'{{"minutes": {i % 9}}}' if verb == "reflected" else "{}",
                timestamp=f"2026-09-{8 + i % 20:02d}T10:{i % 60:02d}:00.{i % 1000:03d}123+00:00",
            )
        )
    return out


@pytest.fixture
def store(tmp_path):
    s = SQLiteEventStore(tmp_path / "events.sqlite")
    yield s
    s.close()


def assert_same(store, courses=None):
    """The snapshot path and the direct read give the same frame."""
    fast = read_events(store.url, courses)
    direct = read_events(store.url, courses, snapshot=False)
    pd.testing.assert_frame_equal(fast, direct)
    return fast


def test_snapshot_gives_the_frame_of_the_table_and_follows_new_events(store):
    store.record_many(make_events(6000))
    store.record_many(make_events(50, 6000, course="c2"))
    first = assert_same(store, ["c1"])
    assert len(first) == 6000 and set(first["course"]) == {"c1"}
    assert snapshot_path(store.path).is_file()  # 6,050 rows: worth writing
    # extra: the JSON text, None for '{}'; activity: the lesson, else the object
    refl = first[first["verb"] == "reflected"]
    assert refl["extra"].str.contains('"minutes"').all()
    assert first.loc[first["verb"] == "opened", "extra"].isna().all()
    assert (
        first["activity"].astype(str)
        == np.where(
            first["lesson"].astype(str) != "",
            first["lesson"].astype(str),
            first["object_id"].astype(str),
        )
    ).all()

    # a small tail: read from SQLite on top of the snapshot, not written
    held = load_snapshot(snapshot_path(store.path))
    store.record_many(make_events(30, 10_000))
    after = assert_same(store)
    assert len(after) == 6080
    assert load_snapshot(snapshot_path(store.path)).max_rowid == held.max_rowid
    assert after["learner"].iloc[-1] == f"p-{10_029 % 7:016x}"

    # a large tail: the snapshot is refreshed
    store.record_many(make_events(7000, 20_000))
    assert len(assert_same(store)) == 13_080
    assert load_snapshot(snapshot_path(store.path)).rows == 13_080


def test_a_replaced_store_or_a_damaged_snapshot_is_read_again(store, tmp_path):
    store.record_many(make_events(5000))
    assert_same(store)
    # the store is replaced by another one (e.g. restored from a backup)
    store.close()
    store.path.unlink()
    for suffix in ("-wal", "-shm"):
        store.path.with_name(store.path.name + suffix).unlink(missing_ok=True)
    other = SQLiteEventStore(store.path)
    other.record_many(make_events(5000, 50_000))
    frame = assert_same(other)
    assert frame["learner"].iloc[0] == f"p-{50_000 % 7:016x}"
    other.close()
    # rows removed below the snapshot's last one (not done by Parcours, but possible)
    with sqlite3.connect(store.path) as conn:
        conn.execute("DELETE FROM events WHERE rowid IN (SELECT rowid FROM events LIMIT 10)")
    assert len(assert_same(other)) == 4990
    # a damaged snapshot is ignored and rewritten
    snapshot_path(store.path).write_bytes(b"not a snapshot")
    assert load_snapshot(snapshot_path(store.path)) is None
    assert len(assert_same(other)) == 4990
    assert load_snapshot(snapshot_path(store.path)).rows == 4990


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["timestamp", "learner"]).reset_index(drop=True)


def test_any_change_to_the_store_is_seen_by_the_analytics(databases: Databases, tmp_path):
    """A score rewritten in place or events deleted (the hostile writer of #12) show in the
    next read, on SQLite (the snapshot is rebuilt: it holds the store's change counter) and
    on PostgreSQL (read live); both stores give the analytics the same frame."""
    url = databases.events_url
    assert read_events(url).empty  # nothing recorded yet (PostgreSQL: database made)
    with open_store(url) as store:
        store.record_many(make_events(6000))
    bob = f"p-{1:016x}"
    before = read_events(url, ["c1"])
    assert len(before) == 6000 and (before.loc[before["learner"] == bob, "score"] != 0).any()
    if databases.kind == "sqlite":
        assert snapshot_path(tmp_path / "stores" / "events.sqlite").is_file()

    edit_table(url, f"UPDATE events SET score = 0 WHERE actor = '{bob}' AND score IS NOT NULL")
    after = read_events(url, ["c1"])
    assert (after.loc[after["learner"] == bob, "score"].dropna() == 0).all()
    pd.testing.assert_frame_equal(_sorted(after), _sorted(read_events(url, snapshot=False)))
    edit_table(url, f"DELETE FROM events WHERE actor = '{bob}'")
    assert bob not in set(read_events(url)["learner"]) and len(read_events(url)) < 6000

    # the same events in a SQLite file: the same frame as from this store
    reference = SQLiteEventStore(tmp_path / "reference.sqlite")
    with open_store(url) as store:
        reference.record_many(store.read())
    reference.close()
    pd.testing.assert_frame_equal(
        _sorted(read_events(url, full=True)), _sorted(read_events(reference.url, full=True))
    )


def test_an_unwritable_folder_only_costs_speed(store, monkeypatch):
    store.record_many(make_events(100))
    monkeypatch.setattr(
        "tempfile.mkstemp", lambda **_: (_ for _ in ()).throw(PermissionError("read-only"))
    )
    columns = read_columns(store.path)
    assert columns.rows == 100 and not snapshot_path(store.path).exists()


def test_when_the_snapshot_is_rewritten():
    assert worth_writing(0, 1)
    assert not worth_writing(1_000_000, 10_000)
    assert worth_writing(1_000_000, 20_000)
    assert not worth_writing(6000, 30)


# nbgrader's own add_submission triggers this SQLAlchemy autoflush warning
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
def test_gradebook_frames_are_reused_until_the_gradebook_changes(tmp_path, course):
    from nbgrader.api import Gradebook

    path = tmp_path / "gradebook.db"
    url = f"sqlite:///{path}"
    gb = Gradebook(url, course_id=course.id)
    try:
        gb.add_assignment("A1", duedate=dt.datetime(2026, 9, 13, 22, 0))
        gb.add_notebook("nb", "A1")
        gb.add_grade_cell("q1", "nb", "A1", max_score=5, cell_type="code")
        gb.add_student("alice")
        gb.add_submission("A1", "alice", timestamp=dt.datetime(2026, 9, 12, 12, 0))
        gb.find_grade("q1", "nb", "A1", "alice").auto_score = 2.0
        gb.db.commit()
        _, grades, subs = cached_gradebook_frames(url, course, "salt")
        cache = path.with_name(path.name + FRAMES_CACHE_SUFFIX)
        assert cache.is_file() and grades["score"].tolist() == [2.0]
        with np.load(cache, allow_pickle=False) as npz:  # a numpy file, no pickle
            assert "meta" in npz.files
        assert gradebook_fingerprint(path) is not None
        again = cached_gradebook_frames(url, course, "salt")
        pd.testing.assert_frame_equal(again[2], subs)

        gb.find_grade("q1", "nb", "A1", "alice").manual_score = 4.0  # a teacher's grade
        gb.db.commit()
        _, grades, subs = cached_gradebook_frames(url, course, "salt")
        assert grades["score"].tolist() == [4.0] and subs["score"].tolist() == [4.0]
        # another salt gives other pseudonyms, not the cached ones
        learners, _, _ = cached_gradebook_frames(url, course, "other")
        assert (
            learners["learner"].tolist()
            != cached_gradebook_frames(url, course, "salt")[0]["learner"].tolist()
        )
    finally:
        gb.close()
    cache.write_bytes(b"damaged")
    assert cached_gradebook_frames(url, course, "salt")[1]["score"].tolist() == [4.0]
