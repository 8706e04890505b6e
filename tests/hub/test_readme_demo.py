"""README's command 1 as a newcomer runs it: ``parcours demo`` in its hub form (root), on a
fresh data folder, then the people it prints live their day — the definition of "the demo
works" (issue #24). The printed learner logs in with the printed password and with
``passwords.csv``'s; her "Mon parcours" panel answers (no 500), in French, her deadlines
in her zone, the demo's feedback reaches her; she hands in late work and is told so in her
local time; the printed teacher runs ``parcours`` in a login shell of her own account
(collect, autograde, feedback); the printed coordinator opens her dashboard in chromium.

In chromium, as a person does it: the learner logs in on the hub's French login page,
answers a quiz in a lesson (recorded by the service: no "Enregistrement différé"), reads
her deadlines in the "Mon parcours" panel (named, in her own zone with the zone shown),
fetches and hands in from the panel (a French receipt, lateness said), gets a correction
after its due date, and meets the hub's own pages (home, Services menu, 404, 403) in
French; the coordinator records a follow-up in her dashboard. Every page and output
visited passes :func:`.french.french_mode`: no "500", no traceback, no ISO timestamp, no
time without its zone, none of JupyterHub's English sentences.
"""

from __future__ import annotations

import csv
import json
import os
import pwd
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
from parcours.badges.bake import baked

from ..conftest import CHROMIUM, CHROMIUM_ARGS
from .conftest import HubSite
from .french import french_mode, read_page

REPO = Path(__file__).resolve().parents[2]
COURSE = "analyse-de-donnees"
#: a small class: the demo's pipeline runs for each learner (real kernels)
LEARNERS = 6
#: the demo course's assignments, as the learner reads them
TITLES = {
    "devoir-1": "Explorer la fréquentation d'une médiathèque",
    "devoir-2": "Nettoyer les ventes d'une boulangerie",
    "devoir-3": "Analyser des relevés de températures",
}
#: the learner's own zone (the course's is Europe/Paris)
HER_ZONE = "America/Cayenne"
#: the quiz question she answers in lesson 1
QUESTION = "l01-q1"
SERVICE = "parcours"


@dataclass
class Demo:
    """The running demo and what it printed."""

    site: HubSite
    accounts: dict[str, tuple[str, str]]  # role -> (name, password)
    passwords_file: Path
    output: list[str]


def _free_port() -> int:
    from parcours.servers import free_port

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
        # Ctrl-C as in a terminal: a test run started in the background of a shell ignores
        # SIGINT, which the demo would inherit (then never stop, its hub left running)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
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


