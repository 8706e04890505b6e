"""The learner's page lists her badges (issue #28, item 5: "listed on the learner's panel
and dashboard"): those she holds, the day, a link to each one's public page and its
baked image; a revoked one said so; those to earn with their criteria. The page only
reads: looking at it issues nothing (her panel does). In chromium, on the served page."""

from __future__ import annotations

import time
from typing import Any

import pytest

from .conftest import REPO, ClassWorld


@pytest.fixture
def state(world_env: ClassWorld, dashboard_data: Any) -> Any:
    from parcours.config import load_config
    from parcours.dashboards.pages import State

    return State(load_config(REPO), dashboard_data, time.monotonic())


def test_her_badges_on_her_page(state: Any, world_env: ClassWorld, page: Any) -> None:
    from parcours.badges.declared import course_badges
    from parcours.badges.registry import forget, issue, issued, revoke
    from parcours.dashboards.learner_page import LearnerPage
    from parcours.dashboards.served import page_html

    config = state.config
    (course,) = state.data.courses.values()
    student = world_env.student_ids[3]
    declared = {b.id: b for b in course_badges(course)}
    held = issue(config, course, declared["premiers-pas"], student)
    gone = issue(config, course, declared["explorateur"], student)
    revoke(config, gone.id, "erreur de saisie")
    before = len(issued(config, course.id))
    try:
        query = {"learner": student, "lang": "fr"}
        page.set_content(page_html(LearnerPage(state, query), "/static/", query))
        section = page.locator(".parcours-section-badges")
        assert section.locator("h2").inner_text() == "Mes badges"
        first = section.locator(".parcours-badges-held li").filter(has_text="Premiers pas")
        assert "obtenu le" in first.inner_text()
        check = first.get_by_role("link", name="Vérifier")
        assert check.get_attribute("href").endswith(f"/badges/{held.id}")
        image = first.get_by_role("link", name="Image (PNG)")
        assert image.get_attribute("href").endswith(f"/badges/{held.id}.png")
        revoked = section.locator(".parcours-badges-held li").filter(has_text="Explorateur")
        assert "révoqué" in revoked.inner_text() and revoked.locator("a[download]").count() == 0
        text = section.inner_text()
        assert "À obtenir" in text and declared["module-1"].criteria in text
        assert len(issued(config, course.id)) == before  # the page issued nothing
    finally:
        forget(config, student)
