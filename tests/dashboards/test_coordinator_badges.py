"""The coordinator sees the badges issued (#28): per badge of the course, how many of the
learners shown hold it, their share, the revoked and the last issued, in French; the
page's filters apply (a cohort's learners only). Read from the credentials database,
in chromium on the served page."""

from __future__ import annotations

import time
from typing import Any

import pytest

from .browser import table_headers, table_rows
from .conftest import REPO, ClassWorld


@pytest.fixture
def state(world_env: ClassWorld, dashboard_data: Any) -> Any:
    from parcours.config import load_config
    from parcours.dashboards.pages import State

    return State(load_config(REPO), dashboard_data, time.monotonic())


def _shown(page: Any, state: Any, query: dict[str, str]) -> dict[str, list[str]]:
    """The "Badges délivrés" table of the coordinator's page for ``query``, by badge."""
    from parcours.dashboards.coordinator_page import CoordinatorPage
    from parcours.dashboards.served import page_html

    page.set_content(page_html(CoordinatorPage(state, query), "/static/", query))
    section = page.locator(".parcours-section-badges-issued")
    assert section.locator("h2").inner_text() == "Badges délivrés"
    assert table_headers(page, "table-badges-issued") == [
        "Badge",
        "Titulaires",
        "Part des apprenants",
        "Révoqués",
        "Dernier délivré",
    ]
    return {row[0]: row[1:] for row in table_rows(page, "table-badges-issued")}


def test_the_badges_issued_on_the_coordinators_page(
    state: Any, world_env: ClassWorld, page: Any
) -> None:
    from parcours.badges.declared import course_badges
    from parcours.badges.registry import forget, issue, revoke

    config, data = state.config, state.data
    (course,) = data.courses.values()
    learners = data.frames.learners
    cohort = data.cohorts()[0]
    members = sorted(data.filtered(cohort=cohort).frames.learners["student_id"])
    assert 2 <= len(members) < len(learners)
    outside = next(s for s in learners["student_id"] if s not in members)
    declared = {b.id: b for b in course_badges(course)}
    first, explorer = declared["premiers-pas"], declared["explorateur"]
    holders = [members[0], members[1], outside]
    try:
        for student in holders:
            issue(config, course, first, student)
        gone = issue(config, course, explorer, members[0])
        revoke(config, gone.id, "erreur de saisie")

        everyone = _shown(page, state, {"lang": "fr"})
        share = f"{round(3 / len(learners) * 100)}\u00a0%"  # French: a space before %
        assert everyone[first.name][:3] == ["3", share, "0"], everyone
        assert everyone[explorer.name][:3] == ["0", "0\u00a0%", "1"]  # revoked: not held
        assert everyone[declared["module-1"].name] == ["0", "0\u00a0%", "0", ""]
        assert everyone[first.name][3].endswith(time.strftime("%Y"))  # a day, in French

        # the cohort's learners only: the one outside it is not counted
        theirs = _shown(page, state, {"lang": "fr", "cohort": cohort})
        share = f"{round(2 / len(members) * 100)}\u00a0%"
        assert theirs[first.name][:3] == ["2", share, "0"], theirs
    finally:
        for student in holders:
            forget(config, student)
