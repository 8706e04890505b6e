"""A course nobody has started yet (no roster, no events, no gradebook): every dashboard
shows its empty state instead of failing, and the figures are zeros, not errors."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def empty_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(tmp_path / "fresh"))
    from parcours.dashboards import pages

    return pages.prepare("coordinator")  # warms every coordinator number, as Voila does


def test_coordinator_page_of_an_empty_class(empty_state) -> None:
    from parcours.dashboards import coordinator as vm
    from parcours.dashboards.coordinator_page import CoordinatorPage

    assert vm.learners_at_risk(empty_state.data).empty
    overview = vm.courses_overview(empty_state.data)
    assert list(overview["learners"]) == [0]
    page = CoordinatorPage(empty_state, {"lang": "en"})
    page.render()
    assert "Coordinator dashboard" in page.title


def test_teacher_and_learner_pages_of_an_empty_class(empty_state) -> None:
    from parcours.dashboards import teacher as vm
    from parcours.dashboards.learner_page import LearnerPage
    from parcours.dashboards.teacher_page import TeacherPage

    status = vm.assignment_status(empty_state.data, "analyse-de-donnees", "devoir-1")
    assert (status.learners, status.on_time, status.late, status.missing) == (0, 0, 0, 0)
    teacher = TeacherPage(empty_state, {"lang": "fr"})
    teacher.render()
    assert "Tableau de bord" in teacher.title
    learner = LearnerPage(empty_state, {"lang": "en", "learner": "nobody-yet"})
    learner.render()
    assert learner.title and learner.blocks


def test_a_learner_with_nothing_planned_is_told_why_her_week_is_empty(empty_state) -> None:
    """An empty "My planned work this week" chart says why, in her language (#24)."""
    from parcours.dashboards.blocks import Static
    from parcours.dashboards.learner_page import LearnerPage

    empty_state.config.learner = "nobody-yet"  # her own page, as she opens it
    learner = LearnerPage(empty_state, {"lang": "fr"})
    learner.render()
    html = " ".join(
        str(output["data"].get("text/html", ""))
        for block in learner.blocks
        if isinstance(block, Static)
        for output in block.outputs
    )
    assert "Rien de prévu pour les sept prochains jours" in html
