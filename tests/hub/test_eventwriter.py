"""The service's events writer (grading/parcours/hub/eventwriter.py) on a real SQLite
store: the batches posted while it is busy are written together, each poster told its own
count; a batch the store refuses fails alone, the others of its group are written."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from parcours.errors import EventStoreError
from parcours.hub.eventwriter import EventsWriter
from parcours.store import Event
from parcours.store.sqlite import SQLiteEventStore


class WatchedStore(SQLiteEventStore):
    """The real SQLite store, noting the size of each group it was asked to write."""

    groups: list[int]

    def record_batches(self, batches: Sequence[Any]) -> list[int]:
        self.groups.append(len(batches))
        return super().record_batches(batches)


def batch(learner: int, size: int = 3, prefix: str = "q") -> list[Event]:
    return [
        Event.make(actor=f"p-{learner:016x}", verb="answered", course="c1",
                   object_type="question", object_id=f"{prefix}{n}", score=1.0, success=True)
        for n in range(size)
    ]  # fmt: skip


def open_watched(path: Path) -> WatchedStore:
    store = WatchedStore(path)
    store.groups = []
    return store


def test_batches_posted_meanwhile_are_written_together(tmp_path: Path) -> None:
    store = open_watched(tmp_path / "events.sqlite")
    pool = ThreadPoolExecutor(1)
    writer = EventsWriter(lambda: store, pool)
    posted = [batch(n) for n in range(20)]
    posted.append(posted[0])  # a kernel replaying its spool: nothing new

    async def post_all() -> list[int]:
        busy = threading.Event()
        pool.submit(busy.wait, 30)  # the writer is busy while every batch arrives
        answers = [asyncio.ensure_future(writer.record(events)) for events in posted]
        await asyncio.sleep(0)  # every request has queued its batch
        busy.set()
        return await asyncio.gather(*answers)

    answers = asyncio.run(post_all())
    assert answers == [3] * 20 + [0]
    assert store.groups == [21], "the waiting batches were not written in one transaction"
    assert store.count() == 60
    pool.shutdown()


def test_a_refused_batch_fails_alone(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    store = open_watched(path)
    store.count()  # the table made
    with sqlite3.connect(path) as conn:  # a constraint set by the store's administrator
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.object_id LIKE 'poison%' "
            "BEGIN SELECT RAISE(ABORT, 'refused by a constraint'); END"
        )
    pool = ThreadPoolExecutor(1)
    writer = EventsWriter(lambda: store, pool)
    good = [batch(n) for n in range(3)]
    bad = batch(9, size=1, prefix="poison")

    async def post_all() -> list[Any]:
        busy = threading.Event()
        pool.submit(busy.wait, 30)
        answers = [asyncio.ensure_future(writer.record(e)) for e in (good[0], bad, *good[1:])]
        await asyncio.sleep(0)
        busy.set()
        return await asyncio.gather(*answers, return_exceptions=True)

    answers = asyncio.run(post_all())
    assert answers[0] == 3 and answers[2:] == [3, 3], answers
    assert isinstance(answers[1], EventStoreError) and "refused by a constraint" in str(answers[1])
    assert store.groups == [4], "the batches were not first tried together"
    assert SQLiteEventStore(path).count() == 9
    pool.shutdown()


def test_a_store_that_is_down_answers_each_request_without_a_wait_each(
    tmp_path: Path,
) -> None:
    """Every poster is told; the store is tried a bounded number of times for the group
    (each try may cost a connection timeout), not once per batch."""
    (tmp_path / "file").write_text("not a folder")
    opened: list[SQLiteEventStore] = []

    def open_store() -> SQLiteEventStore:
        opened.append(SQLiteEventStore(tmp_path / "file" / "events.sqlite"))
        return opened[-1]

    pool = ThreadPoolExecutor(1)
    writer = EventsWriter(open_store, pool)

    async def post() -> None:
        busy = threading.Event()
        pool.submit(busy.wait, 30)
        answers = [asyncio.ensure_future(writer.record(batch(n))) for n in range(10)]
        await asyncio.sleep(0)
        busy.set()
        for answer in answers:
            with pytest.raises(EventStoreError, match=r"file/events\.sqlite"):
                await answer

    asyncio.run(post())
    assert len(opened) <= 3, "the store was tried once per batch"
    pool.shutdown()
