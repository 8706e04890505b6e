"""A real Ralph LRS (France Université Numérique's xAPI learning record store, the
``ralph-malph`` package) on loopback, for the tests and ``bench/lms.py``.

Ralph pins its own FastAPI, uvicorn and bcrypt, so it lives in its own venv,
``.venv-ralph`` (made by ``.ci/setup``), never in Parcours' ``.venv``. It runs with its
file-system backend (statements appended to one JSON-lines file), HTTP Basic with one
account made by ``ralph auth``, and is served by uvicorn as Ralph's documentation says
to serve it (``ralph runserver`` is its development server: it reloads on file changes
and logs every request). :class:`TcpProxy` sits between Parcours and Ralph and breaks
connections on purpose.
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
#: Ralph's venv (``.ci/setup``); RALPH_VENV overrides it
VENV = Path(os.environ.get("RALPH_VENV", ROOT / ".venv-ralph"))
USER, PASSWORD = "parcours", "s3cret:pass"
#: Ralph served by uvicorn, one change: its file backend appends each accepted batch.
#: In 5.1.0 the statements route writes with the backend's default operation, which for
#: the file backend is "create": the second POST finds the file there and answers 500
#: ("already exists and overwrite is not allowed"), so the file backend as shipped holds
#: one batch only. Appending is what its LRS file is for.
SERVE = """
import sys
import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), access_log=False,
            log_level="warning")
"""
#: longest wait for Ralph to answer its heartbeat, in seconds
START_TIMEOUT = 60.0


def available() -> bool:
    """Whether Ralph's venv is installed."""
    return (VENV / "bin" / "ralph").exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Ralph:
    """One Ralph server in ``folder`` (its statements in ``folder/data/fs_lrs.jsonl``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The xAPI endpoint (``lrs_url``)."""
        return f"http://127.0.0.1:{self.port}/xAPI/"

    @property
    def statements_file(self) -> Path:
        return self.folder / "data" / "fs_lrs.jsonl"

    def environment(self) -> dict[str, str]:
        return {
            "PATH": f"{VENV / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(self.folder),
            "RALPH_APP_DIR": str(self.folder / "app"),
            "RALPH_AUTH_FILE": str(self.folder / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.folder / "data"),
        }

    def start(self) -> None:
        """Make the account, start the server on a free port, wait for its heartbeat."""
        (self.folder / "data").mkdir(parents=True, exist_ok=True)
        env = self.environment()
        subprocess.run(
            [str(VENV / "bin" / "ralph"), "auth", "--username", USER, "--password", PASSWORD,
             "--scope", "all", "--agent-ifi-account", USER, "https://parcours.example.org",
             "--write-to-disk"],
            env=env, cwd=self.folder, check=True, capture_output=True,
        )  # fmt: skip
        self.port = free_port()
        self.log = open(self.folder / "ralph.log", "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [str(VENV / "bin" / "python"), "-c", SERVE, str(self.port)],
            env=env, cwd=self.folder, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while not self.alive():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    "Ralph did not start: " + (self.folder / "ralph.log").read_text()[-2000:]
                )
            # the heartbeat is polled; a refused connection returns at once, so pace it
            select.select([], [], [], 0.1)

    def alive(self) -> bool:
        """Whether Ralph answers its heartbeat with its backend ok."""
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=2
            ) as answer:
                return bool(json.load(answer).get("database") == "ok")
        except (OSError, ValueError):
            return False

    def stored(self) -> list[dict[str, Any]]:
        """Every statement in Ralph's file, as stored (duplicates included, if any)."""
        if not self.statements_file.exists():
            return []
        with self.statements_file.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if getattr(self, "log", None):
            self.log.close()


class TcpProxy:
    """A TCP proxy on loopback in front of ``port`` that breaks connections as told.

    Each accepted connection asks ``decide(n)`` (n: 1-based connection count) what to
    do: ``"pass"`` (relay both ways), ``"reset"`` (closed with a TCP RST before a byte
    reaches the server), ``"lose_answer"`` (the request relayed, the server's answer
    read in full, then the client's connection reset: the server did the work, the
    client never hears of it).
    """

    def __init__(self, port: int, decide: Callable[[int], str]) -> None:
        self.target = port
        self.decide = decide
        self.connections = 0
        self.actions: list[str] = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = int(self.listener.getsockname()[1])
        self.closing = False
        self.thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI/"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.closing = True
        # accept() is not woken by close() from another thread: one last connection is
        with socket.create_connection(("127.0.0.1", self.port)):
            pass
        self.thread.join(10)
        self.listener.close()

    def _accept(self) -> None:
        while not self.closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.closing:
                client.close()
                return
            self.connections += 1
            action = self.decide(self.connections)
            self.actions.append(action)
            threading.Thread(target=self._serve, args=(client, action), daemon=True).start()

    @staticmethod
    def _reset(sock: socket.socket) -> None:
        # SO_LINGER 0: close() sends RST, as a dropped middlebox connection does
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()

    def _serve(self, client: socket.socket, action: str) -> None:
        if action == "reset":
            self._reset(client)
            return
        server = socket.create_connection(("127.0.0.1", self.target))
        if action == "lose_answer":
            self._relay_request_then_drop(client, server)
            return
        sockets = [client, server]
        try:
            while True:
                ready, _, _ = select.select(sockets, [], [], 60)
                if not ready:
                    break
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (server if sock is client else client).sendall(data)
        except OSError:
            pass
        finally:
            client.close()
            server.close()

    def _relay_request_then_drop(self, client: socket.socket, server: socket.socket) -> None:
        """Relay the request; read the server's whole answer; reset the client."""
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                head += client.recv(65536)
            headers, _, body = head.partition(b"\r\n\r\n")
            length = 0
            for line in headers.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(body) < length:
                body += client.recv(65536)
            server.sendall(headers + b"\r\n\r\n" + body)
            answer = b""
            while b"\r\n\r\n" not in answer:  # the status line: the server has decided
                chunk = server.recv(65536)
                if not chunk:
                    break
                answer += chunk
        finally:
            server.close()
            self._reset(client)
