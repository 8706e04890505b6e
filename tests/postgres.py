"""A real, throwaway PostgreSQL server for the tests (Debian's binaries, `.ci/setup`).

``postgres_server`` (session scope) runs ``initdb`` into a fresh folder and ``pg_ctl start``
on a free loopback port, its unix socket in that folder; it is stopped at the end of the
session. PostgreSQL refuses to run as root: as root, the server runs as the ``postgres``
account (the folder is given to it). Every test that asks for ``postgres_db`` gets a
database of its own (dropped afterwards), and ``database_url`` is parametrised over SQLite
and PostgreSQL so the same test runs on both.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from glob import glob
from pathlib import Path

import pytest

#: the superuser initdb creates (trust authentication: only this machine's loopback)
SUPERUSER = "parcours"


def _bindir() -> Path:
    found = sorted(glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError(
            "PostgreSQL's server binaries are missing (/usr/lib/postgresql/*/bin/pg_ctl): "
            "run `bash .ci/setup` (it installs Debian's postgresql package)."
        )
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    """A running server: its folder (data, socket, log) and loopback port."""

    folder: Path
    port: int
    user: str = SUPERUSER

    def url(self, database: str = "postgres", driver: str = "postgresql") -> str:
        """A URL for ``database`` (``driver`` ``postgresql+psycopg`` for SQLAlchemy)."""
        return f"{driver}://{self.user}@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        """Run one statement as the superuser, outside a transaction."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)


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
        conn.execute(sql)


def _as_server_account(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of its own for the test session."""
    bindir = _bindir()
    folder = Path(tempfile.mkdtemp(prefix="parcours-pg-"))  # short: the socket path
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    made = subprocess.run(
        _as_server_account(
            [str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust",
             "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]
        ),
        capture_output=True, text=True,
    )  # fmt: skip
    if made.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"initdb failed in {folder}: {made.stderr}")
    port = _free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log")]
    # -w: pg_ctl returns once the server accepts connections (or fails, saying why)
    started = subprocess.run(
        _as_server_account([*ctl, "-o", options, "-w", "-t", "60", "start"]),
        capture_output=True,
        text=True,
    )
    if started.returncode != 0:
        log = (folder / "server.log").read_text(errors="replace")
        raise RuntimeError(f"PostgreSQL did not start: {started.stderr}\n{log}")
    server = PostgresServer(folder, port)
    try:
        _wait_until_ready(bindir, server)
        yield server
    finally:
        subprocess.run(_as_server_account([*ctl, "-m", "fast", "-w", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_until_ready(bindir: Path, server: PostgresServer, timeout: float = 60) -> None:
    """pg_isready until the server answers (pg_ctl -w already waited: one call, usually)."""
    deadline = time.monotonic() + timeout
    while True:
        ready = subprocess.run(
            [str(bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(server.port)],
            timeout=timeout,
        )
        if ready.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL on port {server.port} is not ready")


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
        return self.server.url(f"{self.prefix}_events")

    @property
    def gradebook_url(self) -> str:
        """``ParcoursConfig.gradebook_url`` (with ``{course}``)."""
        if self.server is None:
            return f"sqlite:///{self.folder / 'courses' / '{course}' / 'gradebook.db'}"
        return self.server.url(f"{self.prefix}_{{course}}", driver="postgresql+psycopg")

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
