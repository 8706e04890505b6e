"""The Parcours service's history of each course: who did what, when (released, fetched,
submitted, collected, feedback released, feedback fetched…), append-only, read by the
course's teachers (``GET api/courses/<course>/history``).

Two backends, chosen from the configuration (:func:`open_history`):

- one machine (``events_url`` is SQLite or anything else): one JSON line per entry in
  ``<data_dir>/courses/<course>/history.jsonl``, only ever appended to;
- hub deployment (``events_url`` is PostgreSQL): the ``history`` table of the events
  database, where a trigger refuses any ``UPDATE``, ``DELETE`` or ``TRUNCATE``.

The service's clock stamps each entry (``at``, ISO 8601 UTC, seconds).
"""

from __future__ import annotations

import abc
import datetime as dt
import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ParcoursError
from ..i18n import _

if TYPE_CHECKING:
    import psycopg

    from ..config import ParcoursConfig

#: file name of a course's history on one machine
HISTORY = "history.jsonl"
#: the fields of an entry, in order
FIELDS = ("at", "who", "what", "assignment")
#: the entry of a login (``hub/workspace.py``), one per course the person learns in
LOGGED_IN = "logged-in"

_POSTGRESQL_DDL = """
CREATE TABLE IF NOT EXISTS history (
    n BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    course TEXT NOT NULL,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    what TEXT NOT NULL,
    assignment TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS history_course ON history (course, n);
CREATE OR REPLACE FUNCTION history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the Parcours history is append-only: % refused', TG_OP;
END $$;
CREATE OR REPLACE TRIGGER history_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
    ON history FOR EACH STATEMENT EXECUTE FUNCTION history_append_only();
"""
#: pg_advisory_xact_lock key: one creator of the table at a time
_DDL_LOCK = 0x48697374  # "Hist"


class HistoryError(ParcoursError):
    """The history cannot be written or read."""


class History(abc.ABC):
    """Where the service's history is kept."""

    @abc.abstractmethod
    def append(self, course: str, entry: dict[str, str]) -> None:
        """Add one entry (``FIELDS``) to ``course``'s history."""

    @abc.abstractmethod
    def entries(self, course: str) -> list[dict[str, str]]:
        """``course``'s history, oldest first."""

    def forget(self, who: str, replacement: str) -> int:
        """GDPR erasure: ``who`` becomes ``replacement`` in every entry (the one change
        the append-only history accepts). The files of :class:`FileHistory` are scrubbed
        with the data folder's other files; returns the entries changed here."""
        return 0


_path_locks: dict[str, threading.Lock] = {}
_path_locks_lock = threading.Lock()


def path_lock(path: Path) -> threading.Lock:
    """The one lock of the file ``path`` in this process, whoever appends to it (every
    :class:`FileHistory` made for the same configuration, the service's problems): two
    appends never interleave their lines."""
    key = str(path)
    with _path_locks_lock:
        return _path_locks.setdefault(key, threading.Lock())


