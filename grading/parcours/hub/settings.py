"""JupyterHub's configuration, derived from ``ParcoursConfig`` (one place for every value).

``jupyterhub_config.py`` beside this module only calls :func:`configure`; ``parcours hub``
starts JupyterHub with it. What it sets:

- the proxy (configurable-http-proxy from README's setup) on ``ParcoursConfig.ip`` and
  ``hub_port``; the hub's database and cookie secret in ``<data_dir>/hub`` (0700);
- the authenticator (``hub_authenticator``: PAM by default, only the ``parcours`` Unix
  group may log in) and the spawner (``hub_spawner``: each person's JupyterLab as their
  own Unix account, in their own home, with their courses copied in by
  :func:`.workspace.spawn_hook`; idle servers and kernels stopped);
- groups, roles and custom scopes from :mod:`.people`;
- as root, ``/etc/profile.d/parcours.sh``: Parcours' commands in the people's terminals,
  whose login shells set ``PATH`` anew (:mod:`.shellpath`);
- the hub's own pages (login, home, errors, the Services menu) in the course language
  (:mod:`.pages`: JupyterHub's ``template_paths`` and ``template_vars``);
- services: ``parcours`` (:mod:`.service`, the data: exchange, events, deadlines, grading
  on submit; as its own account ``parcours-service``, which owns the data folder; no page
  of its own, so not listed in the Services menu),
  ``dashboards`` (Voila behind the hub's OAuth, :mod:`.dashboards`; as the same
  account, never root), one
  ``formgrader-<course>`` per course (nbgrader's formgrader as the course's grader
  account, opened in its own tab), and ``parcours-accounts`` (a token for
  ``parcours accounts sync`` to keep the hub's groups in step).
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..i18n import _
from .exchange import EXCHANGE_TRANSPORT
from .people import (
    ACCOUNTS_SERVICE,
    DASHBOARDS_SERVICE,
    SERVICE_ACCOUNT,
    People,
    formgrader_service,
    grader_account,
    read_people,
)
from .scopes import PARCOURS_SERVICE, SERVICE_ACCESS
from .shellpath import venv_bin

if TYPE_CHECKING:
    from ..config import ParcoursConfig

#: the hub's own files under <data_dir>/hub
HUB_DB = "jupyterhub.sqlite"
COOKIE_SECRET = "jupyterhub_cookie_secret"
#: the dashboards' preheated kernels per page on the hub (learner page:
#: ParcoursConfig.hub_learner_pool)
DASHBOARD_POOL = 1
#: seconds a managed service may take to answer before the hub gives up starting (a loaded
#: 2-core machine starts Voila and nbgrader's formgrader in 15-40 s)
SERVICE_START_S = 180
#: environment variables of the hub process handed to Parcours' services
SERVICE_ENV = (
    "PARCOURS_ROOT",
    "PARCOURS_DATA_DIR",
    "PARCOURS_NOW",
    "JUPYTER_CONFIG_PATH",
    "JUPYTER_CONFIG_DIR",
    "JUPYTER_DATA_DIR",
    "JUPYTER_RUNTIME_DIR",
    "JUPYTER_PATH",
    "PARCOURS_DASHBOARD_READY_DIR",
    "HOME",
)


def proxy_command(config: ParcoursConfig) -> list[str]:
    """configurable-http-proxy: as configured, else README's setup's copy (in the project or
    the checkout Parcours runs from), else PATH."""
    if config.hub_proxy_command:
        return [config.hub_proxy_command]
    checkout = Path(__file__).resolve().parents[3]  # the source checkout (editable install)
    for folder in (Path(config.root), checkout):
        local = folder / "extensions" / "node_modules" / ".bin" / "configurable-http-proxy"
        if local.exists():
            return [str(local)]
    found = shutil.which("configurable-http-proxy")
    if found:
        return [found]
    from .accounts import AccountsError

    raise AccountsError(
        _(
            "configurable-http-proxy is not installed: run `bash .ci/setup` (it "
            "installs it with npm into extensions/node_modules), or set "
            "c.ParcoursConfig.hub_proxy_command."
        )
    )


def accounts_token(config: ParcoursConfig) -> str:
    """The ``parcours-accounts`` service's API token (made once, root only)."""
    from .accounts import ACCOUNTS_TOKEN

    folder = config.hub_dir
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / ACCOUNTS_TOKEN
    if not path.is_file():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def _service_env() -> dict[str, str]:
    env = {name: os.environ[name] for name in SERVICE_ENV if os.environ.get(name)}
    env["PATH"] = os.pathsep.join([str(venv_bin()), "/usr/local/bin", "/usr/bin", "/bin"])
    return env


