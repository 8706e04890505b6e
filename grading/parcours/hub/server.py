"""Start and stop Parcours' JupyterHub, and talk to its REST API.

One code path for ``parcours hub``, ``parcours demo``, the tests and ``bench/hub_login.py``:
:class:`HubServer` starts ``jupyterhub -f parcours/hub/jupyterhub_config.py`` (the
hub then starts configurable-http-proxy and Parcours' services), waits until the hub and
the dashboards service answer through the proxy, and stops it all. :class:`HubClient`
keeps the hub's users and groups in step with the rosters (``parcours accounts sync``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ParcoursError
from ..i18n import _
from .accounts import ACCOUNTS_TOKEN
from .people import DASHBOARDS_SERVICE, People

if TYPE_CHECKING:
    from ..config import ParcoursConfig

CONFIG_FILE = Path(__file__).with_name("jupyterhub_config.py")
LOG_FILE = "jupyterhub.log"


class HubError(ParcoursError):
    """The hub could not be started, or did not answer."""


def _status(url: str, timeout: float = 5.0) -> int:
    """HTTP status of a GET, redirects not followed; 0 when nothing answers."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0


@dataclass
class HubServer:
    """A running JupyterHub serving Parcours (see the module's text)."""

    config: ParcoursConfig
    port: int = 0
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    #: the hub's processes seen so far (proxy, services, servers): stopped with it even
    #: when the hub itself died first and they were left behind
    seen: dict[int, Any] = field(default_factory=dict)

    def _look(self) -> None:
        import psutil

        assert self.process is not None
        try:
            for child in psutil.Process(self.process.pid).children(recursive=True):
                self.seen.setdefault(child.pid, child)
        except psutil.NoSuchProcess:
            pass

    @property
    def url(self) -> str:
        """The address people open."""
        return f"http://{self.config.ip}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.config.hub_dir / LOG_FILE

    def start(self, timeout: float = 120.0) -> HubServer:
        """Start the hub; return once it and the dashboards service answer."""
        from ..project import activate_project
        from ..servers import free_port

        activate_project(Path(self.config.root))
        self.port = self.port or self.config.hub_port
        if _status(self.url + "/hub/health", timeout=1) != 0:
            raise HubError(
                _(
                    "{url}: something already answers on port {port}. Stop it, or choose "
                    "another port with --port (or c.ParcoursConfig.hub_port)."
                ).format(url=self.url, port=self.port)
            )
        hub_dir = self.config.hub_dir
        hub_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(hub_dir, 0o700)
        env = {**os.environ, **self.env, "PARCOURS_DATA_DIR": str(self.config.data_dir)}
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        command = [
            sys.executable,
            "-m",
            "jupyterhub",
            "-f",
            str(CONFIG_FILE),
            f"--JupyterHub.port={self.port}",
            f"--JupyterHub.hub_port={free_port()}",
            f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{free_port()}",
        ]
        log = open(self.log_path, "ab")  # noqa: SIM115 (the child keeps it)
        self.process = subprocess.Popen(
            command,
            env=env,
            cwd=hub_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        try:
            self._wait_for(self.url + "/hub/health", {200}, timeout, "JupyterHub")
            # the dashboards answer (a redirect to the hub's login) once Voila is up
            self._wait_for(
                f"{self.url}/services/{DASHBOARDS_SERVICE}/",
                {302},
                timeout,
                "the dashboards service",
            )
        except HubError:
            self.stop()
            raise
        return self

    def _wait_for(self, url: str, codes: set[int], timeout: float, name: str) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while _status(url, timeout=2) not in codes:
            self._look()
            left = deadline - time.monotonic()
            if left <= 0:
                raise HubError(
                    _("{name} did not answer on {url} within {timeout} s; see {log}.").format(
                        name=name, url=url, timeout=f"{timeout:.0f}", log=self.log_path
                    )
                )
            try:
                self.process.wait(min(0.2, left))
            except subprocess.TimeoutExpired:
                continue
            raise HubError(
                _(
                    "JupyterHub exited with status {status} before {name} answered; see {log}."
                ).format(status=self.process.returncode, name=name, log=self.log_path)
            )

    def stop(self) -> None:
        """Stop the hub (SIGTERM: it stops its proxy, services and every person's server),
        then anything of it still running (SIGTERM, SIGKILL after 10 s)."""
        from ..servers import stop_server

        if self.process is None:
            return
        if self.process.poll() is None:
            self._look()
        stop_server(self.process, grace=30.0, leftovers=list(self.seen.values()))
        self.seen.clear()

    def wait(self) -> int:
        """Wait until the hub stops (Ctrl-C or SIGTERM); its exit status."""
        assert self.process is not None
        while True:
            try:
                return self.process.wait(30)
            except subprocess.TimeoutExpired:
                self._look()  # new servers and kernels, stopped with the hub

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class HubClient:
    """The hub's REST API with the ``parcours-accounts`` service's token."""

    api_url: str
    token: str

    @classmethod
    def for_config(cls, config: ParcoursConfig, port: int = 0) -> HubClient:
        from .settings import accounts_token

        return cls(f"http://{config.ip}:{port or config.hub_port}/hub/api", accounts_token(config))

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """One API call; the decoded JSON answer (None when empty)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.api_url + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read()
        except urllib.error.HTTPError as exc:
            raise HubError(
                _("the hub answered {code} to {method} {path}: {answer}").format(
                    code=exc.code,
                    method=method,
                    path=path,
                    answer=exc.read()[:300].decode("utf-8", "replace"),
                )
            ) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            raise HubError(
                _("the hub does not answer at {url} ({error}); is `parcours hub` running?").format(
                    url=self.api_url, error=exc
                )
            ) from None
        return json.loads(text) if text else None

    def running(self) -> bool:
        try:
            self.call("GET", "/")
        except HubError:
            return False
        return True

    def sync(self, people: People) -> dict[str, list[str]]:
        """Make the hub's users and Parcours' groups match ``people``; removed people are
        deleted from the hub (their tokens stop working). What changed, by kind."""
        users = {u["name"] for u in self.call("GET", "/users?limit=100000") or []}
        changed: dict[str, list[str]] = {"added": [], "deleted": [], "groups": []}
        new = sorted(set(people.by_name) - users)
        if new:
            self.call("POST", "/users", {"usernames": new})
            changed["added"] = new
        groups = {g["name"]: set(g["users"]) for g in self.call("GET", "/groups") or []}
        for group, members in people.groups().items():
            if group not in groups:
                self.call("POST", f"/groups/{group}", {"users": members})
                changed["groups"].append(group)
                continue
            add, drop = set(members) - groups[group], groups[group] - set(members)
            if add:
                self.call("POST", f"/groups/{group}/users", {"users": sorted(add)})
            if drop:
                self.call("DELETE", f"/groups/{group}/users", {"users": sorted(drop)})
            if add or drop:
                changed["groups"].append(group)
        gone = sorted(users - set(people.by_name))  # everyone on a Parcours hub is in people
        for name in gone:
            self.call("DELETE", f"/users/{name}")
        changed["deleted"] = gone
        return changed


def sync_everything(config: ParcoursConfig, *, port: int = 0, required: bool = False) -> str:
    """Bring the hub in step with the rosters, manifests and configuration: the Unix
    accounts (on a hub machine, see :func:`.accounts.hub_machine`; always with ``required``, which
    refuses a run that is not root), then the running hub's users and groups. What
    changed, one line per part; '' when there is no hub here (nothing done).

    Called by ``parcours accounts sync`` (``required``) and after every change of a
    roster (``parcours roster COURSE import|add|remove``)."""
    from .accounts import PASSWORDS_FILE, hub_machine, read_people, sync_accounts

    if not (required or hub_machine(config)):
        return ""
    people = read_people(config)
    report = sync_accounts(config, people)
    lines = [
        f"{len(people.by_name)} accounts: {len(report.created)} created, "
        f"{len(report.removed)} removed, {len(report.graders)} grader accounts created."
    ]
    if report.passwords:
        lines.append(f"first passwords of the new accounts: {config.hub_dir / PASSWORDS_FILE}")
    if required or (config.hub_dir / ACCOUNTS_TOKEN).is_file():
        client = HubClient.for_config(config, port)
        if client.running():
            changed = client.sync(people)
            from .classlist import mark_synced

            mark_synced(config)  # services drop what the hub said of tokens before
            lines.append(
                f"hub: {len(changed['added'])} users added, "
                f"{len(changed['deleted'])} deleted, {len(changed['groups'])} "
                "groups changed."
            )
    return "\n".join(lines)
