"""Scores passed back to the LMS by the Parcours service: the early scores of grading on
submit, and the gradebook's after a teacher's autograde or feedback through the service.

When the service's grading on submit (``hub/ongrade.py``) writes a learner's result, and
her course is linked to an LMS, her score goes to the outbox (:func:`.ags.queue_score`)
as an early one: ``activityProgress`` Submitted, ``gradingProgress`` Pending (or
PendingManual when a cell waits for a teacher), then the outbox is sent, in one thread of
its own so that grading never waits for the LMS. The teacher's ``parcours autograde`` and
``parcours feedback`` send the real grade later (Completed, FullyGraded). What the LMS
could not take stays in the outbox for ``parcours lti COURSE sync-grades``.

When a teacher autogrades or releases feedback through the service (``hub/teacher_api.py``),
:func:`after_grading` queues the gradebook's scores as ``parcours autograde`` and
``parcours feedback`` do (:mod:`.gradebook`) and sends them in the same thread.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from ..errors import ParcoursError

if TYPE_CHECKING:
    from ..config import ParcoursConfig

log = logging.getLogger("parcours.service")

#: (course, assignment, learner) -> her on-submit result (a dict), or None
ResultReader = Callable[[Any, str, str, str], "dict[str, Any] | None"]
Notify = Callable[[str, str, str], None]


def early_score(result: dict[str, Any]) -> tuple[float, float, str] | None:
    """(score, maximum, progress) of an on-submit result; None when it has no score to
    send (still pending, or nothing gradable)."""
    if result.get("status") not in ("ok", "problems"):
        return None
    try:
        score, top = float(result.get("score") or 0.0), float(result.get("max_score") or 0.0)
    except (TypeError, ValueError):
        return None
    if top <= 0:
        return None
    by_hand = any(
        cell.get("to_grade_by_hand")
        for notebook in result.get("notebooks") or []
        for cell in notebook.get("cells") or []
    )
    return score, top, "PendingManual" if by_hand else "Pending"


_sender: ThreadPoolExecutor | None = None
_sender_lock = threading.Lock()


def sender() -> ThreadPoolExecutor:
    """The service's one thread sending the outbox (started on first use): grading and
    the teachers' commands never wait for the LMS."""
    global _sender
    with _sender_lock:
        if _sender is None:
            _sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lti-passback")
        return _sender


def send(config: ParcoursConfig, course: str) -> None:
    """Send the course's due scores; a failure is logged, the rows stay queued."""
    from .ags import sync_grades

    try:
        report = sync_grades(config, course)
    except (ParcoursError, OSError, sqlite3.Error) as error:
        log.warning("scores of %s not sent to the LMS: %s", course, error)
        return
    for account, assignment in report.conflicts:
        log.warning(
            "%s's score of %s (%s) was changed in the LMS: not overwritten",
            account, assignment, course,
        )  # fmt: skip


def after_grading(config: ParcoursConfig, course: str, assignment: str) -> int:
    """After the service's autograde or feedback release of ``assignment``: the
    gradebook's scores queued, then sent by :func:`sender`; how many were queued (0 for
    a course on no LMS). Never raises: the teacher's command is done whatever the LMS does."""
    try:
        from .platforms import linked

        if not linked(config, course):
            return 0
        from .gradebook import queue_from_gradebook

        queued = queue_from_gradebook(config, course, [assignment])
    except (ParcoursError, OSError, sqlite3.Error) as error:
        log.warning("scores of %s (%s) not queued for the LMS: %s", course, assignment, error)
        return 0
    sender().submit(send, config, course)
    return queued


class OnSubmitPassback:
    """The service's sender of on-submit scores: :meth:`result_written` queues one score
    and asks the sending thread to send the course's outbox."""

    def __init__(self, config: ParcoursConfig, read_result: ResultReader) -> None:
        self.config = config
        self.read_result = read_result

    def result_written(self, course: str, assignment: str, learner: str) -> None:
        """Queue the learner's new on-submit score if her course is linked to an LMS
        (never raises: the learner's result is written whatever the LMS does)."""
        try:
            from .platforms import linked

            if not linked(self.config, course):
                return
            result = self.read_result(self.config, course, assignment, learner) or {}
            early = early_score(result)
            if early is None:
                return
            from .ags import queue_score

            score, top, progress = early
            version = f"on-submit:{result.get('received', '')}"
            if queue_score(
                self.config, course, assignment, learner, score, top, progress, version=version
            ):
                sender().submit(send, self.config, course)
        except (ParcoursError, OSError, sqlite3.Error) as error:
            log.warning(
                "on-submit score of %s (%s, %s) not queued for the LMS: %s",
                learner, course, assignment, error,
            )  # fmt: skip


def passing_back(config: ParcoursConfig, notify: Notify, read_result: ResultReader) -> Notify:
    """``notify`` (the service's waking of waiting learners) followed by the on-submit
    score's passback: what :class:`~parcours.hub.ongrade.SubmitGrader` calls each time a
    result is written."""
    passback = OnSubmitPassback(config, read_result)

    def written(course: str, assignment: str, learner: str) -> None:
        notify(course, assignment, learner)
        passback.result_written(course, assignment, learner)

    return written