def service_url(config: ParcoursConfig, port: int) -> str:
    """Where learners' servers reach the Parcours service (straight, on the loopback)."""
    return f"http://{config.ip}:{port}/services/{PARCOURS_SERVICE}/"


def services(config: ParcoursConfig, people: People, parcours_port: int) -> list[dict[str, Any]]:
    """The hub services: Parcours' (the data), dashboards, a formgrader per course, the
    accounts token."""
    from ..dashboards.server import voila_command
    from ..dashboards.viewer import HUB_HEADERS
    from ..servers import free_port

    port = free_port(config.ip)
    prefix = f"/services/{DASHBOARDS_SERVICE}/"
    command = voila_command(
        config,
        port,
        pool_size=DASHBOARD_POOL,
        base_url=prefix,
        module="parcours.hub.voila_service",
    )
    pools = {
        "default": {"pool_size": DASHBOARD_POOL},
        "learner.ipynb": {"pool_size": max(DASHBOARD_POOL, config.hub_learner_pool)},
    }
    command += [
        f"--VoilaConfiguration.http_header_envs={list(HUB_HEADERS)!r}",
        f"--VoilaKernelManager.kernel_pools_config={json.dumps(pools)}",
    ]
    allowed = sorted(people.custom_scopes())
    found: list[dict[str, Any]] = [
        dashboards_service(config, port, command, allowed),
        parcours_service(config, parcours_port),
        {
            "name": ACCOUNTS_SERVICE,
            "api_token": accounts_token(config),
        },
    ]
    if os.geteuid() != 0:
        return found
    from .accounts import account_exists

    for course in people.courses:
        grader = grader_account(course)
        if not account_exists(grader):
            continue
        found.append(formgrader(config, course, grader, free_port(config.ip)))
    return found


def _account_env(config: ParcoursConfig, account: str) -> dict[str, str]:
    """The services' environment for a process run as ``account``: its own home and
    Jupyter folders, not root's, and the project's configuration (root's search path
    may name folders only root reads)."""
    env = _service_env()
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        env.pop(name, None)
    env["HOME"] = pwd.getpwnam(account).pw_dir
    env["JUPYTER_CONFIG_PATH"] = str(config.root)
    return env


def umask_007(command: list[str]) -> list[str]:
    """``command`` run with umask 007: what it creates in a course's nbgrader folder stays
    writable by the folder's group (the grader account and the service share it)."""
    return ["/bin/sh", "-c", 'umask 007 && exec "$@"', "umask-007", *command]


def parcours_service(config: ParcoursConfig, port: int) -> dict[str, Any]:
    """The Parcours service: as its own account (``parcours-service``) when the hub runs as
    root and the account exists (:func:`.accounts.ensure_service_account`), else as the
    hub's user (a hub run without root, for trying it out)."""
    from .accounts import service_ids

    found: dict[str, Any] = {
        "name": PARCOURS_SERVICE,
        "display": False,  # an API, no page: not in the hub's Services menu
        "timeout": SERVICE_START_S,
        "url": f"http://{config.ip}:{port}",
        "command": [sys.executable, "-m", "parcours.hub.service_app"],
        "cwd": config.root,
        "environment": _service_env(),
    }
    if os.geteuid() == 0 and service_ids() is not None:
        found["user"] = SERVICE_ACCOUNT
        found["environment"] = _account_env(config, SERVICE_ACCOUNT)
    return found


