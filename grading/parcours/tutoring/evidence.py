"""A learner's questions in her evidence pack (Qualiopi: proof that assistance was given,
and when): each question she asked, its answers with their times, the first staff
response and the resolution in working hours against the course's commitment.
Classmates who answered stay anonymous; the staff are named (they answer in their name)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .clock import WorkingClock
from .model import CLASSMATE

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course


def learner_exchanges(config: ParcoursConfig, course: Course, learner: str) -> list[dict[str, Any]]:
    """Her questions of ``course`` (merged ones included), oldest first, JSON-ready."""
    from ..i18n import _
    from . import open_tutoring

    clock = WorkingClock.of_course(course)
    hours = float(course.tutoring.response_hours)
    found = []
    with open_tutoring(config.events_url) as store:
        for question in store.questions(course.id, author=learner, merged=True):
            first = question.first_staff_at
            waited = (
                None if first is None else round(clock.hours_between(question.asked_at, first), 2)
            )
            resolved = question.resolved_at
            found.append(
                {
                    "question": question.id,
                    "title": question.title,
                    "activity": question.activity,
                    "asked_at": question.asked_at.isoformat(),
                    "due": clock.add(question.asked_at, hours).isoformat(),
                    "first_staff_at": None if first is None else first.isoformat(),
                    "first_staff_by": question.first_staff_by,
                    "first_response_hours": waited,
                    "within_commitment": None if waited is None else waited <= hours,
                    "resolved_at": None if resolved is None else resolved.isoformat(),
                    "resolution_hours": None
                    if resolved is None
                    else round(clock.hours_between(question.asked_at, resolved), 2),
                    "answers": [
                        {
                            "at": a.at.isoformat(),
                            "by": a.author if a.staff or a.author == learner else _(CLASSMATE),
                            "staff": a.staff,
                            "endorsed": a.endorsed,
                            "body": a.body,
                        }
                        for a in store.answers(question.merged_into or question.id)
                    ],
                }
            )
    return found
