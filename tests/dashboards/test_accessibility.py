"""axe-core over each dashboard in chromium: no critical or serious violation, plotly
figures included (a figure is a ``figure`` with a name, its controls reachable, never
an ``img`` holding interactive parts: axe's ``nested-interactive``)."""

from __future__ import annotations

import json

import pytest

from ..axe import axe_violations
from .browser import await_preheated, open_dashboard, wait_live

pytestmark = pytest.mark.browser

COURSE = "analyse-de-donnees"


@pytest.mark.parametrize("dashboard", ["coordinator", "teacher", "learner"])
def test_no_serious_violation(voila_server, page, class_world, output_dir, dashboard) -> None:
    query = {
        "coordinator": {},
        "teacher": {"assignment": f"{COURSE}/devoir-1"},
        "learner": {"learner": class_world.student_ids[0]},
    }[dashboard]
    open_dashboard(page, voila_server.url(dashboard, **query), server=voila_server)
    wait_live(page)
    found = axe_violations(page)
    (output_dir / f"axe-{dashboard}.json").write_text(
        json.dumps(found, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    assert found == [], json.dumps(found, indent=1, ensure_ascii=False)


def test_the_first_page_names_the_dashboards(voila_server, page, output_dir) -> None:
    """The server's root lists the dashboards named for people, in the configured
    language (French) or the one asked, not Voila's list of notebook files; keyboard and
    screen reader checked; Tab then Enter opens the coordinator's page."""
    page.goto(voila_server.base_url + "/", timeout=60_000)
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text() == "Tableaux de bord de Parcours"
    assert page.locator("main a").all_inner_texts() == [
        "Coordination",
        "Enseignement",
        "Mon tableau de bord",
    ]
    assert ".ipynb" not in page.locator("main").inner_text()
    page.screenshot(path=str(output_dir / "dashboards-first-page.png"))
    found = axe_violations(page)
    assert found == [], json.dumps(found, indent=1, ensure_ascii=False)

    coordinator = voila_server.url("coordinator")  # in its course's language
    await_preheated(voila_server, coordinator)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(coordinator, timeout=60_000)
    page.locator(".parcours-first-view h1").wait_for(timeout=120_000)

    page.goto(voila_server.base_url + "/?lang=en", timeout=60_000)
    assert page.locator("h1").inner_text() == "Parcours dashboards"
    assert (
        page.locator("main a")
        .first.get_attribute("href")
        .endswith("voila/render/coordinator.ipynb?lang=en")
    )