def test_the_printed_accounts_log_in_with_both_passwords(demo: Demo) -> None:
    with demo.passwords_file.open(encoding="utf-8") as handle:
        written = {row["account"]: row["first_password"] for row in csv.DictReader(handle)}
    for role, (name, password) in demo.accounts.items():
        assert demo.site.login(name, password).logged_in, role
        assert written.get(name) == password, (role, name)  # the file tells the truth
        assert demo.site.login(name, written[name]).logged_in, role
    assert os.stat(demo.passwords_file).st_mode & 0o077 == 0


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _service_events(demo: Demo, name: str, question: str) -> int:
    """How many answers to ``question`` the Parcours service holds for ``name`` (asked
    with a token of hers, as her kernel's recorder sends them)."""
    import requests
    from parcours.hub.server import HubClient

    token = (demo.site.data_dir / "hub" / "accounts.token").read_text().strip()
    made = HubClient(f"{demo.site.url}/hub/api", token).call(
        "POST", f"/users/{name}/tokens", {"scopes": [f"access:services!service={SERVICE}"]}
    )
    answer = requests.get(
        f"{demo.site.url}/services/{SERVICE}/api/events?verb=answered",
        headers={"Authorization": f"token {made['token']}"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text[:500]
    return sum(1 for event in answer.json() if event["object_id"] == question)


def test_the_learner_lives_her_day_in_the_browser(
    demo: Demo, browser: Any, output_dir: Path
) -> None:
    from playwright.sync_api import expect

    name, password = demo.accounts["apprenant"]
    url = demo.site.url
    # her own zone is not the course's (Europe/Paris): the panel's dates are hers
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, timezone_id=HER_ZONE, locale="fr-FR"
    )
    page = context.new_page()
    try:
        page.goto(f"{url}/hub/login", timeout=60_000)
        expect(page.locator("h1")).to_have_text("Se connecter")
        login = read_page(page, "login page")
        assert "Nom d'utilisateur" in login and "Mot de passe" in login, login
        page.fill("#username_input", name)
        page.fill("#password_input", password)
        page.click("#login_submit")
        page.wait_for_url(f"**/user/{name}/lab**", timeout=240_000)
        page.locator(".jp-LabShell").wait_for(timeout=180_000)

        # -- the panel: her deadlines, named, in her zone with the zone shown ------------
        page.keyboard.press("Alt+Shift+P")
        panel = page.locator("#parcours-panel")
        expect(panel.locator("h2")).to_have_text("Mon parcours", timeout=60_000)
        expect(panel.locator("h2")).to_be_focused(timeout=120_000)  # loaded
        expect(panel.locator(".parcours-panel-assignment")).to_have_count(3, timeout=120_000)
        text = read_page(page, "panel", "#parcours-panel")
        assert f"Dates et heures dans mon fuseau horaire : {HER_ZONE}" in text, text
        for title in TITLES.values():
            assert title in text, (title, text)
        expect(panel.locator(".parcours-panel-badges h4")).to_have_text("Mes badges")
        expect(panel.locator(".parcours-badge-held a[download]").first).to_have_text("Image (PNG)")
        # devoir-1 is due on 28 Sept at 23:59 in Paris: 18:59 in Cayenne, the zone named
        assert re.search(r"28 septembre 2026\D{0,5}18:59 UTC.3", text), text
        page.screenshot(path=str(output_dir / "learner-panel.png"))

        # -- a quiz in a lesson, answered and recorded by the service --------------------
        before = _service_events(demo, name, QUESTION)
        lesson = f"{COURSE}/lessons/01-decouvrir.ipynb"
        page.goto(f"{url}/user/{name}/lab/tree/{lesson}", timeout=120_000)
        # her lesson, not a tab JupyterLab restored from an earlier visit (kept hidden)
        page.locator(".jp-Notebook:visible").first.wait_for(timeout=120_000)
        page.get_by_text("| Inactif").first.wait_for(timeout=180_000)
        page.locator(".lm-MenuBar-item", has_text="Exécution").first.click()
        page.locator(
            ".lm-Menu-item", has_text=re.compile(r"^Exécuter toutes les cellules")
        ).first.click()
        quiz = page.locator(f".parcours-q-{QUESTION}").first
        quiz.locator("input[type=radio]").first.wait_for(timeout=240_000)
        quiz.locator("input[type=radio]").nth(1).check()
        quiz.get_by_role("button", name="Vérifier").click()
        expect(quiz.locator("[role=alert]").first).not_to_be_empty(timeout=60_000)
        # her kernel records the answer (or says it could not) before it shows the verdict
        assert _service_events(demo, name, QUESTION) == before + 1
        read_page(page, "quiz", f".parcours-q-{QUESTION}")  # no "Enregistrement différé"
        read_page(page, "the lesson in her JupyterLab")
        page.screenshot(path=str(output_dir / "learner-quiz.png"))

        # -- fetch and hand in from the panel: a French receipt, lateness said ------------
        page.keyboard.press("Alt+Shift+P")
        expect(panel.locator("h2")).to_be_focused(timeout=120_000)
        live = panel.locator(".parcours-panel-live")
        work = panel.locator(".parcours-panel-assignment").filter(has_text=TITLES["devoir-2"])
        work.get_by_role("button", name=re.compile("^Récupérer")).click()
        expect(live).to_contain_text("Récupéré dans", timeout=120_000)
        page.keyboard.press("Alt+Shift+P")  # the panel again (the notebook took the focus)
        expect(panel.locator("h2")).to_be_focused(timeout=120_000)
        work.get_by_role("button", name=re.compile("^Rendre")).click()
        form = work.locator(".parcours-panel-reflection")
        form.locator("input[type=number]").fill("40")
        form.locator("textarea").fill("les valeurs manquantes")
        form.get_by_label("3", exact=True).check()
        form.get_by_role("button", name="Envoyer et rendre").click()
        expect(live).to_contain_text("reçu le", timeout=180_000)
        receipt = read_page(page, "receipt", "#parcours-panel .parcours-panel-live")
        assert f"Rendu de « {TITLES['devoir-2']} » reçu le" in receipt, receipt
        assert "heure de Paris" in receipt, receipt
        assert live.locator(".parcours-panel-late").inner_text().strip(), receipt
        page.screenshot(path=str(output_dir / "learner-receipt.png"))

        # -- after its due date, the correction of devoir-1 ----------------------------
        first = panel.locator(".parcours-panel-assignment").filter(has_text=TITLES["devoir-1"])
        first.get_by_role("button", name=re.compile("^Corrigé")).click()
        expect(live).to_contain_text("devoir-1-correction", timeout=120_000)
        read_page(page, "correction", "#parcours-panel .parcours-panel-live")
        home = Path(pwd.getpwnam(name).pw_dir)
        assert list((home / COURSE / "devoir-1-correction").glob("*.ipynb")), "no correction"

        # -- the hub's own pages, in French --------------------------------------------
        page.goto(f"{url}/hub/home", timeout=60_000)
        expect(page.locator("#start")).to_have_text(re.compile("Mon serveur"))
        read_page(page, "home")
        page.get_by_role("button", name="Services").click()
        entries = page.locator(".dropdown-menu a.dropdown-item")
        menu = dict(
            zip(
                entries.all_inner_texts(),
                entries.evaluate_all("links => links.map(a => a.href)"),
                strict=True,
            )
        )
        assert menu and SERVICE not in menu, menu  # the data service has no page
        for label, href in menu.items():
            opened = page.goto(href, timeout=120_000)
            assert opened is not None and opened.ok, (label, href)
            read_page(page, f"Services menu: {label}")
        for path, title in (("hub/nowhere", "Page introuvable"), ("hub/admin", "Accès refusé")):
            page.goto(f"{url}/{path}", timeout=60_000)
            expect(page.locator("h1")).to_have_text(title)
            read_page(page, path)
        page.goto(f"{url}/hub/home", timeout=60_000)
        page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_url("**/hub/login**", timeout=60_000)
        expect(page.locator("h1")).to_have_text("Se connecter")
        read_page(page, "logged out")
    except BaseException:
        page.screenshot(path=str(output_dir / "failed.png"))
        raise
    finally:
        context.close()


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
    import requests

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
    french_mode(given["message"], "feedback")
    # her badges (the demo course declares three): those she earned are issued as she
    # looks, each linked to its public page, which says it is valid; the rest to earn
    badges = _panel(demo, session, name, "GET", f"badges?course={COURSE}")
    assert badges["badges"] and badges["texts"]["heading"] == "Mes badges", badges
    held = [b["badge"] for b in badges["earned"]]
    left = [b["badge"] for b in badges["to_earn"]]
    assert held, badges  # the demo shows a newcomer what a badge is
    assert sorted(held + left) == ["explorateur", "module-1", "premiers-pas"], badges
    for badge in badges["earned"]:
        path = badge["url"][badge["url"].index("/services/") :]
        public = requests.get(f"{demo.site.url}{path}?lang=fr", timeout=60)  # no login
        assert public.status_code == 200 and 'data-status="valid"' in public.text, path
        french_mode(public.text, f"badge page {badge['badge']}")
        # its image, her credential baked in (Open Badges 3.0): the one the page gives
        image = requests.get(f"{demo.site.url}{path}.png", timeout=60)
        jwt = requests.get(f"{demo.site.url}{path}?format=jwt", timeout=60)
        assert image.status_code == 200 and baked(image.content) == jwt.text, path
    # late work, handed in from the panel: a French receipt in her local time, lateness said
    _panel(demo, session, name, "POST", "fetch", {"course": COURSE, "assignment": "devoir-3"})
    sent = _panel(
        demo, session, name, "POST", "submit", {"course": COURSE, "assignment": "devoir-3"}
    )
    assert "heure de Paris" in sent["message"], sent
    assert sent.get("late_warning"), sent
    french_mode(sent["message"] + " " + sent["late_warning"], "receipt")


def _terminal(demo: Demo, name: str) -> dict[str, str]:
    """The environment of ``name``'s JupyterLab server on this demo's hub, which her
    terminals inherit."""
    found = subprocess.run(
        ["pgrep", "-u", name, "-f", "jupyterhub-singleuser"], capture_output=True, text=True
    ).stdout.split()
    for pid in found:
        items = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        env = dict(i.decode().split("=", 1) for i in items if b"=" in i)
        if env.get("PARCOURS_DATA_DIR") == str(demo.site.data_dir):
            return env
    raise AssertionError(f"no JupyterLab server of {name} on {demo.site.url} ({found})")


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
    env = _terminal(demo, teacher)
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
        french_mode(shown, command)
    # her Services menu: each entry, named in French, leads to a page of its own
    home = session.get(f"{demo.site.url}/hub/home", timeout=60)
    page = home.content.decode("utf-8")  # the page says so in its <meta charset>
    menu = re.findall(r'class="dropdown-item" href="([^"]+)">([^<]+)</a>', page)
    assert sorted(label for _href, label in menu) == [
        "Correction : Analyse de données avec pandas",
        "Tableaux de bord",
    ], menu
    for href, label in menu:
        opened = session.get(demo.site.url + href, timeout=120)
        assert opened.status_code == 200, (label, opened.status_code, opened.url)
    # her learner gets the feedback and the correction from her panel
    name, password = demo.accounts["apprenant"]
    learner = demo.site.login(name, password)
    learner.get(f"{demo.site.url}/user/{name}/lab", timeout=120)
    given = _panel(
        demo, learner, name, "POST", "feedback", {"course": COURSE, "assignment": "devoir-3"}
    )
    assert given["open"], given
