"""The recorder: widgets hand it events, it writes them through the event store interface.

The store comes from ``ParcoursConfig.events_url`` (``open_store``), so a later store that
posts to a JupyterHub service plugs in without touching the widgets. ``PARCOURS_EVENTS=off``
(set by ``parcours check`` and the grading sandbox) turns recording off.

Nothing is lost silently: when the store is missing, locked or corrupt, events go to the
learner's local spool (:class:`~parcours.store.spool.Spool`) and the outcome says
so (the widgets show a notice); the spool is flushed on the next successful write.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from parcours.errors import EventStoreError
from parcours.i18n import _
from parcours.store import Event, EventStore, open_store
from parcours.store.spool import Spool

#: environment switch; "off" disables recording (widgets still work)
EVENTS_ENV = "PARCOURS_EVENTS"


@dataclass(frozen=True)
class Outcome:
    """What became of events handed to the recorder."""

    #: "stored" | "buffered" | "spooled" | "disabled"
    status: str
    #: events written now (including spooled ones flushed with them)
    stored: int = 0
    #: events waiting in the spool after this write
    spooled: int = 0
    #: why the store was not reached (empty when it was)
    reason: str = ""
    #: spool file holding the events, when spooled
    spool_file: str = ""


def recording_enabled() -> bool:
    """False when ``PARCOURS_EVENTS`` is off/0/false/no."""
    return os.environ.get(EVENTS_ENV, "on").strip().lower() not in {"off", "0", "false", "no"}


class Recorder:
    """Writes events to a store, spooling locally when the store refuses.

    :param url: events URL (default: ``ParcoursConfig.events_url``)
    :param store: a ready store (wins over ``url``; for tests and other implementations)
    :param spool_dir: where spooled events wait (default: the learner's data folder)
    :param batch_size: events kept in memory before a write (1 = write each at once, as
        the widgets do; larger for bulk writers). Buffered events are written on
        :meth:`flush`, on :meth:`close` and when the process exits.
    :param enabled: default from ``PARCOURS_EVENTS``
    :param busy_timeout_ms: how long a write waits for another writer's lock before the
        event is spooled (a learner should not wait long for feedback)
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        store: EventStore | None = None,
        spool_dir: str | Path | None = None,
        batch_size: int = 1,
        enabled: bool | None = None,
        busy_timeout_ms: int = 3000,
    ):
        self.enabled = recording_enabled() if enabled is None else enabled
        self._url = url
        self._store = store
        self.spool = Spool(spool_dir)
        self.batch_size = max(1, batch_size)
        self.busy_timeout_ms = busy_timeout_ms
        self._buffer: list[Event] = []
        self._lock = threading.Lock()
        self._check_spool = True
        atexit.register(self.close)

    @property
    def url(self) -> str:
        if self._url is None:
            from parcours.config import load_config

            config = load_config()
            # on a hub, through the Parcours service even when events_url names the
            # service's own database (PostgreSQL): a learner's kernel never writes it
            self._url = config.service_url or config.events_url
        return self._url

    @property
    def store(self) -> EventStore:
        """The store (opened on first use)."""
        if self._store is None:
            self._store = open_store(self.url)
            if hasattr(self._store, "busy_timeout_ms"):
                self._store.busy_timeout_ms = self.busy_timeout_ms
            if hasattr(self._store, "validate"):
                self._store.validate = False  # validated when handed to record()
        return self._store

    def record(self, event: Event) -> Outcome:
        """Record one event (validated first: a malformed event raises at once)."""
        return self.record_many([event])

    def record_many(self, events: Iterable[Event]) -> Outcome:
        """Record events; see :class:`Outcome`."""
        batch = [e.check() for e in events]
        if not self.enabled:
            return Outcome("disabled")
        with self._lock:
            self._buffer.extend(batch)
            if len(self._buffer) < self.batch_size:
                return Outcome("buffered")
            pending, self._buffer = self._buffer, []
            return self._write(pending)

    def flush(self) -> Outcome:
        """Write buffered events now."""
        with self._lock:
            pending, self._buffer = self._buffer, []
            return self._write(pending)

    def close(self) -> None:
        """Flush the buffer and release the store."""
        if self._buffer:
            self.flush()
        if self._store is not None:
            self._store.close()

    def _write(self, batch: list[Event]) -> Outcome:
        try:
            store = self.store
            written = len(batch)
            if batch:
                store.record_many(batch)
            if self._check_spool:
                written += self.spool.flush(store)
                self._check_spool = False
        except EventStoreError as exc:
            return self._to_spool(batch, str(exc))
        return Outcome("stored", stored=written)

    def _to_spool(self, batch: list[Event], reason: str) -> Outcome:
        try:
            path = self.spool.append(batch)
        except OSError as exc:
            raise EventStoreError(
                _(
                    "{reason}; and the local spool {folder} cannot be written either "
                    "({error}). {count} event(s) were NOT recorded — tell your tutor."
                ).format(
                    reason=reason, folder=self.spool.folder, error=exc.strerror, count=len(batch)
                )
            ) from exc
        self._check_spool = True
        return Outcome(
            "spooled",
            spooled=len(self.spool.pending()),
            reason=reason,
            spool_file=str(path),
        )


_default: Recorder | None = None


def default_recorder() -> Recorder:
    """The process-wide recorder the widgets use (configured from ParcoursConfig)."""
    global _default
    if _default is None:
        _default = Recorder()
    return _default


def set_default_recorder(recorder: Recorder | None) -> None:
    """Replace the process-wide recorder (tests, or a deployment's own store)."""
    global _default
    _default = recorder
