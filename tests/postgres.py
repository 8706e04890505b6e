"""A real, throwaway PostgreSQL server for the tests (Debian's binaries, `.ci/setup`).

``postgres_server`` (session scope) runs ``initdb`` into a fresh folder and ``pg_ctl start``
on a free loopback port, its unix socket in that folder
(:class:`parcours.store.pgserver.PostgresServer`: as root, the server runs as the
``postgres`` account, which PostgreSQL requires); it is stopped at the end of the session.
A test asking for ``postgres_db`` gets a database of its own (dropped afterwards); one
asking for ``databases`` runs twice, its stores on SQLite then on PostgreSQL.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from parcours.store.pgserver import PostgresServer


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of its own for the test session (stopped and removed after)."""
    folder = Path(tempfile.mkdtemp(prefix="parcours-pg-"))  # short: the socket's path
    try:
        with PostgresServer(folder).start() as server:
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def edit_table(url: str, sql: str) -> None:
    """Run ``sql`` on the store at ``url`` behind Parcours' back (as someone with a database
    client, or a hostile writer, would)."""
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute(sql)
        return
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(sql.encode("utf-8"))


_numbers = itertools.count(1)


@pytest.fixture
def postgres_db(postgres_server: PostgresServer) -> Iterator[str]:
    """The name of a fresh, empty database for one test (dropped afterwards)."""
    name = f"t{os.getpid()}_{next(_numbers)}"
    postgres_server.execute(f"CREATE DATABASE {name}")
    yield name
    postgres_server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass
class Databases:
    """Where one test's stores live: SQLite files in its folder, or PostgreSQL databases of
    its own on the session's server (named ``<prefix>_…``, dropped afterwards)."""

    kind: str
    folder: Path
    server: PostgresServer | None = None
    prefix: str = ""

    @property
    def events_url(self) -> str:
        """``ParcoursConfig.events_url``."""
        if self.server is None:
            return f"sqlite:///{self.folder / 'events.sqlite'}"
        return self.server.parcours_urls(self.prefix)["events_url"]

    @property
    def gradebook_url(self) -> str:
        """``ParcoursConfig.gradebook_url`` (with ``{course}``)."""
        if self.server is None:
            return f"sqlite:///{self.folder / 'courses' / '{course}' / 'gradebook.db'}"
        return self.server.parcours_urls(self.prefix)["gradebook_url"]

    def write_config(self, folder: Path) -> Path:
        """Name these stores in ``folder/jupyter_config.py`` (give the test's Jupyter config
        folder: ``load_config`` and every ``parcours`` command then use them)."""
        path = folder / "jupyter_config.py"
        path.write_text(
            f"c.ParcoursConfig.events_url = {self.events_url!r}\n"
            f"c.ParcoursConfig.gradebook_url = {self.gradebook_url!r}\n",
            encoding="utf-8",
        )
        return path


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Databases]:
    """The stores of one test, on SQLite then on PostgreSQL: a test asking for it runs on
    both. Only the PostgreSQL run starts the server (once per session)."""
    if request.param == "sqlite":
        yield Databases("sqlite", tmp_path / "stores")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    prefix = f"t{os.getpid()}_{next(_numbers)}"
    yield Databases("postgresql", tmp_path / "stores", server, prefix)
    import psycopg

    with psycopg.connect(server.url(), autocommit=True) as conn:
        names = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (prefix + "\\_%",)
        ).fetchall()
        for (name,) in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