def dashboards_service(
    config: ParcoursConfig, port: int, command: list[str], allowed: list[str]
) -> dict[str, Any]:
    """The dashboards (Voila behind the hub's OAuth): never as root. As the service's
    account (``parcours-service``) when the hub runs as root and the account exists: what
    the pages read — the event store, the pseudonym key, the rosters and records, the
    gradebooks, the manifests and quiz banks — is that account's or reached through its
    groups (each course's ``data-<course>`` and ``grader-<course>``: see
    :mod:`.accounts`); its caches in ``<data_dir>/dashboards`` are handed to it. Else as
    the hub's user (a hub run without root)."""
    from .accounts import service_ids

    found: dict[str, Any] = {
        "name": DASHBOARDS_SERVICE,
        "display": True,
        "timeout": SERVICE_START_S,
        "url": f"http://{config.ip}:{port}",
        "command": command,
        "cwd": config.root,
        "environment": {**_service_env(), "PARCOURS_HUB_DASHBOARDS": "1"},
        "oauth_no_confirm": True,
        "oauth_client_allowed_scopes": allowed,
    }
    ids = service_ids()
    if os.geteuid() == 0 and ids is not None:
        from ..safefs import own_tree

        own_tree(Path(config.data_dir) / "dashboards", *ids)  # voila.json, figure cache
        found["user"] = SERVICE_ACCOUNT
        found["command"] = umask_007(command)  # a teacher's action writes course records
        found["environment"] = {
            **_account_env(config, SERVICE_ACCOUNT),
            "PARCOURS_HUB_DASHBOARDS": "1",
        }
    return found


def formgrader(config: ParcoursConfig, course: str, account: str, port: int) -> dict[str, Any]:
    """nbgrader's formgrader of one course as a hub service (nbgrader's multi-course
    setup): a Jupyter server as the course's grader account, rooted in the course's nbgrader
    folder, without terminals, opening on the formgrader."""
    from ..course.load import find_course, load_course
    from ..pipeline.coursedir import nbgrader_config
    from ..pipeline.staffview import SERVER_ARGUMENT

    nb = nbgrader_config(config, load_course(find_course(config.courses_dir, course)))
    env = _account_env(config, account)
    return {
        "name": formgrader_service(course),
        "display": True,
        "timeout": SERVICE_START_S,
        "url": f"http://{config.ip}:{port}",
        "user": account,
        "cwd": str(config.course_root(course)),
        "command": umask_007(
            [
                str(venv_bin() / "jupyterhub-singleuser"),
                f"--ServerApp.root_dir={config.course_root(course)}",
                "--ServerApp.terminals_enabled=False",
                "--ServerApp.default_url=/formgrader",
                f"--CourseDirectory.root={nb.CourseDirectory.root}",
                f"--CourseDirectory.course_id={course}",
                f"--CourseDirectory.db_url={nb.CourseDirectory.db_url}",
                f"--Exchange.root={nb.Exchange.root}",
                f"--NbGraderAPI.timezone={nb.NbGraderAPI.timezone}",  # the course's zone
                SERVER_ARGUMENT,  # learner content sanitised, a CSP on every page
            ]
        ),
        "environment": env,
        "oauth_no_confirm": True,
    }


def server_token_scopes(people: People) -> list[str]:
    """The scopes asked for each person's server token (``JUPYTERHUB_API_TOKEN``): its
    activity, its own server, the Parcours service, and every Parcours scope (the hub
    gives the token those its owner holds: a learner gets her courses' only)."""
    return [
        "users:activity!user",
        "access:servers!server",
        SERVICE_ACCESS,
        *sorted(people.custom_scopes()),
    ]


