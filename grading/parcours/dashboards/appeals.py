"""Appeals of a peer grade on the teacher's dashboard (#27, docs/peer-review.md): the
table of an assignment's appeals (:func:`appeals_html`, drawn in :mod:`.peer`'s block)
and the teacher's answer from the page's actions (:func:`settle_appeal`, over
:func:`parcours.peer.appeals.settle`: the same record, the same gradebook override as
``parcours peer … settle``). The learner's text and the answer are shown as text."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from ..i18n import _, ngettext
from .ui import paragraph

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Assignment, Course
    from ..peer.appeals import Appeal
    from .data import DashboardData


def _appeals(
    config: ParcoursConfig, data: DashboardData, course: Course, assignment: Assignment
) -> list[Appeal]:
    """The assignment's appeals (:func:`parcours.peer.appeals.appeals`, their peer grades
    computed from the reviews), once per state of the records they come from: the table
    and the form of one page share them; an answer changes the record, so the page drawn
    again reads it anew."""
    from ..peer.appeals import APPEALS, appeals
    from ..peer.records import ALLOCATION, REVIEWS, peer_folder

    folder = peer_folder(config, course, assignment.id)
    stamps: list[tuple[int, int, int]] = []
    for name in (APPEALS, REVIEWS, ALLOCATION):  # each written anew (a new file) when changed
        try:
            seen = (folder / name).stat()
        except OSError:
            stamps.append((0, 0, 0))
            continue
        stamps.append((seen.st_ino, seen.st_mtime_ns, seen.st_size))
    key = f"peer-appeals:{course.id}/{assignment.id}:{stamps}"
    return data.cached(key, lambda: appeals(config, course, assignment))


def appeals_html(
    config: ParcoursConfig, data: DashboardData, course_id: str, assignment_id: str
) -> str:
    """The learners' appeals of their peer grade on the chosen assignment, open ones
    first: who, when, the state, her peer grade, whether her reviewers disagreed, her
    text and the answer (as text); answered from the page's actions
    (:func:`settle_appeal`) or with ``parcours peer … settle``."""
    import pandas as pd

    from ..course.zones import zone_of
    from ..errors import ParcoursError
    from ..i18n import display
    from ..peer.appeals import OPEN
    from .names import name_of_login
    from .ui import heading, table_html

    course = data.courses[course_id]
    assignment = course.assignment(assignment_id)
    zone = zone_of(course, assignment)
    text = heading(_("Appeals: {assignment}").format(assignment=assignment.title), 3)
    try:
        found = _appeals(config, data, course, assignment)
    except (OSError, ParcoursError) as exc:
        return text + f"<p role='alert'>{html.escape(str(exc))}</p>"
    waiting = sum(a.state == OPEN for a in found)
    said = ngettext(
        "{n} appeal; waiting for your answer: {open} (answer below, or parcours peer … settle).",
        "{n} appeals; waiting for your answer: {open} (answer below, or parcours peer … settle).",
        len(found),
    ).format(n=display.integer(len(found)), open=display.integer(waiting))
    text += paragraph(said, "peer-appeals-count")
    if not found:
        return text
    rows = [
        (
            name_of_login(data, a.learner),
            display.moment(pd.Timestamp(a.at), zone),
            _("waiting for your answer") if a.state == OPEN else _("answered"),
            "-"
            if a.grade is None
            else f"{display.number(a.grade, 2)}/{display.number(a.points, 2)}",
            a.flagged,
            a.text,
            a.answer or "",
        )
        for a in found
    ]
    columns = ["learner", "at", "state", "grade", "flagged", "text", "answer"]
    return text + table_html(
        pd.DataFrame(rows, columns=columns),
        {
            "learner": _("Learner"),
            "at": _("Sent"),
            "state": _("State"),
            "grade": _("Peer grade (points)"),
            "flagged": _("Reviewers disagree"),
            "text": _("Appeal"),
            "answer": _("Answer"),
        },
        table_id="table-peer-appeals",
    )


def open_appeals(
    config: ParcoursConfig, data: DashboardData, course_id: str, assignment_id: str
) -> list[tuple[str, str]]:
    """The learners whose appeal of the assignment waits for an answer, as (name shown,
    nbgrader id), oldest appeal first; none when the assignment has no peer review."""
    from ..peer.appeals import OPEN
    from .names import name_of_login

    course = data.courses[course_id]
    assignment = course.assignment(assignment_id)
    if assignment.peer_review is None:
        return []
    waiting = [a for a in _appeals(config, data, course, assignment) if a.state == OPEN]
    return [(name_of_login(data, a.learner), a.learner) for a in waiting]


def graded_tasks(data: DashboardData, course_id: str, assignment_id: str) -> list[tuple[str, str]]:
    """The rubric's tasks whose peer grade goes to an nbgrader cell, as (title, id): the
    grades an answer to an appeal may change."""
    from ..peer.records import load_rubric

    course = data.courses[course_id]
    rubric = load_rubric(course, course.assignment(assignment_id))
    return [(t.title, t.id) for t in rubric.tasks if t.grade_id]


def settle_appeal(
    config: ParcoursConfig,
    data: DashboardData,
    course_id: str,
    assignment_id: str,
    learner: str,
    answer: str,
    new_grade: str = "",
    task: str | None = None,
    by: str = "",
) -> str:
    """Answer ``learner``'s open appeal with ``answer``; ``new_grade`` (points of the
    task's nbgrader cell, written as the teacher types it: ``2,5`` or ``2.5``; empty:
    unchanged) overrides her grade of ``task`` in the gradebook. Returns what was done,
    in the language in force."""
    from ..errors import BadInputError
    from ..i18n import display
    from ..peer.appeals import settle
    from .coordinator import activity_title
    from .names import name_of_login

    typed = new_grade.strip().replace(",", ".").replace("\u202f", "").replace(" ", "")
    score: float | None = None
    if typed:
        try:
            score = float(typed)
        except ValueError:
            raise BadInputError(
                _(
                    "the new grade '{grade}' is not a number: write it in points, as "
                    "2,5, or leave it empty to keep her grade."
                ).format(grade=new_grade)
            ).about("new_grade") from None
    course = data.courses[course_id]
    settled = settle(
        config, course, course.assignment(assignment_id), learner, answer, score, task, by=by
    )
    said = _("Appeal of {learner} on {assignment} answered.").format(
        learner=name_of_login(data, learner),
        assignment=activity_title(data, course_id, assignment_id),
    )
    if settled.get("score") is not None:
        said += " " + _("Her grade is now {score} points.").format(
            score=display.number(settled["score"], 2)
        )
    from ..errors import ParcoursError
    from ..peer.notify import tell_learner

    try:  # the answer is recorded: a mail that fails is said, not retried
        if tell_learner(config, course, course.assignment(assignment_id), learner, settled):
            said += " " + _("She is told by e-mail.")
    except ParcoursError as exc:
        said += " " + str(exc)
    return said
