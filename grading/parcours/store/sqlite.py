"""The embedded event store: one SQLite file, WAL mode, safe with several writer processes.

Every learner kernel on a machine (or a shared file system that supports locks) appends to
the same file. WAL lets readers (dashboards) run while kernels write; ``busy_timeout``
makes a writer wait for another's lock instead of failing; ``INSERT OR IGNORE`` on the
event id makes a replayed spool harmless.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..errors import EventStoreError
from ..i18n import _
from .base import EventFilter, EventStore, as_filter
from .events import COLUMNS, Event
from .table import CHANGES, OBJECTS, ddl

DDL = ddl("sqlite")
#: counts the objects DDL makes: once all exist, opening the store writes nothing (seeding
#: the change counter would take the write lock on every kernel's first event)
_MADE = (
    "SELECT count(*) FROM sqlite_master WHERE name IN "
    f"({', '.join(repr(name) for name in OBJECTS)})"
)

INSERT = (
    f"INSERT OR IGNORE INTO events ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in COLUMNS)})"
)


class SQLiteEventStore(EventStore):
    """Events in a SQLite file (created with its folder when missing).

    :param path: the database file
    :param busy_timeout_ms: how long a writer waits for another writer's lock
    :param validate: check each event against the schema before writing
    """

    dialect = "sqlite"

    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 10_000, validate: bool = True):
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self.busy_timeout_ms = busy_timeout_ms
        self.validate = validate
        self._local = threading.local()

    # -- connection ---------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(f"journal_mode is {mode}, WAL refused")
            conn.execute("PRAGMA synchronous = NORMAL")
            if conn.execute(_MADE).fetchone()[0] < len(OBJECTS):
                conn.executescript(DDL)  # a new store, or one made before the counter
        except (sqlite3.Error, OSError) as exc:
            if conn is not None:
                conn.close()
            raise self._error(_("cannot be opened"), exc) from exc
        self._local.conn = conn
        return conn

    def _error(self, what: str, exc: BaseException) -> EventStoreError:
        hint = _("check that the folder exists and is writable")
        text = str(exc)
        if "not a database" in text or "malformed" in text:
            hint = _(
                "the file is damaged: move it aside (keep it for recovery) and a new one is made"
            )
        elif "locked" in text or "busy" in text:
            hint = _("another process holds a long write lock; retry later")
        return EventStoreError(
            _("event store {path} {what}: {error} — {hint}").format(
                path=self.path, what=what, error=text, hint=hint
            )
        )

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- writing ------------------------------------------------------------------------
    def record_many(self, events: Iterable[Event]) -> int:
        rows = self._rows(events)
        if not rows:
            return 0
        conn = self._connect()
        try:
            before = conn.total_changes
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(INSERT, rows)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return conn.total_changes - before
        except sqlite3.Error as exc:
            # a connection that failed may be unusable (file replaced, corrupt): reopen later
            self.close()
            raise self._error(_("refused a write"), exc) from exc

    def record_batches(self, batches: Sequence[Iterable[Event]]) -> list[int]:
        rows = [self._rows(batch) for batch in batches]  # every event checked first
        if not any(rows):
            return [0] * len(rows)
        conn = self._connect()
        try:
            counts = []
            conn.execute("BEGIN IMMEDIATE")
            try:
                for batch in rows:
                    before = conn.total_changes
                    conn.executemany(INSERT, batch)
                    counts.append(conn.total_changes - before)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return counts
        except sqlite3.Error as exc:
            # a connection that failed may be unusable (file replaced, corrupt): reopen later
            self.close()
            raise self._error(_("refused a write"), exc) from exc

    def _rewrite(self, sql: str, params: tuple[Any, ...], what: str) -> int:
        """Run ``sql``, then rewrite the file (VACUUM, WAL truncated) so that the old
        values leave no trace in free pages."""
        conn = self._connect()
        try:
            changed = conn.execute(sql, params).rowcount
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return int(changed)
        except sqlite3.Error as exc:
            self.close()
            raise self._error(what, exc) from exc

    # -- reading ------------------------------------------------------------------------
    @staticmethod
    def _where(where: EventFilter) -> tuple[str, list[Any]]:
        clauses, params = [], []
        for name in ("course", "actor", "verb", "object_type", "lesson"):
            value = getattr(where, name)
            if value is not None:
                clauses.append(f"{name} = ?")
                params.append(value)
        if where.since:
            clauses.append("timestamp >= ?")
            params.append(where.since)
        if where.until:
            clauses.append("timestamp < ?")
            params.append(where.until)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def read(self, where: EventFilter | None = None, **filters: Any) -> list[Event]:
        sql, params = self._where(as_filter(where, filters))
        try:
            cursor = self._connect().execute(
                f"SELECT {', '.join(COLUMNS)} FROM events{sql} ORDER BY timestamp, id", params
            )
            return [Event(**dict(zip(COLUMNS, row, strict=True))) for row in cursor]
        except sqlite3.Error as exc:
            self.close()
            raise self._error(_("cannot be read"), exc) from exc

    def count(self, where: EventFilter | None = None, **filters: Any) -> int:
        sql, params = self._where(as_filter(where, filters))
        try:
            cursor = self._connect().execute(f"SELECT COUNT(*) FROM events{sql}", params)
            return int(cursor.fetchone()[0])
        except sqlite3.Error as exc:
            self.close()
            raise self._error(_("cannot be read"), exc) from exc

    def changes(self) -> int | None:
        try:
            row = self._connect().execute(CHANGES).fetchone()
            return None if row is None else int(row[0])
        except sqlite3.Error as exc:
            self.close()
            raise self._error(_("cannot be read"), exc) from exc
