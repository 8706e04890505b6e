"""The scores to pass back, read from nbgrader's gradebook of a course.

Each learner with a graded submission of an assignment gets one row in the outbox
(:func:`.ags.queue_score`): ``PendingManual`` while nbgrader says a cell still needs a
teacher's grade (after autograde), ``FullyGraded`` once none does; the comment says
where her feedback is once it is released. A row is new only when what would be sent
changed, so running this after every autograde and every feedback release is safe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..i18n import _
from .ags import queue_score

if TYPE_CHECKING:
    from ..config import ParcoursConfig


def queue_from_gradebook(
    config: ParcoursConfig, course_id: str, assignments: list[str] | None = None
) -> int:
    """Queue every graded submission's score of ``course_id`` (or of ``assignments``
    only); how many rows were new."""
    from ..course.load import find_course, load_course
    from ..pipeline.gradebook import open_gradebook

    course = load_course(find_course(config.courses_dir, course_id))
    feedback = config.course_root(course.id) / "feedback"
    new = 0
    with open_gradebook(config, course) as gb:
        names = assignments or [a.name for a in gb.assignments]
        for name in names:
            for submission in gb.assignment_submissions(name):
                if submission.max_score <= 0:
                    continue
                progress = "PendingManual" if submission.needs_manual_grade else "FullyGraded"
                released = (feedback / submission.student_id / name).is_dir()
                comment = (
                    _("Your feedback on {assignment} is in Parcours (Mon parcours).").format(
                        assignment=name
                    )
                    if released
                    else ""
                )
                new += queue_score(
                    config,
                    course.id,
                    name,
                    submission.student_id,
                    float(submission.score),
                    float(submission.max_score),
                    progress,
                    comment,
                )
    return new
