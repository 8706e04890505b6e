"""A throwaway PostgreSQL server of its own, for the tests and the benchmarks.

Debian's server binaries (``/usr/lib/postgresql/<version>/bin``, installed by ``.ci/setup``):
``initdb`` into a folder, ``pg_ctl start`` on a free loopback port with its unix socket in
that folder, trust authentication for the superuser :data:`SUPERUSER` (loopback only),
durability off (a throwaway). PostgreSQL refuses to run as root: as root, the server runs
as the ``postgres`` account, which is given the folder. Not for real classes: those use
the machine's own server (docs/deployment.md, "PostgreSQL: the hub's databases")::

    with PostgresServer(Path("/tmp/pg")).start() as server:
        urls = server.parcours_urls()   # {"events_url": …, "gradebook_url": …}
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from glob import glob
from pathlib import Path

from ..errors import ParcoursError
from ..i18n import _

#: the superuser initdb creates, and the role Parcours connects as
SUPERUSER = "parcours"
#: the server's settings: loopback only, durability off, room for a load test
SETTINGS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
    "-c full_page_writes=off -c max_connections=300"
)


def bindir() -> Path:
    """The newest installed PostgreSQL's server binaries."""
    found = sorted(glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise ParcoursError(
            _(
                "PostgreSQL's server binaries are missing "
                "(/usr/lib/postgresql/*/bin/pg_ctl): run `bash .ci/setup` (it installs "
                "Debian's postgresql package)."
            )
        )
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_account(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class PostgresServer:
    """A server whose data, socket and log live in ``folder`` (made; short: the socket's
    path must fit 107 bytes)."""

    folder: Path
    port: int = 0
    user: str = SUPERUSER

    @property
    def data(self) -> Path:
        """The cluster's data folder."""
        return self.folder / "data"

    def _ctl(self) -> list[str]:
        return [str(bindir() / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log")]

    def start(self, timeout: float = 60) -> PostgresServer:
        """initdb (first time) and start; returns once the server accepts connections."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            reach = subprocess.run(_as_server_account(["test", "-w", str(self.folder)]))
            if reach.returncode != 0:
                raise ParcoursError(
                    _(
                        "the postgres account cannot reach {folder}: let it through the folders "
                        "above (chmod o+x), or start the server in a folder under /tmp"
                    ).format(folder=self.folder)
                )
        if not (self.data / "PG_VERSION").is_file():
            made = subprocess.run(
                _as_server_account(
                    [str(bindir() / "initdb"), "-D", str(self.data), "-U", self.user,
                     "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]
                ),
                capture_output=True, text=True,
            )  # fmt: skip
            if made.returncode != 0:
                raise ParcoursError(
                    _("initdb failed in {folder}: {error}").format(
                        folder=self.data, error=made.stderr.strip()
                    )
                )
        self.port = self.port or _free_port()
        options = f"{SETTINGS} -c port={self.port} -c unix_socket_directories={self.folder}"
        # -w: pg_ctl returns once the server accepts connections (or has failed)
        started = subprocess.run(
            _as_server_account(
                [*self._ctl(), "-o", options, "-w", "-t", str(int(timeout)), "start"]
            ),
            capture_output=True,
            text=True,
        )
        if started.returncode != 0:
            log = (self.folder / "log").read_text(errors="replace")[-3000:]
            raise ParcoursError(
                _("PostgreSQL did not start in {folder}: {error}{log}").format(
                    folder=self.folder, error=started.stderr, log=log
                )
            )
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        """pg_isready until it answers (after ``pg_ctl -w``: the first call, normally)."""
        deadline = time.monotonic() + timeout
        command = [str(bindir() / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)]
        while subprocess.run(command, timeout=timeout).returncode != 0:
            if time.monotonic() > deadline:
                raise ParcoursError(
                    _("PostgreSQL on port {port} does not answer").format(port=self.port)
                )

    def stop(self) -> None:
        """Stop the server (fast shutdown: clients are disconnected)."""
        if (self.data / "postmaster.pid").is_file():
            subprocess.run(
                _as_server_account([*self._ctl(), "-m", "fast", "-w", "stop"]), capture_output=True
            )

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, database: str = "postgres", driver: str = "postgresql") -> str:
        """A URL for ``database`` (``driver="postgresql+psycopg"`` for SQLAlchemy)."""
        return f"{driver}://{self.user}@127.0.0.1:{self.port}/{database}"

    def parcours_urls(self, prefix: str = "parcours") -> dict[str, str]:
        """``ParcoursConfig`` settings putting the events (and the service's history) and
        every course's gradebook on this server (databases made on first use)."""
        return {
            "events_url": self.url(f"{prefix}_events"),
            "gradebook_url": self.url(f"{prefix}_{{course}}", driver="postgresql+psycopg"),
        }

    def execute(self, sql: str) -> None:
        """Run one statement as the superuser, outside a transaction."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql.encode("utf-8"))
