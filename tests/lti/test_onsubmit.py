"""The service's grading on submit passes each learner's early score to the LMS
(``parcours.lti.onsubmit``, as ``hub/service.py`` wires it): Submitted/Pending (or
PendingManual) in the LMS, then the teacher's grade replaces it, Completed/FullyGraded."""

from __future__ import annotations

import threading
from typing import Any

from parcours.config import ParcoursConfig
from parcours.lti.ags import outbox_status, queue_score, sync_grades
from parcours.lti.onsubmit import after_grading, early_score, passing_back

from tests.lti.conftest import launch
from tests.lti.mockplatform import MockPlatform

COURSE = "mini-cours"


def result(score: float, by_hand: bool = False, status: str = "ok") -> dict[str, Any]:
    """An on-submit result as ``hub/ongrade.py`` writes it."""
    return {
        "status": status,
        "received": "2026-12-07T10:00:00.000+00:00",
        "score": score,
        "max_score": 8.0,
        "notebooks": [{"cells": [{"cell": "q1", "to_grade_by_hand": by_hand}]}],
    }


def test_early_scores() -> None:
    assert early_score(result(6)) == (6.0, 8.0, "Pending")
    assert early_score(result(6, by_hand=True)) == (6.0, 8.0, "PendingManual")
    assert early_score(result(0, status="problems")) == (0.0, 8.0, "Pending")
    assert early_score({"status": "pending"}) is None  # nothing to send yet
    assert early_score({"status": "problems", "notebooks": []}) is None  # nothing graded


def test_the_on_submit_score_reaches_the_lms_then_the_teachers_grade(
    config: ParcoursConfig, platform: MockPlatform
) -> None:
    ana = launch(config, platform, "u-ana")
    woken: list[tuple[str, str, str]] = []
    results = {(COURSE, "devoir-a", ana.account): result(6)}
    notify = passing_back(config, lambda *who: woken.append(who), lambda _c, *key: results.get(key))
    notify(COURSE, "devoir-a", ana.account)
    assert woken == [(COURSE, "devoir-a", ana.account)]  # the waiting learner first
    lineitem = platform.wait_until(lambda: next(iter(platform.lineitems), None))
    score = platform.wait_until(lambda: platform.progress(lineitem, "ana-7")[0] is not None)
    assert score
    # a column made by Parcours (no deep link made one): the assignment's maximum
    assert platform.progress(lineitem, "ana-7") == (6.0, "Submitted", "Pending")

    notify(COURSE, "devoir-a", ana.account)  # the same result again: nothing new sent
    posts = len(platform.score_posts)
    queue_score(config, COURSE, "devoir-a", ana.account, 7, 8, "FullyGraded")
    sync_grades(config, COURSE)  # the teacher's autograde: not a conflict with the early one
    assert len(platform.score_posts) == posts + 1
    assert platform.progress(lineitem, "ana-7") == (7.0, "Completed", "FullyGraded")
    assert [r["status"] for r in outbox_status(config, COURSE)] == ["sent", "sent"]


def test_a_course_on_no_platform_sends_nothing(
    config: ParcoursConfig, platform: MockPlatform
) -> None:
    read = threading.Event()

    def reader(*_args: Any) -> None:
        read.set()

    passing_back(config, lambda *_: None, reader)("autre-cours", "devoir-a", "ana")
    assert not read.is_set() and platform.score_posts == []


def test_the_services_autograde_passes_the_gradebook_back(
    config: ParcoursConfig, platform: MockPlatform
) -> None:
    """What ``hub/teacher_api.py`` calls after the service's autograde or feedback."""
    from parcours.course.load import find_course, load_course
    from parcours.pipeline.gradebook import open_gradebook, quiet_sqlalchemy

    ana = launch(config, platform, "u-ana")
    course = load_course(find_course(config.courses_dir, COURSE))
    with quiet_sqlalchemy(), open_gradebook(config, course) as gb:
        gb.add_assignment("devoir-a")
        gb.add_notebook("nb", "devoir-a")
        gb.add_grade_cell("auto", "nb", "devoir-a", max_score=10, cell_type="code")
        gb.add_student(ana.account)
        gb.add_submission("devoir-a", ana.account)
        auto = gb.find_grade("auto", "nb", "devoir-a", ana.account)
        auto.auto_score, auto.needs_manual_grade = 9, False  # as autograde leaves it
        gb.db.commit()

    assert after_grading(config, COURSE, "devoir-a") == 1  # queued; sent in the background
    lineitem = platform.wait_until(lambda: next(iter(platform.lineitems), None))
    platform.wait_until(lambda: platform.progress(lineitem, "ana-7")[0] is not None)
    assert platform.progress(lineitem, "ana-7") == (9, "Completed", "FullyGraded")
    assert after_grading(config, COURSE, "devoir-a") == 0  # nothing new
    assert after_grading(config, "autre-cours", "devoir-a") == 0  # on no LMS