class FileHistory(History):
    """One JSON-lines file per course, beside its nbgrader folders (one machine)."""

    def __init__(self, config: ParcoursConfig):
        self.config = config

    def path(self, course: str) -> Path:
        """The history file of ``course``."""
        return Path(self.config.course_root(course)) / HISTORY

    def append(self, course: str, entry: dict[str, str]) -> None:
        from ..safefs import append_plain

        path = self.path(course)
        try:
            with path_lock(path):
                # writable by the folder's group too (the service and a course's grader
                # account share the course folder) and, when root made it (the hub's
                # login hook), owned like its folder, so that the service still appends
                # to it; whatever the grader account put there in its place (a link to a
                # file elsewhere, a FIFO) is refused, never written through or chowned
                line = json.dumps(entry, ensure_ascii=False) + "\n"
                append_plain(path, line.encode("utf-8"), 0o660, like_folder=True)
        except OSError as exc:
            raise HistoryError(
                _(
                    "{path}: the course's history cannot be written ({error}); check the "
                    "folder's owner and free space"
                ).format(path=path, error=exc)
            ) from exc

    def entries(self, course: str) -> list[dict[str, str]]:
        import os

        from ..safefs import open_folder, open_in

        path = self.path(course)
        try:
            folder = open_folder(path.parent)
        except FileNotFoundError:
            return []
        try:  # never through a link put in the course folder (see append)
            with os.fdopen(open_in(folder, path.name, os.O_RDONLY), encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise HistoryError(
                _(
                    "{path}: the course's history cannot be read ({error}); it must be a "
                    "plain file of the course's data folder"
                ).format(path=path, error=exc)
            ) from exc
        finally:
            os.close(folder)
        return [json.loads(line) for line in text.splitlines() if line]


class PostgresHistory(History):
    """The ``history`` table of the PostgreSQL events database (hub deployment)."""

    def __init__(self, url: str, connect_timeout: float = 10.0):
        from ..store.postgres import libpq_url

        self.url = url
        self.connect_timeout = connect_timeout
        self.conninfo = libpq_url(url)
        self._local = threading.local()
        self._ready = False
        self._lock = threading.Lock()

    def _connect(self) -> psycopg.Connection[Any]:
        conn: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if conn is not None and not conn.closed:
            return conn
        import psycopg

        from ..store.postgres import ensure_database

        with self._lock:
            if not self._ready:
                ensure_database(self.url, error=HistoryError)
            conn = psycopg.connect(
                self.conninfo,
                autocommit=True,
                connect_timeout=max(1, round(self.connect_timeout)),
            )
            if not self._ready:
                exists = conn.execute(
                    "SELECT 1 FROM pg_trigger WHERE tgname = 'history_append_only'"
                ).fetchone()
                if exists is None:
                    with conn.transaction():
                        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_DDL_LOCK,))
                        conn.execute(_POSTGRESQL_DDL)
                self._ready = True
        self._local.conn = conn
        return conn

    def _run(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        import psycopg

        try:
            cursor = self._connect().execute(sql, params)
            return cursor.fetchall() if cursor.description else []
        except psycopg.Error as exc:
            conn = getattr(self._local, "conn", None)
            if conn is not None:
                conn.close()
            raise HistoryError(
                _(
                    "the history in PostgreSQL ({server}) cannot be used: {error} — check "
                    "that the server runs and the role may write"
                ).format(server=self.url.rsplit("@", 1)[-1], error=str(exc).strip())
            ) from None

    def append(self, course: str, entry: dict[str, str]) -> None:
        self._run(
            "INSERT INTO history (course, at, who, what, assignment) VALUES (%s, %s, %s, %s, %s)",
            (course, *(entry[f] for f in FIELDS)),
        )

    def entries(self, course: str) -> list[dict[str, str]]:
        rows = self._run(
            f"SELECT {', '.join(FIELDS)} FROM history WHERE course = %s ORDER BY n", (course,)
        )
        return [dict(zip(FIELDS, row, strict=True)) for row in rows]

    def forget(self, who: str, replacement: str) -> int:
        import psycopg

        try:
            conn = self._connect()
            with conn.transaction():
                conn.execute("ALTER TABLE history DISABLE TRIGGER history_append_only")
                changed = conn.execute(
                    "UPDATE history SET who = %s WHERE who = %s", (replacement, who)
                ).rowcount
                conn.execute("ALTER TABLE history ENABLE TRIGGER history_append_only")
            conn.execute("VACUUM FULL history")  # the old row versions leave the files
            return max(int(changed), 0)
        except psycopg.Error as exc:
            raise HistoryError(
                _("the history in PostgreSQL cannot be erased: {error}").format(
                    error=str(exc).strip()
                )
            ) from None


_opened: dict[str, History] = {}
_opened_lock = threading.Lock()


def open_history(config: ParcoursConfig) -> History:
    """The history backend the configuration names: PostgreSQL when ``events_url`` is a
    PostgreSQL database, else the JSON-lines files (one per course). Kept open (one
    connection per thread) for the service's life."""
    from ..store.postgres import POSTGRES_SCHEMES

    url = str(config.events_url)
    if url.split("://", 1)[0] not in POSTGRES_SCHEMES:
        return FileHistory(config)
    with _opened_lock:
        if url not in _opened:
            _opened[url] = PostgresHistory(url, float(config.history_connect_timeout_s))
        return _opened[url]


def entry(who: str, what: str, assignment: str) -> dict[str, str]:
    """One history entry, stamped now (the service's clock)."""
    return {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "who": who,
        "what": what,
        "assignment": assignment,
    }


def record(config: ParcoursConfig, course: str, who: str, what: str, assignment: str) -> None:
    """Append one entry to ``course``'s history (who, what, when: the service's clock),
    now, in this thread (the service writes through :class:`.histwriter.HistoryWriter`)."""
    open_history(config).append(course, entry(who, what, assignment))


def read(config: ParcoursConfig, course: str) -> list[dict[str, str]]:
    """``course``'s history, oldest first."""
    return open_history(config).entries(course)
