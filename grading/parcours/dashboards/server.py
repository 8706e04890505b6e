"""Serving the dashboards: a real Voila server over ``notebooks/``, on the loopback address.

One code path for ``parcours dashboard``, ``parcours demo``, the browser tests and the
benchmark: :func:`voila_command` builds the command line, :class:`DashboardServer` starts
it, waits until it answers, and stops it.

Every server started here keeps its log in ``<data_dir>/dashboards/voila.log`` (unless
told another file), named in every error; a port already taken is refused before anything
starts (:func:`ensure_port_free`); stopping ends Voila and every kernel it started.

Voila's standalone app reads ``voila.json``/``voila.py`` files only, not
``jupyter_config.py``; so the ``VoilaConfiguration``, ``VoilaKernelManager`` and
``MappingKernelManager`` sections of the project's ``jupyter_config.py`` are written to a
generated ``voila.json`` under the data folder, which Voila is pointed at (with the
kernels' transport set to Unix sockets: see :func:`write_voila_config`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError, ParcoursError

if TYPE_CHECKING:
    from ..config import ParcoursConfig

#: dashboards served, in the order they are listed
DASHBOARDS = ("coordinator", "teacher", "learner")
#: sections of jupyter_config.py handed to Voila
VOILA_SECTIONS = ("VoilaConfiguration", "VoilaKernelManager", "MappingKernelManager")


class DashboardServerError(ParcoursError):
    """The Voila server could not be started or did not answer."""


class PortInUseError(BadInputError):
    """The port a server was asked to listen on is taken by another program."""


#: env: the folder where preheated dashboard kernels report that they are ready
READY_ENV = "PARCOURS_DASHBOARD_READY_DIR"
#: in that folder: the socket a :class:`ReadyWatcher` listens on
READY_SOCKET = "ready.sock"


def report_ready(page: str) -> None:
    """In a dashboard kernel, once its data are loaded and its page built: with env
    ``PARCOURS_DASHBOARD_READY_DIR`` set, leave ``<page>-<pid>.ready`` there (a probe for
    health checks) and tell a :class:`ReadyWatcher` listening on that folder, if any."""
    folder = os.environ.get(READY_ENV)
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / f"{page}-{os.getpid()}.ready").touch()
    with (
        socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock,
        contextlib.suppress(OSError),
    ):  # nobody listening: the file is the report
        sock.sendto(page.encode("utf-8"), str(Path(folder) / READY_SOCKET))


class ReadyWatcher:
    """Listens for the reports of a server's preheated kernels (:func:`report_ready`):
    create it on the folder before the server starts, then :meth:`wait` for the n-th
    kernel of a page to be ready (a benchmark or a test then visits it)."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / READY_SOCKET
        path.unlink(missing_ok=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.ready: dict[str, int] = {}

    def wait(
        self,
        page: str,
        count: int,
        timeout: float,
        process: subprocess.Popen[bytes] | None = None,
        log: Path | None = None,
    ) -> None:
        """Return once ``count`` kernels of ``page`` have reported since this watcher was
        made; raise :class:`DashboardServerError` after ``timeout`` seconds, or as soon
        as ``process`` (the server) has stopped. ``log``: the server's log, named in
        the error."""
        see = f"see {log}" if log else "see the Voila log"
        deadline = time.monotonic() + timeout
        while self.ready.get(page, 0) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DashboardServerError(
                    f"no preheated '{page}' kernel got ready in {timeout:.0f} s "
                    f"({self.ready.get(page, 0)} of {count}); {see}"
                )
            self.sock.settimeout(min(left, 1.0))  # wakes to notice a server that stopped
            try:
                name = self.sock.recv(256).decode("utf-8", "replace")
            except TimeoutError:
                if process is not None and process.poll() is not None:
                    raise DashboardServerError(
                        f"the Voila server stopped (exit {process.returncode}) before a "
                        f"'{page}' kernel got ready; {see}"
                    ) from None
                continue
            self.ready[name] = self.ready.get(name, 0) + 1

    def close(self) -> None:
        self.sock.close()


def free_port(ip: str = "127.0.0.1") -> int:
    """A TCP port free on ``ip`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((ip, 0))
        return int(sock.getsockname()[1])


def _holder(port: int) -> str:
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
    ip: str, port: int, what: str = "the dashboards", option: str = "--port"
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
                problem = f"port {port} on {ip} is already in use{_holder(port)}"
            else:
                problem = f"cannot listen on port {port} on {ip} ({exc.strerror})"
            raise PortInUseError(
                f"{problem}: {what} cannot be served there, nothing was started. Stop that "
                f"program, or choose a free port: {option} {free_port(ip)}."
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
    """Return once ``url`` answers 200; raise :class:`DashboardServerError` when
    ``process`` exits first or ``timeout`` seconds pass.

    Between two attempts it waits for the process's exit (at most 0.2 s), so a server
    that dies is reported at once. Used for every server Parcours starts (Voila,
    JupyterLab in the demo) and by the tests and benchmarks."""
    see = f"; see {log}" if log else ""
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
            raise DashboardServerError(
                f"{name} did not answer on {url.split('?')[0]} within {timeout:.0f} s{see}."
            )
        try:
            process.wait(min(0.2, left))
        except subprocess.TimeoutExpired:
            continue
        raise DashboardServerError(
            f"{name} exited with status {process.returncode} before answering on "
            f"{url.split('?')[0]}{see}. Is the port free? Try another one."
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


def notebooks_dir(config: ParcoursConfig) -> Path:
    """The folder of dashboard notebooks: the project's own (``<root>/notebooks``), else
    the ones a wheel installs (``<prefix>/share/parcours/notebooks``)."""
    import sys

    folder = Path(config.root) / "notebooks"
    installed = Path(sys.prefix) / "share" / "parcours" / "notebooks"
    for candidate in (folder, installed):
        if (candidate / "coordinator.ipynb").is_file():
            return candidate
    raise DashboardServerError(
        f"{folder}: the dashboard notebooks are missing (coordinator.ipynb not found), and "
        f"Parcours' installed copy too ({installed}). Run Parcours from its project folder, "
        "or set c.ParcoursConfig.root."
    )


def write_voila_config(config: ParcoursConfig) -> Path:
    """Write ``<data_dir>/dashboards/voila.json`` from jupyter_config.py; return its folder."""
    from ..config import load_traitlets_config

    merged = load_traitlets_config(Path(config.root))
    sections = {name: dict(merged[name]) for name in VOILA_SECTIONS if merged.get(name)}
    # kernels talk over Unix sockets in Voila's private connection folder: over TCP, a
    # port jupyter_client found free could be taken by another program before the kernel
    # bound it ("Address already in use"), and the preheated kernel never came up
    sections["KernelManager"] = {"transport": "ipc"}
    folder = Path(config.data_dir) / "dashboards"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "voila.json").write_text(json.dumps(sections, indent=2, default=str))
    return folder


def voila_command(
    config: ParcoursConfig,
    port: int,
    *,
    pool_size: int = 0,
    open_browser: bool = False,
    base_url: str = "/",
    module: str = "parcours.dashboards.voila_app",
    debug: bool = False,
) -> list[str]:
    """The ``voila`` command line serving the dashboards on ``config.ip:port``.

    ``pool_size`` preheated kernels per dashboard (0 disables preheating): the notebooks
    import and load data before a request arrives, then wait for it (Voila's
    ``wait_for_request``) to read the query string (language, filters, learner).
    ``base_url`` and ``module`` serve them as a JupyterHub service
    (``parcours.hub.dashboards``). ``debug``: tracebacks on the error pages
    (what Voila's error page advises) and Voila's debug log.
    """
    folder = notebooks_dir(config)
    config_folder = write_voila_config(config)
    from jupyter_core.paths import jupyter_config_path

    command = [
        sys.executable,
        "-m",
        module,  # Voila + the kernel-wait guard
        str(folder),
        f"--port={port}",
        "--Voila.port_retries=0",
        f"--Voila.ip={config.ip}",
        "--Voila.root_dir=" + str(folder),
        f"--show_tracebacks={debug}",
        "--template=parcours",  # share/voila/templates/parcours (voila_app makes it findable)
        # the scripts each page needs, learned from visits (dashboards/assets.py)
        "--ParcoursVoila.assets_file=" + str(config_folder / "assets.json"),
    ]
    if debug:
        command.append("--debug")
    if base_url != "/":
        command.append(f"--Voila.base_url={base_url}")
    for path in [str(config_folder), *jupyter_config_path()]:
        command.append(f"--Voila.config_file_paths={path}")
    if pool_size > 0:
        command += ["--preheat_kernel=True", f"--pool_size={pool_size}"]
    if not open_browser:
        command.append("--no-browser")
    return command


@dataclass
class DashboardServer:
    """A running Voila server serving the dashboards."""

    config: ParcoursConfig
    port: int = 0
    pool_size: int = 0
    #: Voila's log; default ``<data_dir>/dashboards/voila.log``
    log_path: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    #: tracebacks on error pages and Voila's debug log
    debug: bool = False

    def __post_init__(self) -> None:
        if self.log_path is None:
            self.log_path = Path(self.config.data_dir) / "dashboards" / "voila.log"

    @property
    def base_url(self) -> str:
        return f"http://{self.config.ip}:{self.port}"

    def url(self, dashboard: str, **query: str) -> str:
        """URL of one dashboard (``coordinator``, ``teacher``, ``learner``) with a query."""
        from urllib.parse import urlencode

        text = f"{self.base_url}/voila/render/{dashboard}.ipynb"
        return f"{text}?{urlencode(query)}" if query else text

    def start(self, timeout: float = 60.0) -> DashboardServer:
        """Start Voila and return once it answers HTTP (raises if it does not in time).

        A port already taken raises :class:`PortInUseError` before anything starts."""
        from ..config import activate_project

        activate_project(Path(self.config.root))
        if self.port:
            ensure_port_free(self.config.ip, self.port)
        else:
            self.port = free_port(self.config.ip)
        env = {**os.environ, **self.env}
        env["PARCOURS_DATA_DIR"] = str(self.config.data_dir)
        # nbgrader's alembic and Voila's kernels come from this interpreter's environment
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        command = voila_command(self.config, self.port, pool_size=self.pool_size, debug=self.debug)
        assert self.log_path is not None
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            # its own session: a Ctrl-C in the terminal reaches only us, and we stop Voila
            # and its kernels in order (stop), as on SIGTERM
            self.process = subprocess.Popen(
                command,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.config.root,
                start_new_session=True,
            )
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        """Return once the server's tree page answers; stop it and raise if it does not,
        or if what answers is another program (the port taken meanwhile)."""
        assert self.process is not None
        try:
            wait_until_answers(self.base_url + "/", self.process, timeout, "Voila", self.log_path)
            if not listens(self.process.pid, self.port):
                raise PortInUseError(
                    f"port {self.port} on {self.config.ip} was taken by another program"
                    f"{_holder(self.port)} while Voila started; see {self.log_path}. Stop "
                    f"that program, or choose a free port: --port {free_port(self.config.ip)}."
                )
        except (DashboardServerError, PortInUseError):
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the server and every process it started: SIGTERM (Voila then shuts its
        kernels down), SIGKILL after 20 s; kernels still there after Voila get SIGTERM,
        then SIGKILL after 5 s."""
        if self.process is None or self.process.poll() is not None:
            return
        stop_server(self.process, grace=20.0)

    def __enter__(self) -> DashboardServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
