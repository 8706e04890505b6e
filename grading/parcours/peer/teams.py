"""Team assignments (issue #27): one hand-in per team, grade and feedback for every
member.

The teams come from the file the assignment's ``team`` table names (``learner``,
``team``, optional ``role`` columns: what ``parcours groups --mode teams --csv``
writes). A hand-in by any member is submitted to nbgrader's exchange once per member,
the same files under each member's name: collect, autograde, manual grading, feedback
and correction then work per learner as they always do, and everyone of the team gets
the grade and the feedback. Who handed in, and when, is recorded
(``<data_dir>/courses/<course>/teams/<assignment>.json``: team -> hand-ins) and shown to
the whole team. A learner in no team of a team assignment is refused, with the reason.
Team-mates never review each other's submission (:func:`allocation_teams`).
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError, CourseError, ParcoursError, Problem
from ..i18n import _

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Assignment, Course


@dataclass(frozen=True)
class Member:
    """One learner of a team."""

    learner: str
    team: str
    role: str = ""


def load_teams(course: Course, assignment: Assignment) -> dict[str, Member]:
    """learner -> her team for ``assignment`` (empty when it is not a team assignment);
    a file that cannot be read, without its columns, a learner twice or a team over the
    declared size is an error naming the file."""
    if assignment.team is None:
        return {}
    path = course.path(assignment.team.file)

    def problem(message: str) -> CourseError:
        return CourseError([Problem(str(path), message, fix=_("check the team file"))])

    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise problem(
            _("the team file cannot be read ({error})").format(error=exc.strerror)
        ) from None
    if rows and not {"learner", "team"} <= set(rows[0]):
        raise problem(_("the team file needs the columns 'learner' and 'team'"))
    members: dict[str, Member] = {}
    for row in rows:
        learner, team = str(row["learner"] or "").strip(), str(row["team"] or "").strip()
        if not learner or not team:
            continue
        if learner in members:
            raise problem(_("{learner} is in two teams").format(learner=learner))
        members[learner] = Member(learner, team, str(row.get("role") or "").strip())
    size = assignment.team.size
    for team in {m.team for m in members.values()}:
        if sum(m.team == team for m in members.values()) > size:
            raise problem(
                _("team {team} has more than {size} members").format(team=team, size=size)
            )
    return members


def team_mates(course: Course, assignment: Assignment, learner: str) -> list[Member]:
    """Her team, herself included (alone when it is not a team assignment); refused
    when it is one and she is in no team."""
    members = load_teams(course, assignment)
    if assignment.team is None:
        return [Member(learner, learner)]
    mine = members.get(learner)
    if mine is None:
        raise BadInputError(
            _(
                "'{assignment}' is handed in by teams and you are in none of them: ask your "
                "teacher to add you to a team."
            ).format(assignment=assignment.id)
        )
    return sorted((m for m in members.values() if m.team == mine.team), key=lambda m: m.learner)


def hand_in_for(course: Course, assignment_id: str, learner: str) -> list[str]:
    """Who a hand-in of ``learner`` is submitted for: herself first, then her team-mates
    (herself only for an assignment that is not a team one); refused when she is in no
    team of a team assignment."""
    assignment = next((a for a in course.assignments if a.id == assignment_id), None)
    if assignment is None or assignment.team is None:
        return [learner]
    mates = [m.learner for m in team_mates(course, assignment, learner) if m.learner != learner]
    return [learner, *mates]


def allocation_teams(course: Course, assignment: Assignment) -> dict[str, str]:
    """learner -> team, for the reviews' allocation (team-mates never review each other)."""
    return {m.learner: m.team for m in load_teams(course, assignment).values()}


def record_hand_in(
    config: ParcoursConfig, course: Course, assignment_id: str, learner: str, at: str
) -> None:
    """Record that ``learner`` handed in for her team at ``at`` (ISO time); nothing for
    an assignment that is not a team one. Never raises: the hand-in has landed already."""
    from ..pipeline.records import log_change, update_record

    assignment = next((a for a in course.assignments if a.id == assignment_id), None)
    if assignment is None or assignment.team is None:
        return
    try:
        team = team_mates(course, assignment, learner)[0].team
        with update_record(hand_ins_record(config, course, assignment)) as data:
            data["entries"].setdefault(team, []).append({"by": learner, "at": at})
            log_change(data, "team hand-in", team=team, learner=learner)
    except (OSError, ParcoursError) as exc:
        # called once the hand-in has landed: it stays handed in, only "who" is not shown
        logging.getLogger("parcours").warning(
            "team hand-in of %s by %s not recorded: %s", assignment_id, learner, exc
        )


def hand_ins(
    config: ParcoursConfig, course: Course, assignment: Assignment, learner: str
) -> dict[str, Any]:
    """What her team sees: its name, its members and roles, its hand-ins (latest last,
    with who made each)."""
    from ..pipeline.records import read_record

    mates = team_mates(course, assignment, learner)
    team = mates[0].team
    done = read_record(hand_ins_record(config, course, assignment))["entries"].get(team, [])
    return {
        "team": team,
        "members": [{"learner": m.learner, "role": m.role} for m in mates],
        "hand_ins": list(done),
    }


def hand_ins_record(config: ParcoursConfig, course: Course, assignment: Assignment) -> Path:
    """The record of a team assignment's hand-ins (team -> who handed in, when)."""
    return config.course_root(course.id) / "teams" / f"{assignment.id}.json"
