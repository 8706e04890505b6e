"""A submission's receipt, worded once for every place a learner reads it: the "Mon
parcours" panel (:mod:`.learnerpanel`), the Parcours service's answer on
the hub (:mod:`parcours.hub.learner_api`) and ``parcours submit``.

When it was received is written on the wall clock of the assignment's zone, the zone
named (:func:`parcours.course.zones.shown`); the number of files takes gettext's
plural; a submission after the learner's own due date says how late it is and the
course's late policy (:func:`late_warning`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ..i18n import _, language, ngettext

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course

#: the fields of a receipt (:func:`receipt`)
RECEIPT = ("message", "received", "late_warning", "left_out")


def late_warning(
    course: Course,
    assignment_id: str,
    own_due: dt.datetime,
    lang: str,
    *,
    at: dt.datetime | None = None,
) -> str:
    """What a submission at ``at`` (default: now) means: '' up to the learner's own due
    date, else how late it is and the course's late policy (its penalty, if any)."""
    from .deadlines import find_assignment, lateness
    from .records import now_utc

    seconds = ((at or now_utc()) - own_due).total_seconds()
    if seconds <= 0:
        return ""
    policy = find_assignment(course, assignment_id).late_policy
    with language(lang):
        warning = _("Your due date has passed: this submission is {late} late.").format(
            late=lateness(seconds, lang)
        )
        if policy.kind == "zero":
            warning += " " + _("A late submission gets no points in this course.")
        elif policy.kind == "penalty":
            warning += " " + _(
                "Late penalty: {per_day} % of the points per day, at most {cap} %."
            ).format(per_day=round(policy.per_day * 100), cap=round(policy.cap * 100))
    return warning


def receipt(
    course: Course,
    assignment: str,
    received: dt.datetime,
    own_due: dt.datetime,
    left_out: str,
    lang: str,
    *,
    files: int | None = None,
) -> dict[str, Any]:
    """A submission's receipt as the learner reads it: ``message`` (what was received,
    when, in the assignment's zone named, and how many files when known),
    ``late_warning`` (how late it was received, and the penalty; '' when on time),
    ``left_out`` (what the size limit kept out, as given) and ``received`` (ISO 8601)."""
    from ..course.zones import shown, zone_of
    from .deadlines import find_assignment

    work = find_assignment(course, assignment)
    when = shown(received, zone_of(course, work), lang)
    with language(lang):
        if files is None:
            message = _("Submission of '{assignment}' received on {when}.")
        else:
            message = ngettext(
                "Submission of '{assignment}' received on {when} ({files} file).",
                "Submission of '{assignment}' received on {when} ({files} files).",
                files,
            )
        message = message.format(assignment=work.title, when=when, files=files)
    return {
        "message": message,
        "received": received.isoformat(),
        "late_warning": late_warning(course, assignment, own_due, lang, at=received),
        "left_out": left_out,
    }


def submitted_receipt(
    config: ParcoursConfig,
    course: Course,
    assignment: str,
    learner: str,
    left_out: str,
    lang: str,
    *,
    files: int | None = None,
) -> dict[str, Any]:
    """The :func:`receipt` of the learner's submission just made on this machine: received
    when the exchange shows it (else now), late against their own due date."""
    from .deadlines import find_assignment, learner_deadlines
    from .records import now_utc

    rows = {row.assignment: row for row in learner_deadlines(config, course, learner)}
    row = rows.get(assignment)
    own_due = row.own_due if row else course.due(find_assignment(course, assignment))
    received = (row.submitted_at if row else None) or now_utc()
    return receipt(course, assignment, received, own_due, left_out, lang, files=files)


def receipt_lines(answer: dict[str, Any]) -> list[str]:
    """A receipt (:func:`receipt`, or the service's answer holding one) as lines for a
    terminal: the message, then the late warning and what was left out, if any."""
    lines = [str(answer.get("message", ""))]
    lines += [f"  {answer[key]}" for key in ("late_warning", "left_out") if answer.get(key)]
    return lines
