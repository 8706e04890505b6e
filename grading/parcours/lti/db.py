"""What the LTI tool remembers, in one SQLite file (``<data_dir>/lti.sqlite``, WAL).

- ``launch_states``: each OIDC login's ``state`` and ``nonce``, used once;
- ``people``: the account made for each (issuer, ``sub``), her role and course;
  ``people_history``: every arrival, departure and role change the LMS's roster made;
- ``contexts``: each LMS course Parcours was launched from, and its service endpoints
  (line items, memberships) from the launch's claims;
- ``lineitems``: the LMS gradebook column of each assignment;
- ``scores``: the outbox of scores to pass back (:mod:`.ags`);
- ``registrations``: platforms registered by dynamic registration (:mod:`.registration`),
  and the one-use ``registration_tickets`` that allow it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..safefs import plain_file

if TYPE_CHECKING:
    from ..config import ParcoursConfig

SCHEMA = """
CREATE TABLE IF NOT EXISTS launch_states (
    state TEXT PRIMARY KEY, nonce TEXT NOT NULL, issuer TEXT NOT NULL,
    client_id TEXT NOT NULL, made REAL NOT NULL);
CREATE TABLE IF NOT EXISTS people (
    issuer TEXT NOT NULL, subject TEXT NOT NULL, account TEXT NOT NULL, role TEXT NOT NULL,
    course TEXT NOT NULL, updated TEXT NOT NULL, PRIMARY KEY (issuer, subject, course));
CREATE INDEX IF NOT EXISTS people_account ON people (account);
CREATE TABLE IF NOT EXISTS people_history (
    issuer TEXT NOT NULL, subject TEXT NOT NULL, account TEXT NOT NULL,
    course TEXT NOT NULL, change TEXT NOT NULL, before TEXT NOT NULL, after TEXT NOT NULL,
    at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contexts (
    course TEXT NOT NULL, issuer TEXT NOT NULL, client_id TEXT NOT NULL,
    deployment_id TEXT NOT NULL, context_id TEXT NOT NULL, lineitems_url TEXT NOT NULL,
    memberships_url TEXT NOT NULL, scopes TEXT NOT NULL, updated TEXT NOT NULL,
    PRIMARY KEY (course, issuer, context_id));
CREATE TABLE IF NOT EXISTS lineitems (
    course TEXT NOT NULL, issuer TEXT NOT NULL, context_id TEXT NOT NULL,
    assignment TEXT NOT NULL, url TEXT NOT NULL, maximum REAL NOT NULL,
    PRIMARY KEY (course, issuer, context_id, assignment));
CREATE TABLE IF NOT EXISTS scores (
    id INTEGER PRIMARY KEY, course TEXT NOT NULL, assignment TEXT NOT NULL,
    account TEXT NOT NULL, version TEXT NOT NULL, score REAL NOT NULL,
    maximum REAL NOT NULL, progress TEXT NOT NULL, comment TEXT NOT NULL,
    timestamp TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0, next_at REAL NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '', sent_at TEXT NOT NULL DEFAULT '',
    UNIQUE (course, assignment, account, version));
CREATE INDEX IF NOT EXISTS scores_due ON scores (status, next_at);
CREATE TABLE IF NOT EXISTS registrations (
    issuer TEXT NOT NULL, client_id TEXT NOT NULL, platform TEXT NOT NULL,
    registered TEXT NOT NULL, PRIMARY KEY (issuer, client_id));
CREATE TABLE IF NOT EXISTS registration_tickets (
    digest TEXT PRIMARY KEY, course TEXT NOT NULL, made REAL NOT NULL);
"""


def db_path(config: ParcoursConfig) -> Path:
    """The tool's database file."""
    return Path(config.data_dir) / "lti.sqlite"


@contextlib.contextmanager
def connect(config: ParcoursConfig) -> Iterator[sqlite3.Connection]:
    """A connection to the tool's database (made the first time, 0600), closed after the
    block. Autocommit: each statement is its own transaction, and :func:`transaction`
    groups several."""
    with sqlite_file(db_path(config), SCHEMA) as connection:
        yield connection


@contextlib.contextmanager
def sqlite_file(path: Path, schema: str) -> Iterator[sqlite3.Connection]:
    """A connection to one of the LMS side's SQLite files (the tool's, the LRS outbox),
    made 0600 the first time with ``schema``; autocommit, WAL, each commit on the disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(plain_file(path))  # a link planted in its place is refused, not followed
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.executescript(schema)
        yield connection
    finally:
        connection.close()


@contextlib.contextmanager
def one_at_a_time(config: ParcoursConfig, lock: str) -> Iterator[None]:
    """One holder at a time on this machine of the lock file ``lock`` in the data folder
    (cron and a teacher's command never send the same scores or statements at once)."""
    import fcntl

    path = Path(config.data_dir) / lock
    path.parent.mkdir(parents=True, exist_ok=True)
    with os.fdopen(plain_file(path), "r+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction (``BEGIN IMMEDIATE``: two writers never interleave)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
