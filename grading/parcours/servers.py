"""The servers Parcours starts (Voila, the formgrader, JupyterLab in the demo, the hub):
a free port, a port checked before starting, waiting until one answers, stopping one and
every process it started. Standard library (and psutil, when asked) only."""

from __future__ import annotations

import contextlib
import errno
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .errors import BadInputError, ParcoursError
from .i18n import N_, _


class ServerError(ParcoursError):
    """A server Parcours started could not be started or did not answer."""


class PortInUseError(BadInputError):
    """The port a server was asked to listen on is taken by another program."""


def free_port(ip: str = "127.0.0.1") -> int:
    """A TCP port free on ``ip`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((ip, 0))
        return int(sock.getsockname()[1])


def holder(port: int) -> str:
    """`` (pid 123, python3)`` for the process listening on ``port``, if it can be seen."""
    import psutil

    with contextlib.suppress(psutil.Error, OSError):
        for conn in psutil.net_connections(kind="tcp"):
            if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN:
                if conn.pid is None:
                    return ""
                with contextlib.suppress(psutil.Error):
                    return f" (pid {conn.pid}, {psutil.Process(conn.pid).name()})"
                return f" (pid {conn.pid})"
    return ""


def ensure_port_free(
    ip: str, port: int, what: str = N_("the dashboards"), option: str = "--port"
) -> None:
    """Raise :class:`PortInUseError` (exit status 2) when ``ip:port`` cannot be listened
    on, naming the port, the program holding it when it can be seen, and what to do.

    Checked before starting a server: a server that cannot listen would otherwise exit
    while another program's pages answer on its URLs. Binds as Tornado does
    (``SO_REUSEADDR``), so a port left in TIME_WAIT by an earlier run counts as free."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((ip, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                problem = _("port {port} on {ip} is already in use{holder}").format(
                    port=port, ip=ip, holder=holder(port)
                )
            else:
                problem = _("cannot listen on port {port} on {ip} ({error})").format(
                    port=port, ip=ip, error=exc.strerror
                )
            raise PortInUseError(
                _(
                    "{problem}: {what} cannot be served there, nothing was started. Stop "
                    "that program, or choose a free port: {option} {free}."
                ).format(problem=problem, what=_(what), option=option, free=free_port(ip))
            ) from None


def listens(pid: int, port: int) -> bool:
    """Whether process ``pid`` (or one of its children) listens on TCP ``port``."""
    import psutil

    try:
        process = psutil.Process(pid)
        for proc in [process, *process.children(recursive=True)]:
            for conn in proc.net_connections(kind="tcp"):
                if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN:
                    return True
    except psutil.AccessDenied:
        return True  # cannot be told here: trust that what answered is ours
    except psutil.Error:
        return False
    return False


def wait_until_answers(
    url: str,
    process: subprocess.Popen[bytes],
    timeout: float,
    name: str,
    log: Path | None = None,
) -> None:
    """Return once ``url`` answers 200; raise :class:`ServerError` when
    ``process`` exits first or ``timeout`` seconds pass.

    Between two attempts it waits for the process's exit (at most 0.2 s), so a server
    that dies is reported at once. Used for every server Parcours starts (Voila,
    JupyterLab in the demo) and by the tests and benchmarks."""
    see = _("; see {log}").format(log=log) if log else ""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        left = deadline - time.monotonic()
        if left <= 0:
            raise ServerError(
                _("{name} did not answer on {url} within {timeout} s{see}.").format(
                    name=name, url=url.split("?")[0], timeout=f"{timeout:.0f}", see=see
                )
            )
        try:
            process.wait(min(0.2, left))
        except subprocess.TimeoutExpired:
            continue
        raise ServerError(
            _(
                "{name} exited with status {status} before answering on {url}{see}. Is "
                "the port free? Try another one."
            ).format(name=name, status=process.returncode, url=url.split("?")[0], see=see)
        )


def stop_server(
    process: subprocess.Popen[bytes], *, grace: float = 20.0, leftovers: list[Any] | None = None
) -> None:
    """Stop a server Parcours started: SIGTERM (it stops its own kernels or servers),
    SIGKILL after ``grace`` seconds; then whatever of its children, and of
    ``leftovers`` (psutil processes seen earlier), still runs: SIGTERM, SIGKILL after 5 s.
    Used for Voila, the formgrader and the hub."""
    import psutil

    children = list(leftovers or [])
    if process.poll() is None:
        with contextlib.suppress(psutil.Error):
            children += psutil.Process(process.pid).children(recursive=True)
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    alive = [child for child in children if child.is_running()]
    for child in alive:
        with contextlib.suppress(psutil.Error):
            child.terminate()
    _gone, stubborn = psutil.wait_procs(alive, timeout=5)
    for child in stubborn:
        with contextlib.suppress(psutil.Error):
            child.kill()
    psutil.wait_procs(stubborn, timeout=5)
