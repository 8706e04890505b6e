"""Serving the dashboards: a real Voila server over ``notebooks/``, on the loopback address.

One code path for ``parcours dashboard``, ``parcours demo``, the browser tests and the
benchmark: :func:`voila_command` builds the command line, :class:`DashboardServer` starts
it, waits until it answers, and stops it.

Every server started here keeps its log in ``<data_dir>/dashboards/voila.log`` (unless
told another file), named in every error; a port already taken is refused before anything
starts (:func:`..servers.ensure_port_free`); stopping ends Voila and every kernel it
started.

Voila's standalone app reads ``voila.json``/``voila.py`` files only, not
``jupyter_config.py``; so the ``VoilaConfiguration``, ``VoilaKernelManager`` and
``MappingKernelManager`` sections of the project's ``jupyter_config.py`` are written to a
generated ``voila.json`` under the data folder, which Voila is pointed at (with the
kernels' transport set to Unix sockets: see :func:`write_voila_config`).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..i18n import _
from ..servers import (
    PortInUseError,
    ServerError,
    ensure_port_free,
    free_port,
    holder,
    listens,
    stop_server,
    wait_until_answers,
)

if TYPE_CHECKING:
    from ..config import ParcoursConfig

#: dashboards served, in the order they are listed
DASHBOARDS = ("coordinator", "teacher", "learner")
#: sections of jupyter_config.py handed to Voila
VOILA_SECTIONS = ("VoilaConfiguration", "VoilaKernelManager", "MappingKernelManager")


class DashboardServerError(ServerError):
    """The Voila server could not be started, or its kernels did not get ready."""


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
        see = _("see {log}").format(log=log) if log else _("see the Voila log")
        deadline = time.monotonic() + timeout
        while self.ready.get(page, 0) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DashboardServerError(
                    _(
                        "no preheated '{page}' kernel got ready in {timeout} s ({ready} of "
                        "{count}); {see}"
                    ).format(
                        page=page,
                        timeout=f"{timeout:.0f}",
                        ready=self.ready.get(page, 0),
                        count=count,
                        see=see,
                    )
                )
            self.sock.settimeout(min(left, 1.0))  # wakes to notice a server that stopped
            try:
                name = self.sock.recv(256).decode("utf-8", "replace")
            except TimeoutError:
                if process is not None and process.poll() is not None:
                    raise DashboardServerError(
                        _(
                            "the Voila server stopped (exit {status}) before a '{page}' kernel got "
                            "ready; {see}"
                        ).format(status=process.returncode, page=page, see=see)
                    ) from None
                continue
            self.ready[name] = self.ready.get(name, 0) + 1

    def close(self) -> None:
        self.sock.close()


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
        _(
            "{folder}: the dashboard notebooks are missing (coordinator.ipynb not "
            "found), and Parcours' installed copy too ({installed}). Run Parcours "
            "from its project folder, or set c.ParcoursConfig.root."
        ).format(folder=folder, installed=installed)
    )


def write_voila_config(config: ParcoursConfig) -> Path:
    """Write ``<data_dir>/dashboards/voila.json`` from jupyter_config.py; return its folder."""
    from ..project import load_traitlets_config

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
    (``parcours.dashboards.viewer``). ``debug``: tracebacks on the error pages
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
        from ..project import activate_project

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
                    _(
                        "port {port} on {ip} was taken by another program{holder} while Voila "
                        "started; see {log}. Stop that program, or choose a free port: --port "
                        "{free}."
                    ).format(
                        port=self.port,
                        ip=self.config.ip,
                        holder=holder(self.port),
                        log=self.log_path,
                        free=free_port(self.config.ip),
                    )
                )
        except (ServerError, PortInUseError):
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
