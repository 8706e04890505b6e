"""nbgrader's formgrader for one course on one machine (``parcours formgrader COURSE``):
a Jupyter server with nbgrader's formgrader extension, configured from
:class:`~parcours.config.ParcoursConfig` (:func:`.coursedir.nbgrader_config`),
opening on the course's assignments, learner content shown sanitised under a
Content-Security-Policy (:mod:`.staffview`). Manual grades and comments typed there go to the
course's gradebook, which ``parcours feedback`` then reads.

On the hub the same formgrader runs as the service ``formgrader-<course>``
(:func:`..hub.settings.formgrader`), opened from the hub's Services menu.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BadInputError
from ..i18n import _

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course


def port_taken(ip: str, port: int) -> bool:
    """Whether something already listens on ``ip:port`` (bound the way a server binds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((ip, port))
        except OSError:
            return True
    return False


def formgrader_command(config: ParcoursConfig, course: Course, port: int, token: str) -> list[str]:
    """The Jupyter server command line: nbgrader's course folder, gradebook and exchange
    of ``course``, no browser, no port retries, opening on the formgrader."""
    from .coursedir import nbgrader_config
    from .staffview import SERVER_ARGUMENT

    nb = nbgrader_config(config, course)
    return [
        sys.executable,
        "-m",
        "jupyter_server",
        f"--ServerApp.ip={config.ip}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.open_browser=False",
        f"--ServerApp.root_dir={nb.CourseDirectory.root}",
        "--ServerApp.default_url=/formgrader",
        f"--IdentityProvider.token={token}",
        f"--CourseDirectory.root={nb.CourseDirectory.root}",
        f"--CourseDirectory.course_id={nb.CourseDirectory.course_id}",
        f"--CourseDirectory.db_url={nb.CourseDirectory.db_url}",
        f"--Exchange.root={nb.Exchange.root}",
        "--Exchange.path_includes_course=True",
        f"--NbGraderAPI.timezone={nb.NbGraderAPI.timezone}",  # dates in the course's zone
        SERVER_ARGUMENT,  # learner content sanitised, a CSP on every page (staffview.py)
        # a container or a test runs as root; on the hub a grader account runs it instead
        *(["--ServerApp.allow_root=True"] if os.geteuid() == 0 else []),
    ]


@dataclass
class FormgraderServer:
    """One course's formgrader as a child process (start, :attr:`url`, stop)."""

    config: ParcoursConfig
    course: Course
    port: int
    #: the server's token (random unless given): the URL carries it
    token: str = field(default_factory=lambda: secrets.token_hex(24))
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.config.ip}:{self.port}"

    @property
    def url(self) -> str:
        """The address a teacher opens: the course's assignments, logged in."""
        return f"{self.base_url}/formgrader?token={self.token}"

    def start(self, timeout: float = 90.0) -> FormgraderServer:
        """Start the server and return once the formgrader answers; a taken port is bad
        input (nothing started)."""
        from ..project import activate_project
        from ..servers import ServerError, wait_until_answers
        from .coursedir import prepare_course_root

        if not 0 < self.port < 65536:
            raise BadInputError(
                _("--port {port}: not a TCP port; use 1 to 65535.").format(port=self.port)
            )
        if port_taken(self.config.ip, self.port):
            raise BadInputError(
                _(
                    "port {port} on {ip} is taken (another server runs there); choose "
                    "another with --port, or set c.ParcoursConfig.formgrader_port."
                ).format(port=self.port, ip=self.config.ip)
            )
        prepare_course_root(self.config, self.course)
        activate_project(Path(self.config.root))
        env = {**os.environ, "PARCOURS_DATA_DIR": str(self.config.data_dir)}
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            formgrader_command(self.config, self.course, self.port, self.token),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.config.course_root(self.course.id),
        )
        try:
            wait_until_answers(
                f"{self.base_url}/formgrader/api/status?token={self.token}",
                self.process,
                timeout,
                "the formgrader",
                self.log_path,
            )
        except ServerError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """SIGTERM (the server shuts its kernels down), SIGKILL after 20 s."""
        from ..servers import stop_server

        if self.process is not None:
            stop_server(self.process, grace=20.0)

    def __enter__(self) -> FormgraderServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
