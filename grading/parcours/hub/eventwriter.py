"""The events' one writer in the Parcours service: what learners' kernels post
(``POST api/events``) is written by one thread, and the batches posted while it was busy
are written together, in one transaction (group commit).

At a deadline a thousand learners post batches of ten events; one transaction per batch
costs its round trips and its commit each, and the batches queue behind one another. Here
every batch waiting when the writer comes round is written at once
(:meth:`..store.base.EventStore.record_batches`), and each request is still told how many
of its own events were new. A grouped write that fails is tried again batch by batch, so
that one batch's problem is its poster's alone (two batches failing in a row: the store is
down, and the rest of the group is told so at once rather than after a timeout each).
Nothing here runs on the event loop; each request awaits its own answer.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from ..errors import ParcoursError

log = logging.getLogger("parcours.service")


@dataclass
class Posted:
    """One request's batch, waiting to be written, and where its answer goes."""

    events: Sequence[Any]
    loop: asyncio.AbstractEventLoop
    answer: asyncio.Future[int]


class EventsWriter:
    """Writes posted batches in ``pool`` (one thread: the store's only writer here), the
    ones queued meanwhile together.

    :param open_store: opens the event store (called again after a failed write, so that
        a broken connection is replaced)
    :param pool: the executor of the writes; give it one thread
    """

    def __init__(self, open_store: Callable[[], Any], pool: Executor) -> None:
        self.open_store = open_store
        self.pool = pool
        self._store: Any = None
        self._waiting: list[Posted] = []
        self._lock = threading.Lock()

    async def record(self, events: Sequence[Any]) -> int:
        """Write ``events`` (already checked); return how many were new. Raises what the
        store raised for this batch (:class:`..errors.EventStoreError`)."""
        loop = asyncio.get_running_loop()
        posted = Posted(events, loop, loop.create_future())
        with self._lock:
            self._waiting.append(posted)
        # each batch asks for one round; a round takes every batch waiting, so the later
        # rounds of a group find nothing left and return at once
        self.pool.submit(self._round)
        return await posted.answer

    def _round(self) -> None:
        """Write every batch waiting (in the writer's thread); never raises: each request
        gets its own answer or error."""
        with self._lock:
            taken, self._waiting = self._waiting, []
        if not taken:
            return
        try:
            counts = self._store_now().record_batches([p.events for p in taken])
        except Exception as exc:  # answered below: one by one, each gets its own outcome
            self._drop_store()
            if len(taken) == 1:
                _settle(taken[0], error=exc)
                return
            log.warning(
                "%d event batches written together failed (%s): one by one", len(taken), exc
            )
            failed_in_a_row = 0
            for posted in taken:
                if failed_in_a_row >= 2:  # the store is down, not one batch wrong: no wait
                    _settle(posted, error=exc)  # of a connection timeout per batch
                    continue
                try:
                    _settle(posted, count=int(self._store_now().record_many(posted.events)))
                    failed_in_a_row = 0
                except Exception as one:
                    self._drop_store()
                    _settle(posted, error=one)
                    exc, failed_in_a_row = one, failed_in_a_row + 1
            return
        for posted, count in zip(taken, counts, strict=True):
            _settle(posted, count=int(count))

    def _store_now(self) -> Any:
        if self._store is None:
            self._store = self.open_store()
        return self._store

    def _drop_store(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            try:
                store.close()
            except ParcoursError as exc:  # a store that failed may fail to close too
                log.warning("closing the event store after a failed write: %s", exc)


def _settle(posted: Posted, *, count: int = 0, error: BaseException | None = None) -> None:
    """Give a request its answer, on its own event loop."""

    def done() -> None:
        if posted.answer.done():  # the request was cancelled meanwhile
            return
        if error is not None:
            posted.answer.set_exception(error)
        else:
            posted.answer.set_result(count)

    posted.loop.call_soon_threadsafe(done)
