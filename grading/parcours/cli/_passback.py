"""Scores passed back to the LMS at the end of ``parcours autograde`` and ``parcours
feedback``, when the course is linked to an LTI platform (docs/lti.md).

Nothing of :mod:`parcours.lti` is imported for a course on no platform: the check reads
only the configuration and whether the tool's database exists."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from parcours.i18n import _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig


def linked_to_lms(config: ParcoursConfig, course: str) -> bool:
    """Whether a platform (configured or registered) sends launches to ``course``."""
    if not config.lti_platforms and not (Path(config.data_dir) / "lti.sqlite").exists():
        return False
    from parcours.lti.platforms import linked

    return linked(config, course)


def pass_back(config: ParcoursConfig, course: str, assignment: str) -> str:
    """Queue the gradebook's scores of ``assignment`` in the LTI outbox and send them at
    once; the lines to print ('' when the course is on no platform). A score the LMS
    could not take stays queued for ``parcours lti COURSE sync-grades``; a score an
    instructor changed in the LMS is named, left as the LMS holds it."""
    if not linked_to_lms(config, course):
        return ""
    from parcours.errors import ParcoursError
    from parcours.lti.ags import sync_grades
    from parcours.lti.gradebook import queue_from_gradebook
    from parcours.safetext import printable

    queued = queue_from_gradebook(config, course, [assignment])
    try:
        report = sync_grades(config, course)
    except ParcoursError as error:
        return _(
            "LMS: {queued} scores queued, not sent ({error}); `parcours lti {course} "
            "sync-grades` sends them."
        ).format(queued=queued, error=error, course=course)
    lines = [
        _(
            "LMS: {queued} scores queued, {sent} sent, {waiting} waiting (`parcours lti {course} "
            "status`)."
        ).format(
            queued=queued,
            sent=len(report.sent),
            waiting=len(report.retrying) + len(report.unlinked) + len(report.failed),
            course=course,
        )
    ]
    for account, work in report.conflicts:
        lines.append(
            _(
                "LMS: {learner}'s score of {assignment} was changed by an instructor in the "
                "LMS: not overwritten (`parcours lti {course} status` shows both)."
            ).format(learner=printable(account), assignment=printable(work), course=course)
        )
    return "\n".join(lines)
