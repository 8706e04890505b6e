"""The embedded SQLite event store: table contract, reading, several writer processes."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest
from parcours_grading.errors import EventStoreError, InvalidEventError
from parcours_grading.store import Event, open_store

BRIEF_COLUMNS = [
    ("id", "TEXT"), ("schema_version", "INTEGER"), ("timestamp", "TEXT"), ("actor", "TEXT"),
    ("verb", "TEXT"), ("course", "TEXT"), ("object_type", "TEXT"), ("object_id", "TEXT"),
    ("lesson", "TEXT"), ("score", "REAL"), ("success", "INTEGER"), ("response", "TEXT"),
    ("duration_s", "REAL"), ("attempt", "INTEGER"), ("extra", "TEXT"), ("self_reported", "INTEGER"),
]  # fmt: skip


def answer(actor: str = "p-0000000000000001", qid: str = "q1", **values: object) -> Event:
    fields: dict[str, object] = {"score": 1.0, "success": True, "response": 1, "attempt": 1}
    return Event.make(
        actor=actor, verb="answered", course="c1", object_type="question", object_id=qid,
        lesson="l01", **(fields | values),
    )  # fmt: skip


def test_table_indices_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "events.sqlite"
    store = open_store(f"sqlite:///{path}")
    store.record(answer())
    conn = sqlite3.connect(path)
    columns = [(row[1], row[2]) for row in conn.execute("PRAGMA table_info(events)")]
    assert columns == BRIEF_COLUMNS
    assert conn.execute("PRAGMA table_info(events)").fetchone()[5] == 1  # id is the key
    indices = {
        row[0]: [c[2] for c in conn.execute(f"PRAGMA index_info({row[0]})")]
        for row in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")
        if not row[0].startswith("sqlite_autoindex")
    }
    assert sorted(indices.values()) == [["course", "actor"], ["timestamp"], ["verb"]]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    store.close()


def test_record_read_count_filters_and_frame(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'e.sqlite'}")
    a, b = "p-000000000000000a", "p-000000000000000b"
    events = [answer(a, "q1"), answer(a, "q2"), answer(b, "q1")]
    assert store.record_many(events) == 3
    assert store.record_many(events) == 0, "replaying the same ids must not duplicate"
    assert store.count() == 3
    assert store.count(actor=a) == 2
    assert [e.object_id for e in store.read(actor=a)] == ["q1", "q2"]
    assert store.read(actor=b)[0] == events[2]
    frame = store.frame(course="c1")
    assert len(frame) == 3 and str(frame["timestamp"].dt.tz) == "UTC"
    assert store.count(since=events[1].timestamp) == 2


def test_invalid_event_is_refused_before_writing(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'e.sqlite'}")
    bad = answer(score=2.0)
    with pytest.raises(InvalidEventError, match="score"):
        store.record_many([answer(qid="ok"), bad])
    assert store.count() == 0, "a batch is all or nothing"


def test_unknown_store_kind_is_a_clear_error() -> None:
    with pytest.raises(EventStoreError, match=r"unknown kind of store 'ftp'.*events_url"):
        open_store("ftp://example/events")


def _writer(path: str, worker: int, count: int) -> None:
    store = open_store(f"sqlite:///{path}")
    actor = f"p-{worker:016x}"
    for start in range(0, count, 50):
        store.record_many([answer(actor, f"q{i}") for i in range(start, start + 50)])
    store.close()


def test_several_writer_processes_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.sqlite")
    open_store(f"sqlite:///{path}").count()  # create it first, as the server would
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, n, 500)) for n in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
        assert proc.exitcode == 0
    store = open_store(f"sqlite:///{path}")
    assert store.count() == 2000
    assert all(store.count(actor=f"p-{n:016x}") == 500 for n in range(4))
