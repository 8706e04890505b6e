"""The event store on PostgreSQL (hub deployment): the same ``events`` table as the SQLite
store (:mod:`.table`), written by the Parcours service and read by the dashboards.

``events_url = "postgresql://parcours@127.0.0.1/parcours_events"`` (``postgresql+psycopg://``
and ``postgres://`` are accepted too, so the gradebooks' SQLAlchemy URL form can be copied).
The database is created when missing (the role needs ``CREATEDB``, or create it once by
hand: docs/deployment.md), then the table, indexes and change counter. Writes are one
transaction per batch; ``INSERT … ON CONFLICT (id) DO NOTHING`` makes a replayed spool
harmless, as ``INSERT OR IGNORE`` does on SQLite. psycopg 3 is imported only here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import EventStoreError, ParcoursError
from ..i18n import _
from .base import EventFilter, EventStore, as_filter
from .events import COLUMNS, Event
from .table import CHANGES, ddl

if TYPE_CHECKING:
    import psycopg

#: URL schemes of a PostgreSQL store (SQLAlchemy's driver suffix is dropped for libpq)
POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")

INSERT = (
    f"INSERT INTO events ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join('%s' for _ in COLUMNS)}) ON CONFLICT (id) DO NOTHING"
)
#: databases whose table this process has made sure of
_ready: set[str] = set()
_ready_lock = threading.Lock()
#: one lock for everyone creating the table at once (pg_advisory_xact_lock's key)
_DDL_LOCK = 0x50617263  # "Parc"


def libpq_url(url: str) -> str:
    """``url`` as libpq reads it: ``postgresql+psycopg://`` → ``postgresql://``."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in POSTGRES_SCHEMES:
        raise EventStoreError(
            _(
                "{url!r} is not a PostgreSQL URL: write postgresql://user@host[:port]/database"
            ).format(url=url)
        )
    return "postgresql://" + rest


def database_name(url: str) -> str:
    """The database a PostgreSQL URL names (the path after the host)."""
    from urllib.parse import unquote, urlsplit

    name = unquote(urlsplit(libpq_url(url)).path.lstrip("/"))
    if not name:
        raise EventStoreError(
            _("{url!r} names no database: write postgresql://user@host[:port]/database").format(
                url=url
            )
        )
    return name


