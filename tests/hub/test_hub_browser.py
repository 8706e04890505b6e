"""A learner, a teacher and a coordinator log in through the hub's login page in a real
chromium and use what is theirs: the learner's own JupyterLab (a lesson, a quiz answered,
the notebook saved in her home, the course content untouched), the teacher's formgrader in
its own tab, the coordinator's dashboard. Screenshots in tests/_output/."""

from __future__ import annotations

import json
import pwd
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..conftest import CHROMIUM, CHROMIUM_ARGS
from .conftest import COORDINATOR, COURSE_A, HubSite, _tree_digest

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian chromium is required: apt-get install -y chromium"
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _log_in(browser: Any, site: HubSite, name: str) -> Any:
    """A new browser context (its own cookies) logged in as ``name`` through the hub's
    login page; returns its page, left where the hub sends a person after login."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{site.url}/hub/login", timeout=60_000)
    page.fill("#username_input", name)
    page.fill("#password_input", site.passwords[name])
    page.click("#login_submit")
    return page


def _teacher_page(browser: Any, site: HubSite, teacher: str, assignment: str) -> Any:
    """``teacher`` logged in through the hub's login page, on her teacher dashboard of
    ``assignment`` ("<course>/<id>"), its widgets live; returns the page."""
    from ..dashboards.browser import wait_live

    page = _log_in(browser, site, teacher)
    page.wait_for_url(f"**/user/{teacher}/**", timeout=180_000)
    page.goto(
        f"{site.url}/services/dashboards/voila/render/teacher.ipynb?assignment={assignment}",
        timeout=120_000,
    )
    wait_live(page, timeout_s=240)
    return page


def _show_panel(page: Any) -> Any:
    """Her "Mon parcours" panel, shown by its shortcut and loaded; returns its locator.
    The key is pressed once the panel's extension has started (its panel is in the page,
    its shortcut bound), and the panel is read once every load asked for is done (the
    start-up one, the shortcut's): none will draw it again from an older answer."""
    panel = page.locator("#parcours-panel")
    panel.wait_for(state="attached", timeout=120_000)
    page.keyboard.press("Alt+Shift+P")
    panel.locator("h2").wait_for(timeout=120_000)
    page.locator("#parcours-panel[aria-busy]").wait_for(state="detached", timeout=120_000)
    return panel


def test_learner_works_in_her_own_jupyterlab(
    browser: Any, hub_site: HubSite, output_dir: Path
) -> None:
    page = _log_in(browser, hub_site, "pt-alice")
    # the hub starts her server and opens her JupyterLab
    page.wait_for_url("**/user/pt-alice/lab**", timeout=180_000)
    page.locator(".jp-LabShell").wait_for(timeout=120_000)
    # in her course's language (French), without nbgrader's teacher tools
    menus = page.locator(".lm-MenuBar-item")
    assert menus.first.inner_text() == "Fichier", menus.all_inner_texts()
    lesson = f"{COURSE_A}/lessons/01-decouvrir.ipynb"
    page.goto(f"{hub_site.url}/user/pt-alice/lab/tree/{lesson}", timeout=120_000)
    page.locator(".jp-Notebook").first.wait_for(timeout=120_000)
    page.get_by_text("| Inactif").first.wait_for(timeout=120_000)  # the kernel, in her name
    assert page.get_by_text("Create Assignment").count() == 0
    assert page.locator(".Toastify__toast").count() == 0  # no "Jupyter news?" question
    page.screenshot(path=str(output_dir / "learner-lesson.png"))
    # Exécution > Exécuter toutes les cellules, then answer the first quiz by mouse
    page.locator(".lm-MenuBar-item", has_text="Exécution").first.click()
    page.locator(
        ".lm-Menu-item", has_text=re.compile(r"^Exécuter toutes les cellules")
    ).first.click()
    radios = page.locator(".parcours-quiz input[type=radio]")
    radios.first.wait_for(timeout=180_000)
    quiz = page.locator(".parcours-quiz").first
    quiz.locator("input[type=radio]").first.check()
    quiz.get_by_role("button", name="Vérifier").click()
    feedback = quiz.locator("[role=alert]")
    feedback.first.wait_for(timeout=60_000)
    assert feedback.first.inner_text().strip()
    page.screenshot(path=str(output_dir / "learner-quiz.png"), full_page=False)
    page.keyboard.press("Control+s")
    home = Path(pwd.getpwnam("pt-alice").pw_dir)
    saved = home / lesson
    page.locator(".jp-mod-dirty").first.wait_for(state="detached", timeout=60_000)
    notebook = json.loads(saved.read_text(encoding="utf-8"))
    outputs = [
        o for c in notebook["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])
    ]
    assert outputs, "her notebook, saved in her home, holds the outputs of her run"
    assert saved.stat().st_uid == pwd.getpwnam("pt-alice").pw_uid
    assert not list((home / COURSE_A / "quizzes").glob("*.yaml")), "no readable answers"
    assert _tree_digest(hub_site.project / "courses") == hub_site.extra["content"]
    page.context.close()


def test_teacher_opens_formgrader_in_its_own_tab(
    browser: Any, hub_site: HubSite, output_dir: Path
) -> None:
    page = _log_in(browser, hub_site, "pt-prof-a")
    page.wait_for_url("**/user/pt-prof-a/**", timeout=180_000)
    # a teacher's JupyterLab keeps nbgrader's teacher tools (the learners' leaves them out)
    page.get_by_text("Create Assignment").first.wait_for(timeout=120_000)
    page.goto(f"{hub_site.url}/hub/home", timeout=60_000)
    page.get_by_role("button", name="Services").click()
    # the hub's Services menu lists the course's formgrader, named in French by its title
    link = page.get_by_role("link", name="Correction : Analyse de données avec pandas", exact=True)
    link.wait_for(timeout=30_000)
    assert page.get_by_role("link", name="Correction : Cours B", exact=True).count() == 0
    with page.context.expect_page(timeout=60_000) as opened:
        link.click(modifiers=["Control"])  # in its own tab (JupyterHub blocks the iframe)
    grader = opened.value
    grader.wait_for_load_state(timeout=120_000)
    grader.get_by_text("devoir-1").first.wait_for(timeout=120_000)
    grader.screenshot(path=str(output_dir / "teacher-formgrader.png"))
    assert "Manage Assignments" in grader.content()
    page.context.close()


def test_an_extension_from_the_dashboard_is_given_by_the_teacher(
    browser: Any, hub_site: HubSite, output_dir: Path
) -> None:
    """pt-prof-a extends pt-bob's devoir-3 from her teacher dashboard on the hub: the
    record names her, as the hub's service checked her token, not the account the
    dashboards run as."""
    record = hub_site.config.course_root(COURSE_A) / "extensions.json"
    before = record.read_bytes() if record.exists() else None
    page = _teacher_page(browser, hub_site, "pt-prof-a", f"{COURSE_A}/devoir-3")
    try:
        page.select_option(".parcours-extend-learner select", label="pt-bob")
        page.get_by_role("button", name="Prolonger…").click()
        page.get_by_role("button", name="Confirmer").click()
        said = page.locator(".parcours-action-message [role=status]")
        said.wait_for(timeout=60_000)
        assert "pt-bob" in said.inner_text()
        page.screenshot(path=str(output_dir / "teacher-extends-on-the-hub.png"))
        written = json.loads(record.read_text(encoding="utf-8"))
        granted = written["entries"]["devoir-3"]["pt-bob"]
        assert granted["granted_by"] == "pt-prof-a", granted
        assert written["history"][-1]["by"] == "pt-prof-a", written["history"][-1]  # hers too
    finally:
        page.context.close()
        if before is None:
            record.unlink(missing_ok=True)
        else:
            record.write_bytes(before)


def test_coordinator_opens_the_coordinator_dashboard(
    browser: Any, hub_site: HubSite, output_dir: Path
) -> None:
    page = _log_in(browser, hub_site, COORDINATOR)
    # the hub sends a coordinator to the dashboards' first page; one click opens hers
    page.wait_for_url("**/services/dashboards/", timeout=180_000)
    page.get_by_role("link", name="Coordination").click()
    page.wait_for_url("**/voila/render/coordinator.ipynb", timeout=60_000)
    page.locator("h1").first.wait_for(timeout=240_000)
    assert "coordinat" in page.locator("h1").first.inner_text().lower()
    courses = page.locator("#table-courses").first.inner_text()
    assert "Analyse de données avec pandas" in courses and "Cours B" in courses
    page.screenshot(path=str(output_dir / "coordinator-dashboard.png"))
    page.context.close()
