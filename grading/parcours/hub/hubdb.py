"""JupyterHub's own SQLite database, written without waiting for the disk at each commit.

JupyterHub writes its database on its event loop: a login (the user, the session), the
OAuth authorisation of each service a person opens (a code, then a token) and the API
calls services make each commit once or more. In SQLite's default journal (``DELETE``,
``synchronous=FULL``) each commit waits for several ``fsync``: 19 ms a commit on this
project's machines when idle, more under load — and the whole hub waits with it, every
other person's login and redirect included. With 10 learners logging in at once, the
hub's login answered in 2 to 3 s (issue #24).

In write-ahead-log mode with ``synchronous=NORMAL`` a commit is an append to the log
(0.06 ms there); the log is synced at checkpoints. The database stays consistent after a
crash or a power cut; what a power cut may lose is the last commits — sessions and tokens,
which people get again by logging in. (SQLite's WAL needs the database on a local disk,
as the hub's data folder is: ``<data_dir>/hub``, not a network share.)
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

#: the hub database's journal and sync modes (see the module's docstring)
PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")


def sqlite_file(db_url: str) -> str | None:
    """The file of an SQLAlchemy SQLite URL (``sqlite:////abs/path.sqlite``), else None."""
    prefix = "sqlite:///"
    if not db_url.startswith(prefix) or db_url.endswith(":memory:"):
        return None
    return os.path.realpath(db_url[len(prefix) :].split("?", 1)[0])


def quick_commits(db_url: str) -> bool:
    """Have every connection this process opens to the SQLite database ``db_url`` (the
    hub's: ``c.JupyterHub.db_url``) write ahead to a log, synced at checkpoints. Other
    databases are left as they are. Returns whether ``db_url`` is such a database."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    target = sqlite_file(db_url)
    if target is None:
        return False

    def on_connect(connection: Any, _record: Any) -> None:
        if not isinstance(connection, sqlite3.Connection) or _main_file(connection) != target:
            return
        for pragma in PRAGMAS:
            connection.execute(pragma).close()

    if target not in _listeners:
        _listeners[target] = on_connect
        event.listen(Engine, "connect", on_connect)
    return True


#: the listener installed for each database file (once per process)
_listeners: dict[str, Any] = {}


def _main_file(connection: sqlite3.Connection) -> str:
    for _seq, name, path in connection.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return os.path.realpath(path) if path else ""
    return ""
