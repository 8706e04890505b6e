"""One connection per thread to the tutoring tables (SQLite file or PostgreSQL database),
made on first use, tables created when missing; writes in one transaction; every driver
error becomes an :class:`~parcours.errors.EventStoreError` naming the store."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Self

from ..errors import EventStoreError
from ..i18n import _
from .tables import DDL, DDL_LOCK, LAST_MADE, PG_DDL


class TutoringDatabase:
    """The connection side of :class:`~parcours.tutoring.store.TutoringStore`.

    :param url: ``sqlite:///<path>`` or ``postgresql://user@host/database``
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect = "sqlite" if url.startswith("sqlite:") else "postgresql"
        self._local = threading.local()

    # -- connection ---------------------------------------------------------------------
    def _connect(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        try:
            conn = self._open_sqlite() if self.dialect == "sqlite" else self._open_postgres()
        except (sqlite3.Error, OSError) as exc:
            raise self._error(_("cannot be opened"), exc) from None
        self._local.conn = conn
        return conn

    def _open_sqlite(self) -> sqlite3.Connection:
        path = Path(self.url.removeprefix("sqlite:///")).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        made = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = ?", (LAST_MADE,)
        ).fetchone()[0]
        if not made:
            conn.executescript(DDL)
        return conn

    def _open_postgres(self) -> Any:
        import psycopg

        from ..store.postgres import _unreachable, ensure_database, libpq_url

        try:
            ensure_database(self.url)
            conn = psycopg.connect(libpq_url(self.url), autocommit=True, connect_timeout=10)
            made = conn.execute(
                "SELECT 1 FROM pg_tables WHERE tablename = %s", (LAST_MADE,)
            ).fetchone()
            if made is None:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))
                    conn.execute(DDL + PG_DDL)
        except psycopg.Error as exc:
            raise EventStoreError(_unreachable(self.url, exc)) from None
        return conn

    @property
    def _db_errors(self) -> tuple[type[BaseException], ...]:
        """What the database driver raises (psycopg imported only for PostgreSQL)."""
        if self.dialect == "sqlite":
            return (sqlite3.Error,)
        import psycopg

        return (psycopg.Error,)

    def _error(self, what: str, exc: BaseException) -> EventStoreError:
        return EventStoreError(
            _("tutoring store {url} {what}: {error} — check the store (events_url)").format(
                url=self.url, what=what, error=" ".join(str(exc).split())
            )
        )

    def close(self) -> None:
        """Release this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _sql(self, sql: str) -> str:
        return sql if self.dialect == "sqlite" else sql.replace("?", "%s")

    def _run(self, statements: Iterable[tuple[str, Sequence[Any]]]) -> int:
        """Run writes in one transaction; how many rows they changed."""
        conn = self._connect()
        changed = 0
        try:
            if self.dialect == "sqlite":
                conn.execute("BEGIN IMMEDIATE")
                try:
                    for sql, params in statements:
                        changed += max(conn.execute(sql, params).rowcount, 0)
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            else:
                with conn.transaction():
                    for sql, params in statements:
                        changed += max(conn.execute(self._sql(sql), params).rowcount, 0)
        except EventStoreError:
            self.close()
            raise
        except self._db_errors as exc:
            self.close()
            raise self._error(_("refused a write"), exc) from None
        return changed

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return list(self._connect().execute(self._sql(sql), params).fetchall())
        except self._db_errors as exc:
            self.close()
            raise self._error(_("cannot be read"), exc) from None
