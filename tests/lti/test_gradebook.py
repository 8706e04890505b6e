"""Scores read from nbgrader's own gradebook: PendingManual after autograde while a cell
waits for the teacher, FullyGraded once she graded it, the feedback named once released;
each state queued once however often the sync runs."""

from __future__ import annotations

from parcours.config import ParcoursConfig
from parcours.lti.ags import sync_grades
from parcours.lti.gradebook import queue_from_gradebook

from tests.lti.conftest import launch
from tests.lti.mockplatform import MockPlatform


def test_gradebook_scores_go_pending_then_fully_graded(
    config: ParcoursConfig, platform: MockPlatform
) -> None:
    from nbgrader.api import Gradebook
    from parcours.course.load import find_course, load_course
    from parcours.pipeline.gradebook import open_gradebook, quiet_sqlalchemy

    ana = launch(config, platform, "u-ana")
    course = load_course(find_course(config.courses_dir, "mini-cours"))
    with quiet_sqlalchemy(), open_gradebook(config, course) as gb:  # nbgrader's own SAWarning
        gb.add_assignment("devoir-a")
        gb.add_notebook("nb", "devoir-a")
        gb.add_grade_cell("auto", "nb", "devoir-a", max_score=6, cell_type="code")
        gb.add_grade_cell("essay", "nb", "devoir-a", max_score=4, cell_type="markdown")
        gb.add_student(ana.account)
        gb.add_submission("devoir-a", ana.account)
        auto = gb.find_grade("auto", "nb", "devoir-a", ana.account)
        auto.auto_score, auto.needs_manual_grade = 5, False  # as autograde leaves it
        gb.find_grade("essay", "nb", "devoir-a", ana.account).needs_manual_grade = True
        gb.db.commit()

    assert queue_from_gradebook(config, "mini-cours") == 1
    assert queue_from_gradebook(config, "mini-cours") == 0  # nothing new
    sync_grades(config, "mini-cours")
    ((ident, _column),) = platform.lineitems.items()
    held = platform.results[(ident, "ana-7")]
    assert (held["resultScore"], held["gradingProgress"]) == (5, "PendingManual")

    with Gradebook(config.gradebook_for("mini-cours"), "mini-cours") as gb:
        essay = gb.find_grade("essay", "nb", "devoir-a", ana.account)
        essay.manual_score, essay.needs_manual_grade = 3, False
        gb.db.commit()
    (config.course_root("mini-cours") / "feedback" / ana.account / "devoir-a").mkdir(parents=True)
    assert queue_from_gradebook(config, "mini-cours") == 1
    sync_grades(config, "mini-cours")
    held = platform.results[(ident, "ana-7")]
    assert (held["resultScore"], held["gradingProgress"]) == (8, "FullyGraded")
    assert "devoir-a" in str(held["comment"])
