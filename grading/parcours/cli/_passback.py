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
    from parcours.lti.platforms import platforms

    return any(
        course in p.courses.values() or p.default_course == course for p in platforms(config)
    )


def pass_back(config: ParcoursConfig, course: str, assignment: str) -> str:
    """Queue the gradebook's scores of ``assignment`` in the LTI outbox and send them at
    once; the line to print ('' when the course is on no platform). A score the LMS
    could not take stays queued for ``parcours lti COURSE sync-grades``."""
    if not linked_to_lms(config, course):
        return ""
    from parcours.errors import ParcoursError
    from parcours.lti.ags import sync_grades
    from parcours.lti.gradebook import queue_from_gradebook

    queued = queue_from_gradebook(config, course, [assignment])
    try:
        report = sync_grades(config, course)
    except ParcoursError as error:
        return _(
            "LMS: {queued} scores queued, not sent ({error}); `parcours lti {course} "
            "sync-grades` sends them."
        ).format(queued=queued, error=error, course=course)
    return _(
        "LMS: {queued} scores queued, {sent} sent, {waiting} waiting (`parcours lti {course} "
        "status`)."
    ).format(
        queued=queued,
        sent=len(report.sent),
        waiting=len(report.retrying)
        + len(report.unlinked)
        + len(report.conflicts)
        + len(report.failed),
        course=course,
    )