def _maintenance_url(url: str) -> str:
    """The same server and role, database ``postgres`` (to create another database)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(libpq_url(url))
    return urlunsplit(parts._replace(path="/postgres"))


def ensure_database(url: str, error: type[ParcoursError] = EventStoreError) -> bool:
    """Create the database ``url`` names when it does not exist (as the URL's role, which
    needs ``CREATEDB``); True when it was created. Used for the event store, the service's
    history and each course's gradebook (``postgresql+psycopg://…/parcours_{course}``);
    failures raise ``error``."""
    import psycopg
    from psycopg import errors, sql

    name = database_name(url)
    try:
        with psycopg.connect(libpq_url(url), connect_timeout=10):
            return False  # it exists (the common case: one connection, no catalogue query)
    except psycopg.OperationalError as exc:
        refused = exc  # a missing database, or a server, role or password problem
    try:  # the catalogue says which (the server's messages may be in another language)
        with psycopg.connect(_maintenance_url(url), autocommit=True, connect_timeout=10) as conn:
            known = "SELECT 1 FROM pg_database WHERE datname = %s"
            if conn.execute(known, (name,)).fetchone() is not None:
                raise error(_unreachable(url, refused))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    except errors.DuplicateDatabase:
        return False  # another process made it meanwhile
    except psycopg.OperationalError:
        raise error(_unreachable(url, refused)) from None
    except psycopg.Error as exc:
        raise error(
            f"PostgreSQL database {name!r} does not exist and cannot be created "
            f"({' '.join(str(exc).split())}). Create it once as the server's administrator: "
            f"createdb -O <role> {name} (docs/deployment.md, PostgreSQL), or grant the role "
            "CREATEDB."
        ) from None


def _unreachable(url: str, exc: BaseException) -> str:
    from urllib.parse import urlsplit

    where = urlsplit(libpq_url(url))
    shown = f"{where.hostname or 'local socket'}:{where.port or 5432}/{where.path.lstrip('/')}"
    return (
        f"PostgreSQL at {shown} cannot be reached ({' '.join(str(exc).split())}) — check that the "
        "server runs, that the role may connect (pg_hba.conf), and the URL in "
        "jupyter_config.py"
    )


class PostgresEventStore(EventStore):
    """Events in a PostgreSQL database; one connection per thread.

    :param url: ``postgresql://user[:password]@host[:port]/database``
    :param validate: check each event against the schema before writing
    """

    dialect = "postgresql"

    def __init__(self, url: str, *, validate: bool = True):
        self.url = url
        self.conninfo = libpq_url(url)
        self.validate = validate
        self._local = threading.local()

    # -- connection ---------------------------------------------------------------------
    def _connect(self) -> psycopg.Connection[Any]:
        conn: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if conn is not None and not conn.closed:
            return conn
        import psycopg

        try:
            with _ready_lock:  # once per process and database: the service opens a store
                ready = self.conninfo in _ready  # per request
                if not ready:
                    ensure_database(self.url)
            conn = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=10)
            if not ready:
                with _ready_lock:
                    self._create_table(conn)
                    _ready.add(self.conninfo)
        except psycopg.Error as exc:
            raise EventStoreError(_unreachable(self.url, exc)) from None
        self._local.conn = conn
        return conn

    @staticmethod
    def _create_table(conn: psycopg.Connection[Any]) -> None:
        """The table, indexes and change counter, unless already there (one creator at a
        time: concurrent ``CREATE … IF NOT EXISTS`` may collide in PostgreSQL)."""
        row = conn.execute("SELECT 1 FROM pg_trigger WHERE tgname = 'events_changed'").fetchone()
        if row is not None:
            return
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_DDL_LOCK,))
            conn.execute(ddl("postgresql"))

    def _error(self, what: str, exc: BaseException) -> EventStoreError:
        return EventStoreError(
            _(
                "event store {database!r} (PostgreSQL) {what}: {error} — check the "
                "server's log; the events stay in the spool"
            ).format(database=database_name(self.url), what=what, error=str(exc).strip())
        )

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- writing ------------------------------------------------------------------------
    def record_many(self, events: Iterable[Event]) -> int:
        import psycopg

        rows = self._rows(events)
        if not rows:
            return 0
        conn = self._connect()
        try:
            with conn.transaction(), conn.cursor() as cursor:
                cursor.executemany(INSERT, rows, returning=False)
                return max(cursor.rowcount, 0)
        except psycopg.Error as exc:
            self.close()  # a broken connection is reopened on the next call
            raise self._error(_("refused a write"), exc) from None

    def record_batches(self, batches: Sequence[Iterable[Event]]) -> list[int]:
        """One transaction, one pipelined ``INSERT … RETURNING id`` per row: the rows each
        returned (1: new, 0: already stored) say how many of each batch were new."""
        import psycopg

        rows = [self._rows(batch) for batch in batches]  # every event checked first
        if not any(rows):
            return [0] * len(rows)
        conn = self._connect()
        try:
            with conn.transaction(), conn.cursor() as cursor:
                cursor.executemany(
                    INSERT + " RETURNING id", [r for batch in rows for r in batch], returning=True
                )
                new = [cursor.rowcount > 0]
                while cursor.nextset():
                    new.append(cursor.rowcount > 0)
        except psycopg.Error as exc:
            self.close()  # a broken connection is reopened on the next call
            raise self._error(_("refused a write"), exc) from None
        counts, start = [], 0
        for batch in rows:
            counts.append(sum(new[start : start + len(batch)]))
            start += len(batch)
        return counts

    def _rewrite(self, sql: str, params: tuple[Any, ...], what: str) -> int:
        """Run ``sql``, then ``VACUUM FULL`` the table: the old row versions are gone from
        its files (not only marked free). Backups and WAL archives keep theirs for their
        own retention period (docs/privacy.md)."""
        import psycopg

        conn = self._connect()
        try:
            changed = conn.execute(sql, params).rowcount
            conn.execute("VACUUM FULL events")
            return max(int(changed), 0)
        except psycopg.Error as exc:
            self.close()
            raise self._error(what, exc) from None

    # -- reading ------------------------------------------------------------------------
    @staticmethod
    def _where(where: EventFilter) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        for name in ("course", "actor", "verb", "object_type", "lesson"):
            value = getattr(where, name)
            if value is not None:
                clauses.append(f"{name} = %s")
                params.append(value)
        if where.since:
            clauses.append("timestamp >= %s")
            params.append(where.since)
        if where.until:
            clauses.append("timestamp < %s")
            params.append(where.until)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def _query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        import psycopg

        try:
            return self._connect().execute(sql, params).fetchall()
        except psycopg.Error as exc:
            self.close()
            raise self._error(_("cannot be read"), exc) from None

    def read(self, where: EventFilter | None = None, **filters: Any) -> list[Event]:
        sql, params = self._where(as_filter(where, filters))
        rows = self._query(
            f"SELECT {', '.join(COLUMNS)} FROM events{sql} ORDER BY timestamp, id", params
        )
        return [Event(**dict(zip(COLUMNS, row, strict=True))) for row in rows]

    def count(self, where: EventFilter | None = None, **filters: Any) -> int:
        sql, params = self._where(as_filter(where, filters))
        return int(self._query(f"SELECT COUNT(*) FROM events{sql}", params)[0][0])

    def changes(self) -> int | None:
        rows = self._query(CHANGES, ())
        return int(rows[0][0]) if rows else None
