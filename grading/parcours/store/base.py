"""The event store interface: what the recorder writes to and analytics read from.

Implementations: :class:`~parcours.store.sqlite.SQLiteEventStore` (embedded default),
:class:`~parcours.store.postgres.PostgresEventStore` (hub deployment) and
:class:`~parcours.store.hub.HubEventStore` (learners' kernels on a hub, over HTTP),
chosen by :func:`~parcours.store.open_store`'s scheme table; see docs/events.md.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import EventStoreError
from ..i18n import _
from .events import COLUMNS, Event

if TYPE_CHECKING:  # pandas is imported only when a frame is asked for
    import pandas as pd

    from .table import Dialect


@dataclass(frozen=True)
class EventFilter:
    """Which events to read; every field left empty matches everything."""

    course: str | None = None
    actor: str | None = None
    verb: str | None = None
    object_type: str | None = None
    lesson: str | None = None
    #: ISO timestamps, inclusive lower bound / exclusive upper bound
    since: str | None = None
    until: str | None = None


class EventStore(abc.ABC):
    """Where events are recorded. Writes are validated; a write either stores every event
    given or raises :class:`~parcours.errors.EventStoreError` (never half)."""

    #: the URL the store was opened from
    url: str = ""

    @abc.abstractmethod
    def record_many(self, events: Iterable[Event]) -> int:
        """Store events (one transaction); returns how many were new (ids already stored
        are ignored, so a replayed spool never duplicates)."""

    def record(self, event: Event) -> int:
        """Store one event."""
        return self.record_many([event])

    def record_batches(self, batches: Sequence[Iterable[Event]]) -> list[int]:
        """Store several batches (posted by different writers) in one transaction where the
        store can, so that a queue of small batches costs one commit; returns how many
        events of each batch were new, in order (an id in two batches is new for the first
        only). On SQLite and PostgreSQL all or nothing, as :meth:`record_many`: one invalid
        event, nothing written; stores that cannot do better write one transaction per
        batch, in order."""
        return [self.record_many(batch) for batch in batches]

    @abc.abstractmethod
    def read(self, where: EventFilter | None = None, **filters: Any) -> list[Event]:
        """Events matching ``where`` (or keyword filters), oldest first."""

    @abc.abstractmethod
    def count(self, where: EventFilter | None = None, **filters: Any) -> int:
        """How many events match."""

    def frame(self, where: EventFilter | None = None, **filters: Any) -> pd.DataFrame:
        """Matching events as a pandas DataFrame (one column per field; timestamps parsed)."""
        import pandas as pd

        from .events import COLUMNS

        rows = [e.to_dict() for e in self.read(where, **filters)]
        frame = pd.DataFrame(rows, columns=list(COLUMNS))
        frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601")
        return frame

    def changes(self) -> int | None:
        """How many times stored events were updated or deleted (the table's change counter,
        :mod:`.table`); None when the store cannot tell. Appends do not count: a cache of
        the events is still right when this and the row count say so."""
        return None

    def forget(self, actor: str, replacement: str) -> int:
        """Give every event of ``actor`` the actor ``replacement`` and drop their free
        answers (``response``, ``extra``), leaving no trace of the old values in the
        store's files (GDPR erasure; the class's counts stay true). Returns the events
        changed."""
        statement, _remove = self._erasure(_("erase events"))
        return self._rewrite(statement, (replacement, actor), "refused the erasure")

    def remove_before(self, timestamp: str, *, dry_run: bool = False) -> int:
        """Delete the events recorded before ``timestamp`` (ISO 8601, UTC), leaving no trace
        in the store's files; with ``dry_run`` only count them. Returns how many."""
        _forget, statement = self._erasure(_("remove events"))
        if dry_run:
            return self.count(until=timestamp)
        return self._rewrite(statement, (timestamp,), "refused the purge")

    #: the SQL dialect of a store over the events table (:mod:`.table`); None for others
    dialect: Dialect | None = None

    def _erasure(self, what: str) -> tuple[str, str]:
        from .table import erasure

        if self.dialect is None:
            raise EventStoreError(
                _("{store} ({url}) cannot {what}: do it in the store itself").format(
                    store=type(self).__name__, url=self.url, what=what
                )
            )
        return erasure(self.dialect)

    def _rewrite(self, sql: str, params: tuple[Any, ...], what: str) -> int:
        """Run ``sql`` on the events table, then rewrite the store's files so that the old
        values leave no trace (each SQL store)."""
        raise NotImplementedError

    #: whether writes check each event against its schema first
    validate: bool = True

    def _rows(self, events: Iterable[Event]) -> list[tuple[Any, ...]]:
        """The events to write as rows in :data:`COLUMNS` order, each checked first when
        :attr:`validate` (one bad event: nothing written)."""
        batch = list(events)
        if self.validate:
            for event in batch:
                event.check()
        return [tuple(getattr(e, c) for c in COLUMNS) for e in batch]

    def close(self) -> None:  # noqa: B027 (optional hook)
        """Release connections."""

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def as_filter(where: EventFilter | None, filters: dict[str, Any]) -> EventFilter:
    """Merge an EventFilter and keyword filters (keywords win)."""
    base = where or EventFilter()
    if not filters:
        return base
    from dataclasses import replace

    return replace(base, **filters)
