"""README's command 1 as a newcomer runs it: ``parcours demo`` in its hub form (root), on a
fresh data folder, then the people it prints live their day — the definition of "the demo
works" (issue #24). The printed learner logs in with the printed password and with
``passwords.csv``'s; her "Mon parcours" panel answers (no 500), in French, her deadlines
in her zone, the demo's feedback reaches her; she hands in late work and is told so in her
local time; the printed teacher runs ``parcours`` in a login shell of her own account
(collect, autograde, feedback); the printed coordinator opens her dashboard in chromium.
Nothing a person reads shows "500", a traceback or an ISO timestamp.
"""

from __future__ import annotations

import csv
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..conftest import CHROMIUM, CHROMIUM_ARGS
from .conftest import HubSite

REPO = Path(__file__).resolve().parents[2]
COURSE = "analyse-de-donnees"
#: a small class: the demo's pipeline runs for each learner (real kernels)
LEARNERS = 6
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass
class Demo:
    """The running demo and what it printed."""

    site: HubSite
    accounts: dict[str, tuple[str, str]]  # role -> (name, password)
    passwords_file: Path
    output: list[str]


def _free_port() -> int:
    from parcours.dashboards.server import free_port

    return free_port("127.0.0.1")


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    if os.geteuid() != 0:
        pytest.fail("README's command 1 serves the hub as root: run the tests as root")
    base = Path(tempfile.mkdtemp(prefix="parcours-readme-demo-", dir="/tmp"))
    os.chmod(base, 0o711)  # every account reaches the data folder (the demo closes its parts)
    # the project as a newcomer's checkout holds it; a copy, since the demo closes its
    # courses and every copy of their content to other accounts (hub/copies.py), which
    # would change this checkout for the tests that run after this one
    project = base / "project"
    project.mkdir()
    for part in ("courses", "notebooks"):
        shutil.copytree(REPO / part, project / part)
    shutil.copy(REPO / "jupyter_config.py", project / "jupyter_config.py")
    config_dir = base / "jupyter-config"
    config_dir.mkdir()
    port = _free_port()
    (config_dir / "jupyter_config.py").write_text(f"c.ParcoursConfig.hub_port = {port}\n")
    # a newcomer's shell: nothing of the other tests' projects (PARCOURS_*, JUPYTER_*)
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PARCOURS_", "JUPYTER", "JPY_"))
    }
    env.update({"JUPYTER_CONFIG_DIR": str(config_dir), "LANG": "fr_FR.UTF-8"})
    command = [
        str(Path(sys.executable).parent / "parcours"),
        "demo",
        "--root",
        str(project),
        "--learners",
        str(LEARNERS),
        "--reset",
        "--data-dir",
        str(base / "data"),
        "--lang",
        "fr",
    ]
    process = subprocess.Popen(
        command,
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    output: list[str] = []
    deadline = time.monotonic() + 900
    while not any("passwords.csv" in line for line in output):
        try:
            line = lines.get(timeout=max(1.0, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if line is None:
            process.kill()
            pytest.fail("parcours demo did not serve the hub:\n" + "\n".join(output[-40:]))
        output.append(line)
    text = "\n".join(output)
    url = re.search(r"http://127\.0\.0\.1:\d+", text)
    assert url, text
    accounts: dict[str, tuple[str, str]] = {}
    for line in output:
        found = re.match(
            r"\s+(apprenant|enseignant|coordinateur)\s+(\S+)\s+mot de passe (\S+)$", line
        )
        if found:
            accounts[found.group(1)] = (found.group(2), found.group(3))
    assert set(accounts) == {"apprenant", "enseignant", "coordinateur"}, text
    passwords_file = Path(re.findall(r"(/\S+passwords\.csv)", text)[-1])
    site = HubSite(
        url=url.group(0),
        project=project,
        data_dir=base / "data",
        env=env,
        passwords={name: password for name, password in accounts.values()},
        config=None,
        hub=None,
    )
    try:
        yield Demo(site, accounts, passwords_file, output)
    finally:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C, as README says
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        if not os.environ.get("PARCOURS_KEEP_TEST_DEMO"):
            shutil.rmtree(base, ignore_errors=True)


def _no_fault(text: str, where: str) -> None:
    """What a person reads: no server error, no traceback, no ISO timestamp."""
    assert not re.search(r"\b500\b", text), (where, text[:800])
    assert "Traceback" not in text, (where, text[:800])
    assert not ISO.search(text), (where, text[:800])


def test_the_printed_accounts_log_in_with_both_passwords(demo: Demo) -> None:
    with demo.passwords_file.open(encoding="utf-8") as handle:
        written = {row["account"]: row["first_password"] for row in csv.DictReader(handle)}
    for role, (name, password) in demo.accounts.items():
        assert demo.site.login(name, password).logged_in, role
        assert written.get(name) == password, (role, name)  # the file tells the truth
        assert demo.site.login(name, written[name]).logged_in, role
    assert os.stat(demo.passwords_file).st_mode & 0o077 == 0


def _panel(demo: Demo, session: Any, name: str, method: str, path: str, body: Any = None) -> Any:
    """A call of the panel's backend in the learner's own server, as JupyterLab makes it."""
    xsrf = session.cookies.get("_xsrf", path=f"/user/{name}/") or ""
    answer = session.request(
        method,
        f"{demo.site.url}/user/{name}/parcours/api/{path}",
        headers={"X-XSRFToken": xsrf},
        data=None if body is None else json.dumps(body),
        timeout=300,
    )
    assert answer.status_code == 200, (path, answer.status_code, answer.text[:500])
    return answer.json()


def test_the_learners_panel_deadlines_feedback_and_late_work(demo: Demo) -> None:
    name, password = demo.accounts["apprenant"]
    session = demo.site.login(name, password)
    demo.site.start_server(session, name)
    lab = session.get(f"{demo.site.url}/user/{name}/lab", timeout=120)  # the server's OAuth
    assert lab.status_code == 200
    path = _panel(demo, session, name, "GET", "path")
    assert path["lang"] == "fr" and path["texts"]["title"] == "Mon parcours"
    deadlines = _panel(demo, session, name, "GET", f"deadlines?course={COURSE}")
    assert deadlines["timezone"] == "Europe/Paris"
    # the demo's feedback reaches her
    given = _panel(
        demo, session, name, "POST", "feedback", {"course": COURSE, "assignment": "devoir-1"}
    )
    assert given["open"], given
    _no_fault(given["message"], "feedback")
    # late work, handed in from the panel: a French receipt in her local time, lateness said
    _panel(demo, session, name, "POST", "fetch", {"course": COURSE, "assignment": "devoir-3"})
    sent = _panel(
        demo, session, name, "POST", "submit", {"course": COURSE, "assignment": "devoir-3"}
    )
    assert "heure de Paris" in sent["message"], sent
    assert sent.get("late_warning"), sent
    _no_fault(sent["message"] + " " + sent["late_warning"], "receipt")


def _terminal(name: str) -> dict[str, str]:
    """The environment of ``name``'s JupyterLab server, which her terminals inherit."""
    found = subprocess.run(
        ["pgrep", "-u", name, "-f", "jupyterhub-singleuser"], capture_output=True, text=True
    ).stdout.split()
    assert found, f"no JupyterLab server of {name}"
    items = Path(f"/proc/{found[0]}/environ").read_bytes().split(b"\0")
    return dict(i.decode().split("=", 1) for i in items if b"=" in i)


def _in_terminal(name: str, env: dict[str, str], command: str) -> Any:
    """``command`` typed in ``name``'s JupyterLab terminal: a login shell of her account
    with her server's environment (its hub token included)."""
    return subprocess.run(
        [
            "runuser",
            "-u",
            name,
            "--",
            "env",
            "-i",
            *(f"{k}={v}" for k, v in env.items()),
            "bash",
            "-lc",
            command,
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_the_teacher_grades_from_her_own_terminal(demo: Demo) -> None:
    teacher, password = demo.accounts["enseignant"]
    session = demo.site.login(teacher, password)
    demo.site.start_server(session, teacher)
    env = _terminal(teacher)
    assert _in_terminal(teacher, env, "command -v parcours").returncode == 0
    for command in (
        f"parcours roster {COURSE} list",
        f"parcours collect {COURSE} devoir-3",
        f"parcours autograde {COURSE} devoir-3",
        f"parcours feedback {COURSE} devoir-3",
    ):
        done = _in_terminal(teacher, env, command)
        shown = done.stdout + done.stderr
        assert done.returncode in (0, 3), (command, done.returncode, shown[-1500:])
        _no_fault(shown, command)
    # her learner gets the feedback and the correction from her panel
    name, password = demo.accounts["apprenant"]
    learner = demo.site.login(name, password)
    learner.get(f"{demo.site.url}/user/{name}/lab", timeout=120)
    given = _panel(
        demo, learner, name, "POST", "feedback", {"course": COURSE, "assignment": "devoir-3"}
    )
    assert given["open"], given


def test_the_coordinator_opens_her_dashboard(demo: Demo, output_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    name, password = demo.accounts["coordinateur"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.goto(f"{demo.site.url}/hub/login", timeout=60_000)
            assert "Traceback" not in page.content()
            page.fill("#username_input", name)
            page.fill("#password_input", password)
            page.click("#login_submit")
            page.wait_for_url("**/services/dashboards/", timeout=180_000)
            page.get_by_role("link", name="Coordination").click()
            page.locator("h1").first.wait_for(timeout=240_000)
            page.screenshot(path=str(output_dir / "readme-demo-coordinator.png"))
            text = page.locator("body").inner_text()
            assert "Traceback" not in text and "500 :" not in text
        finally:
            browser.close()
