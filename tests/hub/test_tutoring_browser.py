"""A learner asks from a lesson in her JupyterLab on the hub, in a real chromium: the "Mon
parcours" panel suggests a classmate's similar question while she types, she asks
anyway; the notebook and cell are attached; a classmate reads it without her name; the
tutor answers; her panel shows the unread answer, and the answer itself. Screenshots in
tests/_output/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .conftest import COURSE_A, HubSite
from .test_hub_browser import _log_in, browser  # noqa: F401
from .test_service import _call
from .test_tutoring_service import TUTOR, tutored  # noqa: F401

pytestmark = pytest.mark.browser


def test_asking_from_a_lesson_in_the_panel(
    browser: Any,  # noqa: F811
    hub_site: HubSite,
    tutored: dict[str, str],  # noqa: F811
    output_dir: Path,
) -> None:
    base = f"api/courses/{COURSE_A}/questions"
    bob, tutor = tutored["pt-bob"], tutored[TUTOR]
    seeded = _call(
        hub_site, bob, "POST", base, json={"title": "Comment créer un DataFrame depuis une liste ?"}
    )
    assert seeded.status_code == 201, seeded.text
    page = _log_in(browser, hub_site, "pt-alice")
    page.wait_for_url("**/user/pt-alice/lab**", timeout=180_000)
    lesson = f"{COURSE_A}/lessons/01-decouvrir.ipynb"
    page.goto(f"{hub_site.url}/user/pt-alice/lab/tree/{lesson}", timeout=120_000)
    page.locator(".jp-Notebook").first.wait_for(timeout=120_000)
    page.locator(".jp-Notebook .jp-Cell").nth(2).click()  # where she is
    page.keyboard.press("Alt+Shift+P")  # the panel, loaded again: its heading focused after
    panel = page.locator("#parcours-panel")
    panel.locator("h2:focus").wait_for(timeout=120_000)
    form = panel.locator(".parcours-panel-ask").first
    form.wait_for(timeout=120_000)
    assert "24 heures ouvrées" in panel.locator(".parcours-panel-commitment").first.inner_text()
    form.get_by_label("Votre question").fill("créer un DataFrame à partir d'une liste")
    # (the hub's other tests may have asked their own questions on DataFrames)
    suggestion = form.locator(
        ".parcours-panel-similar li", has_text="Comment créer un DataFrame depuis une liste"
    )
    suggestion.wait_for(timeout=30_000)
    page.screenshot(path=str(output_dir / "tutoring-suggestion.png"))
    form.get_by_label("Détails (Markdown)").fill("J'ai essayé `pd.DataFrame(l)`.")
    form.get_by_role("button", name="Poser la question").click()
    panel.get_by_text("Votre question est envoyée.").wait_for(timeout=60_000)
    # a classmate reads it without her name; the notebook and cell came with it
    listed = _call(hub_site, bob, "GET", base).json()["questions"]
    mine = next(q for q in listed if q["title"].startswith("créer un DataFrame"))
    assert mine["author"] == "un·e camarade" and "pt-alice" not in str(listed)
    assert mine["notebook"].endswith("lessons/01-decouvrir.ipynb") and mine["cell"]
    assert mine["activity"] == "l01-decouvrir"
    # the tutor sees her name, answers; her panel shows one unread answer, then the answer
    staff = _call(hub_site, tutor, "GET", f"{base}/{mine['id']}").json()
    assert staff["author"] == "pt-alice"
    answered = _call(
        hub_site,
        tutor,
        "POST",
        f"{base}/{mine['id']}/answers",
        json={"body": "Voir la **leçon 1**."},
    )
    assert answered.status_code == 201, answered.text
    panel.get_by_role("button", name="Actualiser").first.click()
    entry = panel.locator(
        ".parcours-panel-question-list li", has_text="créer un DataFrame à partir"
    )
    entry.locator(".parcours-panel-unread", has_text="1").wait_for(timeout=60_000)
    entry.get_by_role("button", name="Lire").first.click()
    # the answer, in her panel (sanitised Markdown)
    try:
        panel.locator(".parcours-panel-answer strong", has_text="leçon 1").first.wait_for(
            timeout=60_000
        )
    except PlaywrightTimeout:  # what her panel showed instead (an intermittent failure)
        raise AssertionError(panel.inner_text()) from None
    page.screenshot(path=str(output_dir / "tutoring-answer.png"))
    page.context.close()
