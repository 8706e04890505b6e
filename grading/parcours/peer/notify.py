"""E-mail about appeals of a peer grade (docs/peer-review.md), through the SMTP settings
every Parcours e-mail uses (:mod:`parcours.mail`); off until they are set.

- :func:`tell_staff`: a learner appealed — to the course's staff addresses (the
  ``[tutoring] notify`` of course.toml, who are told of late questions too): who, which
  assignment, her text, where to answer. Sent by the Parcours service after it recorded
  the appeal.
- :func:`tell_learner`: her appeal is answered — to her roster address: the answer, her
  new grade when it changed, where to read it. Sent after ``parcours peer … settle`` and
  the teacher dashboard's answer.

Both are sent after what they tell of is recorded: a mail that fails loses nothing (the
error says so; it is not tried again). What a learner wrote is made printable first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import mail
from ..i18n import _, language, number
from ..safetext import printable

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Assignment, Course


def tell_staff(
    config: ParcoursConfig, course: Course, assignment: Assignment, learner: str, text: str
) -> list[str]:
    """Tell the course's staff addresses of ``learner``'s new appeal; returns the
    addresses written to ([] when e-mail is off or the course names none)."""
    addresses = list(course.tutoring.notify)
    if not addresses or not mail.enabled(config):
        return []
    with language(course.language):
        subject = _("[{course}] Appeal of a peer grade: {assignment}").format(
            course=course.id, assignment=assignment.id
        )
        body = "\n".join(
            [
                _("{learner} appeals the peer grade of '{assignment}':").format(
                    learner=learner, assignment=assignment.title
                ),
                "",
                printable(text[:4000]),
                "",
                _(
                    "Answer on the teacher dashboard (Actions, 'Answer the appeal…') or "
                    "with: parcours peer {course} {assignment} settle --learner {learner} "
                    "--answer TEXT"
                ).format(course=course.id, assignment=assignment.id, learner=learner),
            ]
        )
    # said to whoever acts (the command's or the page's language), not in the course's
    what = _("the e-mail telling the staff of {learner}'s appeal").format(learner=learner)
    mail.send(config, mail.message(config, addresses, subject, body), what)
    return addresses


def tell_learner(
    config: ParcoursConfig,
    course: Course,
    assignment: Assignment,
    learner: str,
    settled: dict[str, Any],
) -> list[str]:
    """Tell ``learner`` her appeal is answered (``settled``: the appeal as
    :func:`parcours.peer.appeals.settle` returns it); returns the address written to
    ([] when e-mail is off or the roster has none for her)."""
    from ..pipeline.roster import load_roster

    if not mail.enabled(config):
        return []
    known = load_roster(config, course).learners.get(learner)
    if known is None or not known.email:
        return []
    with language(course.language):
        subject = _("[{course}] Your appeal is answered: {assignment}").format(
            course=course.id, assignment=assignment.id
        )
        lines = [
            _("Your teacher answered your appeal of the peer grade of '{assignment}':").format(
                assignment=assignment.title
            ),
            "",
            printable(str(settled.get("answer") or "")[:4000]),
            "",
        ]
        if settled.get("score") is not None:
            lines += [
                _("Your grade is now {score} points.").format(
                    score=number(settled["score"], course.language)
                ),
                "",
            ]
        lines.append(
            _(
                "Read it in the \"Mon parcours\" panel of your JupyterLab (course '{course}')."
            ).format(course=course.title)
        )
    what = _("the e-mail telling {learner} of the answer").format(learner=learner)
    mail.send(config, mail.message(config, [known.email], subject, "\n".join(lines)), what)
    return [known.email]
