"""A real Parcours hub for the tests: JupyterHub with configurable-http-proxy, PAM logins
for real Unix accounts, the dashboards and formgrader services.

One hub per session (it takes ~30 s to start). The project is a copy of the repository's
(courses, notebooks, jupyter_config.py) in a folder every account may traverse, with two
courses: ``analyse-de-donnees`` (teacher ``pt-prof-a``; learners ``pt-alice``, ``pt-bob``)
and ``cours-b`` (teacher ``pt-prof-b``; learner ``pt-carol``), ``pt-dora`` learning in
both, and a coordinator ``pt-coord``. The accounts are removed at the end; so is the project.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
COURSE_A = "analyse-de-donnees"
COURSE_B = "cours-b"
LEARNERS = {"pt-alice": COURSE_A, "pt-bob": COURSE_A, "pt-carol": COURSE_B}
#: a learner of both courses (each teacher sees her in their own course only)
BOTH = "pt-dora"
TEACHERS = {"pt-prof-a": COURSE_A, "pt-prof-b": COURSE_B}
COORDINATOR = "pt-coord"
#: the test hub's Unix group (c.ParcoursConfig.hub_unix_group), not a real installation's
UNIX_GROUP = "parcours-test"
#: a third course for the end-to-end day (tests/hub/test_e2e.py): 30 learners, the first
#: assignment due yesterday and graded on submit, the second open for a week
COURSE_E = "cours-e2e"
E2E_LEARNERS = [f"pt-e{n:02d}" for n in range(1, 31)]
E2E_GROUP = "groupe-a"  # the first 15: the second assignment is released to them only
ACCOUNTS = [*LEARNERS, BOTH, *TEACHERS, COORDINATOR, *E2E_LEARNERS]


@dataclass
class HubSite:
    """The running hub and what the tests need to know of it."""

    url: str
    project: Path
    data_dir: Path
    env: dict[str, str]
    passwords: dict[str, str]
    config: Any
    hub: Any
    extra: dict[str, Any] = field(default_factory=dict)

    def login(self, name: str, password: str | None = None) -> Any:
        """A ``requests`` session logged in through the hub's login form (or not, when
        the password is wrong: check ``session.logged_in``)."""
        import requests

        session = requests.Session()
        form = session.get(f"{self.url}/hub/login", timeout=30)
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text)
        data = {"username": name, "password": password or self.passwords[name]}
        if xsrf:
            data["_xsrf"] = xsrf.group(1)
        answer = session.post(
            f"{self.url}/hub/login?next=", data=data, timeout=60, allow_redirects=False
        )
        session.logged_in = answer.status_code == 302  # type: ignore[attr-defined]
        # where the hub sends this person after the login
        session.landing = answer.headers.get("Location", "")  # type: ignore[attr-defined]
        return session

    def start_server(self, session: Any, name: str) -> None:
        """Start ``name``'s JupyterLab with their session and return once it is ready
        (the hub's progress event stream says so)."""
        xsrf = session.cookies.get("_xsrf", path="/hub/") or ""
        api = f"{self.url}/hub/api/users/{name}/server"
        started = session.post(api, headers={"X-XSRFToken": xsrf}, timeout=120)
        assert started.status_code in (201, 202, 400), started.text  # 400: already running
        with session.get(
            api + "/progress", stream=True, timeout=180, headers={"X-XSRFToken": xsrf}
        ) as events:
            for line in events.iter_lines(decode_unicode=True):
                if line and line.startswith("data:") and '"ready": true' in line:
                    return
        raise AssertionError(f"{name}'s server never said it was ready")

    def dashboard(self, page: str) -> str:
        return f"{self.url}/services/dashboards/voila/render/{page}.ipynb"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A ``parcours`` command on this project, as root (a teacher's terminal)."""
        return subprocess.run(
            [str(Path(sys.executable).parent / "parcours"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )


def _course_copy(
    source: Path, target: Path, course_id: str, teacher: str, title: str | None = None
) -> None:
    shutil.copytree(source, target)
    manifest = target / "course.toml"
    text = manifest.read_text(encoding="utf-8")
    text = re.sub(r'^id = ".*"$', f'id = "{course_id}"', text, count=1, flags=re.M)
    text = re.sub(r"^teachers = .*$", f'teachers = ["{teacher}"]', text, count=1, flags=re.M)
    if title:
        text = re.sub(r'^title = ".*"$', f'title = "{title}"', text, count=1, flags=re.M)
    manifest.write_text(text, encoding="utf-8")


def _e2e_dates(manifest: Path) -> None:
    """devoir-1: opened three days ago, due yesterday, graded on submit; devoir-2: open
    until next week (dates in the course's zone, as a teacher writes them)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    now = dt.datetime.now(ZoneInfo("Europe/Paris")).replace(tzinfo=None, microsecond=0)
    dates = {
        "devoir-1": (now - dt.timedelta(days=3), now - dt.timedelta(days=1)),
        "devoir-2": (now - dt.timedelta(days=3), now + dt.timedelta(days=7)),
    }
    lines, current = [], None
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if line.startswith("[["):
            current = None
        found = re.match(r'^id = "([^"]+)"', line)
        if found:
            current = found.group(1)
        if current in dates and re.match(r"^(opens|due) = ", line):
            key = line.split(" ", 1)[0]
            line = f"{key} = {dates[current][0 if key == 'opens' else 1].isoformat()}"
        lines.append(line)
    text = "\n".join(lines) + "\n"
    assert re.search(r'id = "devoir-1"\n(?:.*\n)*?grade_on_submit = true\n', text), (
        "the demo's devoir-1 is graded on submit"
    )
    manifest.write_text(text, encoding="utf-8")


def _tree_digest(folder: Path) -> dict[str, str]:
    import hashlib

    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="session")
def hub_site() -> Iterator[HubSite]:
    from parcours.config import load_config
    from parcours.hub.accounts import account_exists, set_password, sync_accounts
    from parcours.hub.server import HubServer
    from parcours.hub.shellpath import PROFILE
    from parcours.pipeline.roster import Learner, write_roster
    from parcours.servers import free_port

    assert os.geteuid() == 0, "the hub tests create Unix accounts: run them as root"
    saved_environ = dict(os.environ)
    profile_there = PROFILE.exists()  # the hub writes it (login shells' PATH)
    base = Path(tempfile.mkdtemp(prefix="parcours-hub-", dir="/tmp"))
    os.chmod(base, 0o711)  # every account may pass through to the project (not list it)
    project, data = base / "project", base / "data"
    (project / "courses").mkdir(parents=True)
    os.chmod(project, 0o755)
    shutil.copytree(REPO / "notebooks", project / "notebooks")
    shutil.copy(REPO / "jupyter_config.py", project / "jupyter_config.py")
    with (project / "jupyter_config.py").open("a", encoding="utf-8") as handle:
        handle.write(
            f'\nc.ParcoursConfig.coordinators = ["{COORDINATOR}"]\n'
            "c.ParcoursConfig.hub_learner_pool = 1\n"
            "c.ParcoursConfig.service_token_cache_s = 5\n"
            # a group of its own: the sync would take a real installation's people out
            f'c.ParcoursConfig.hub_unix_group = "{UNIX_GROUP}"\n'
        )
    _course_copy(REPO / "courses" / COURSE_A, project / "courses" / COURSE_A, COURSE_A, "pt-prof-a")
    _course_copy(
        REPO / "courses" / COURSE_A,
        project / "courses" / COURSE_B,
        COURSE_B,
        "pt-prof-b",
        "Cours B",
    )
    _course_copy(
        REPO / "courses" / COURSE_A,
        project / "courses" / COURSE_E,
        COURSE_E,
        "pt-prof-a",
        "Cours de bout en bout",
    )
    _e2e_dates(project / "courses" / COURSE_E / "course.toml")
    homes = {name: base / name for name in ("config", "jdata", "runtime", "home")}
    for folder in homes.values():
        folder.mkdir()
    env = {
        **os.environ,
        "PARCOURS_ROOT": str(project),
        "PARCOURS_DATA_DIR": str(data),
        "JUPYTER_CONFIG_DIR": str(homes["config"]),
        "JUPYTER_DATA_DIR": str(homes["jdata"]),
        "JUPYTER_RUNTIME_DIR": str(homes["runtime"]),
        "HOME": str(homes["home"]),
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
    }
    env.pop("JUPYTER_CONFIG_PATH", None)
    config = load_config(project, data_dir=str(data))
    for course in (COURSE_A, COURSE_B):
        write_roster(
            config.course_root(course) / "roster.csv",
            [Learner(id=n, first_name=n[3:].title()) for n, c in LEARNERS.items() if c == course]
            + [Learner(id=BOTH, first_name=BOTH[3:].title())],
        )
    write_roster(
        config.course_root(COURSE_E) / "roster.csv",
        [
            Learner(id=n, first_name=n[3:].title(), groups=(E2E_GROUP,) if i < 15 else ())
            for i, n in enumerate(E2E_LEARNERS)
        ],
    )
    passwords = {name: f"pw-{secrets.token_hex(6)}" for name in ACCOUNTS}
    hub = None
    try:
        sync_accounts(config)
        for name, password in passwords.items():
            assert account_exists(name)
            set_password(name, password)
        content = _tree_digest(project / "courses")
        hub = HubServer(
            config,
            port=free_port(),
            env={
                k: env[k]
                for k in (
                    "PARCOURS_ROOT",
                    "PARCOURS_DATA_DIR",
                    "JUPYTER_CONFIG_DIR",
                    "JUPYTER_DATA_DIR",
                    "JUPYTER_RUNTIME_DIR",
                    "HOME",
                )
            },
        )
        site = HubSite(hub.url, project, data, env, passwords, config, hub, {"content": content})
        released = site.run("release", COURSE_A, "devoir-1")
        assert released.returncode == 0, released.stderr
        hub.start(timeout=400)
        site.url = hub.url
        yield site
    finally:
        if hub is not None:
            hub.stop()
            kept = REPO / "tests" / "_output" / "hub"
            kept.mkdir(parents=True, exist_ok=True)
            if hub.log_path.exists():  # for whoever reads a failure
                shutil.copy(hub.log_path, kept / "jupyterhub.log")
        for name in [*ACCOUNTS, "grader-cours-b", f"grader-{COURSE_E}"]:
            subprocess.run(["userdel", "--remove", name], capture_output=True, check=False)
            for left in Path("/home").glob(f".{name}.left-*"):  # homes of a killed run
                shutil.rmtree(left, ignore_errors=True)
        subprocess.run(["groupdel", UNIX_GROUP], capture_output=True, check=False)
        for course in (COURSE_B, COURSE_E):  # their data groups (the service was in them)
            for group in (f"grader-{course}", f"data-{course}"):
                subprocess.run(["groupdel", group], capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)
        if not profile_there:  # the machine as it was
            PROFILE.unlink(missing_ok=True)
        os.environ.clear()
        os.environ.update(saved_environ)
