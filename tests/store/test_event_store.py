"""The event store on SQLite (one machine) and on PostgreSQL (hub deployment): the same
table contract, reading, several writer processes, and the change counter. Each test asking
for ``databases`` runs on both (a real PostgreSQL server: tests/postgres.py)."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest
from parcours.errors import EventStoreError, InvalidEventError
from parcours.store import Event, open_store

from tests.postgres import Databases, edit_table

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


def test_opening_a_made_store_writes_nothing(tmp_path: Path) -> None:
    """A kernel's first event must not wait for the write lock just to open the store: once
    the table, indexes and change counter exist, opening only reads."""
    from parcours.store.sqlite import SQLiteEventStore

    path = tmp_path / "events.sqlite"
    open_store(f"sqlite:///{path}").count()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        assert SQLiteEventStore(path, busy_timeout_ms=50).changes() == 0
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_postgresql_table_is_the_same_and_its_database_is_created(postgres_server) -> None:
    import psycopg

    url = postgres_server.url("parcours_events_created")
    store = open_store(url)  # the database does not exist yet: made on first use
    try:
        store.record(answer())
        with psycopg.connect(url) as conn:
            columns = conn.execute(
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_name = 'events' ORDER BY ordinal_position"
            ).fetchall()
            key = conn.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = "
                "i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'events'::regclass "
                "AND i.indisprimary"
            ).fetchall()
            indexes = conn.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'events' "
                "AND indexname <> 'events_pkey' ORDER BY indexname"
            ).fetchall()
        kinds = {"TEXT": "text", "INTEGER": "bigint", "REAL": "double precision"}
        assert [(c[0], c[1]) for c in columns] == [(n, kinds[t]) for n, t in BRIEF_COLUMNS]
        nullable = {c[0] for c in columns if c[2] == "YES"}
        assert nullable == {"score", "success", "response", "duration_s", "attempt"}
        assert key == [("id",)]
        assert [i[0].split(" USING btree ")[1].replace('"', "") for i in indexes] == [
            "(course, actor)", "(timestamp)", "(verb)"
        ]  # fmt: skip
    finally:
        store.close()
        postgres_server.execute("DROP DATABASE parcours_events_created WITH (FORCE)")


def test_a_database_the_role_may_not_create_says_what_to_do(postgres_server) -> None:
    postgres_server.execute("CREATE ROLE teacher LOGIN")  # no CREATEDB
    url = postgres_server.url("parcours_nocreate").replace("parcours@", "teacher@")
    with pytest.raises(EventStoreError, match=r"cannot be created.*createdb -O <role> parcours_no"):
        open_store(url).record(answer())
    stranger = postgres_server.url("postgres").replace("parcours@", "nobody_here@")
    with pytest.raises(EventStoreError, match=r"cannot be reached.*role may connect"):
        open_store(stranger).record(answer())


def test_an_unreachable_postgresql_is_a_clear_error(postgres_server) -> None:
    store = open_store(f"postgresql://parcours@127.0.0.1:{postgres_server.port + 1}/x")
    with pytest.raises(EventStoreError, match=r"cannot be reached.*server runs"):
        store.record(answer())


def test_record_read_count_filters_and_frame(databases: Databases) -> None:
    store = open_store(databases.events_url)
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
    store.close()


def test_invalid_event_is_refused_before_writing(databases: Databases) -> None:
    store = open_store(databases.events_url)
    bad = answer(score=2.0)
    with pytest.raises(InvalidEventError, match="score"):
        store.record_many([answer(qid="ok"), bad])
    assert store.count() == 0, "a batch is all or nothing"
    store.close()


def test_batches_written_together_each_get_their_own_count(databases: Databases) -> None:
    """The service writes the batches queued meanwhile in one transaction: each poster is
    still told how many of its own events were new, and one bad event writes nothing."""
    store = open_store(databases.events_url)
    a, b = "p-000000000000000a", "p-000000000000000b"
    stored = answer(b, "q9")
    assert store.record(stored) == 1
    first = [answer(a, "q1"), answer(a, "q2")]
    replayed = [stored, answer(b, "q4")]
    overlapping = [first[0], answer(b, "q3")]  # an id of an earlier batch of the same call
    assert store.record_batches([first, replayed, overlapping, []]) == [2, 1, 1, 0]
    assert store.count() == 5
    assert {e.object_id for e in store.read(actor=b)} == {"q9", "q4", "q3"}
    with pytest.raises(InvalidEventError, match="score"):
        store.record_batches([[answer(a, "q5")], [answer(a, "q6", score=2.0)]])
    assert store.count() == 5, "the batches of one call are all or nothing"
    assert store.record_batches([]) == []
    store.close()


def test_unknown_store_kind_is_a_clear_error() -> None:
    with pytest.raises(EventStoreError, match=r"type de magasin inconnu 'ftp'.*events_url"):
        open_store("ftp://example/events")


def _writer(url: str, worker: int, count: int) -> None:
    store = open_store(url)
    actor = f"p-{worker:016x}"
    for start in range(0, count, 50):
        store.record_many([answer(actor, f"q{i}") for i in range(start, start + 50)])
    store.close()


def test_several_writer_processes_lose_nothing(databases: Databases) -> None:
    url = databases.events_url
    open_store(url).count()  # create it first, as the server would
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(url, n, 500)) for n in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
        assert proc.exitcode == 0
    store = open_store(url)
    assert store.count() == 2000
    assert all(store.count(actor=f"p-{n:016x}") == 500 for n in range(4))
    store.close()


def test_any_change_to_stored_events_is_counted(databases: Databases) -> None:
    """Appends (and replays) leave the change counter alone; an update or a delete made by
    anyone, with any client, moves it: caches of the table know they are stale."""
    store = open_store(databases.events_url)
    a, b = "p-000000000000000a", "p-000000000000000b"
    store.record_many([answer(a, "q1"), answer(b, "q1", score=0.0, success=False)])
    assert store.changes() == 0
    store.record_many([answer(a, "q2")])
    assert store.changes() == 0
    edit_table(databases.events_url, f"UPDATE events SET score = 1.0 WHERE actor = '{b}'")
    updated = store.changes()
    assert updated is not None and updated >= 1
    assert store.read(actor=b)[0].score == 1.0
    edit_table(databases.events_url, f"DELETE FROM events WHERE actor = '{a}'")
    assert store.changes() > updated and store.count() == 1
    store.close()