def configure(c: Any, config: ParcoursConfig | None = None) -> None:
    """Fill JupyterHub's config object ``c`` from ``ParcoursConfig``."""
    from ..config import load_config
    from .accounts import secure_folders
    from .pages import configure_pages
    from .workspace import landing, login_hook, spawn_hook

    config = config or load_config()
    people = read_people(config)
    hub_dir = config.hub_dir
    hub_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(hub_dir, 0o700)
    if os.geteuid() == 0:
        from .shellpath import install_login_path

        accounts_token(config)  # marks the data folder as a hub's
        secure_folders(config, people)  # the service's account made, the data its own
        install_login_path()  # `parcours` in the people's terminals (login shells)

    c.JupyterHub.ip = config.ip
    c.JupyterHub.port = config.hub_port
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.db_url = "sqlite:///" + str(hub_dir / HUB_DB)
    c.JupyterHub.cookie_secret_file = str(hub_dir / COOKIE_SECRET)
    c.JupyterHub.pid_file = str(hub_dir / "jupyterhub.pid")
    c.ConfigurableHTTPProxy.command = proxy_command(config)
    c.ConfigurableHTTPProxy.pid_file = str(hub_dir / "proxy.pid")
    c.JupyterHub.cleanup_servers = True
    configure_pages(c, config, people)  # login, home, errors, Services: the course language

    if config.hub_authenticator == "pam":
        c.JupyterHub.authenticator_class = "pam"
        c.PAMAuthenticator.open_sessions = False
        c.PAMAuthenticator.allowed_groups = {config.hub_unix_group}
    else:
        c.JupyterHub.authenticator_class = config.hub_authenticator
        c.Authenticator.allowed_users = set(people.by_name)

    c.JupyterHub.spawner_class = config.hub_spawner
    c.Spawner.cmd = [str(venv_bin() / "jupyterhub-singleuser")]
    c.Spawner.default_url = "/lab"
    c.Spawner.notebook_dir = "~"
    c.Spawner.http_timeout = 60
    c.Spawner.start_timeout = 90
    from ..servers import free_port

    parcours_port = free_port(config.ip)
    c.Spawner.environment = {
        "PARCOURS_SERVICE_URL": service_url(config, parcours_port),
        "PARCOURS_EXCHANGE_TRANSPORT": EXCHANGE_TRANSPORT,
        "PARCOURS_ROOT": str(config.root),
        "PARCOURS_DATA_DIR": str(config.data_dir),
        "JUPYTER_CONFIG_PATH": str(config.root),
        "PATH": os.pathsep.join([str(venv_bin()), "/usr/local/bin", "/usr/bin", "/bin"]),
    }
    idle = int(config.hub_idle_minutes) * 60
    c.Spawner.args = [
        f"--MappingKernelManager.cull_idle_timeout={idle or 3600}",
        "--MappingKernelManager.cull_interval=60",
    ]
    if idle:
        c.Spawner.args.append(f"--ServerApp.shutdown_no_activity_timeout={idle}")
    c.Spawner.pre_spawn_hook = spawn_hook
    c.Authenticator.post_auth_hook = login_hook
    c.JupyterHub.default_url = landing  # coordinators: the dashboards
    # a server's token (its kernels and terminals) reaches the Parcours service as its
    # user, with the Parcours scopes she holds (the hub keeps those of the list she has
    # when her server starts, and drops at once those she loses)
    c.Spawner.server_token_scopes = server_token_scopes(people)

    c.JupyterHub.custom_scopes = people.custom_scopes()
    c.JupyterHub.load_groups = {
        name: {"users": members} for name, members in people.groups().items()
    }
    c.JupyterHub.load_roles = [
        *people.roles(),
        {
            "name": ACCOUNTS_SERVICE,
            "description": "parcours accounts sync: users, groups and their tokens",
            "scopes": ["admin:users", "admin:groups", "tokens", "admin:servers"],
            "services": [ACCOUNTS_SERVICE],
        },
    ]
    c.JupyterHub.services = services(config, people, parcours_port)
