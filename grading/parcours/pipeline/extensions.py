"""Extensions: a learner given more time on an assignment (``parcours extend``, the
teacher's dashboard), recorded in ``<data_dir>/courses/<id>/extensions.json`` with who
granted it and when; :mod:`.deadlines` reads them (a learner's own due date, lateness,
when her correction opens). On a team assignment the whole team gets the date: they
hand in once, for all."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import BadInputError
from ..i18n import _
from .deadlines import find_assignment, parse_until
from .records import EXTENSIONS, log_change, update_record
from .records import now_utc as _now

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Assignment, Course


@dataclass(frozen=True)
class Extension:
    """An extension as recorded."""

    course: str
    assignment: str
    learner: str
    until: dt.datetime
    granted_by: str
    granted_at: dt.datetime
    #: her team-mates given the same date (a team assignment is handed in once)
    team: tuple[str, ...] = ()


def extend(
    config: ParcoursConfig,
    course: Course,
    assignment_id: str,
    learner: str,
    until: dt.datetime | str,
    by: str = "",
) -> Extension:
    """Give ``learner`` until ``until`` (aware datetime or ISO text with a zone) to hand in
    ``assignment_id``; recorded with who and when (``by``: the hub user a dashboard
    serves, as the hub's service told it; else whoever runs this). The new date must be
    after the manifest's due date. On a team assignment her whole team gets it: they hand
    in once, for all, so they have one due date."""
    from .roster import load_roster

    assignment = find_assignment(course, assignment_id)
    moment = parse_until(until) if isinstance(until, str) else until
    if moment.tzinfo is None:
        parse_until(moment.isoformat())  # raises the same clear message
    roster = load_roster(config, course)
    if learner not in roster.learners:
        raise BadInputError(
            _(
                "learner '{learner}' is not in the roster {roster}; check the spelling "
                "('parcours roster {course} list') or add them ('parcours roster "
                "{course} add {learner}')."
            ).format(learner=learner, roster=roster.path, course=course.id)
        )
    due = course.due(assignment)
    if moment <= due:
        raise BadInputError(
            _(
                "the extension's end {end} is not after the due date of '{assignment}' "
                "({due}); an extension must give more time."
            ).format(end=moment.isoformat(), assignment=assignment.id, due=due.isoformat())
        ).about("until")
    granted = _now()
    team = _team_of(course, assignment, learner)
    with update_record(config.course_root(course.id) / EXTENSIONS) as data:
        entry = {
            "until": moment.isoformat(),
            "granted_by": by or _actor(),
            "granted_at": granted.isoformat(),
        }
        for member in team:
            data["entries"].setdefault(assignment.id, {})[member] = entry
            log_change(
                data,
                "extend",
                by=entry["granted_by"],
                assignment=assignment.id,
                learner=member,
                until=entry["until"],
            )
    return Extension(
        course.id, assignment.id, learner, moment, entry["granted_by"], granted, tuple(team[1:])
    )


def _team_of(course: Course, assignment: Assignment, learner: str) -> list[str]:
    """``learner`` first, then her team-mates on a team assignment (herself alone when
    it is not one, or when she is in no team yet)."""
    if assignment.team is None:
        return [learner]
    from ..peer.teams import load_teams

    members = load_teams(course, assignment)
    mine = members.get(learner)
    if mine is None:
        return [learner]
    mates = sorted(m.learner for m in members.values() if m.team == mine.team)
    return [learner, *(m for m in mates if m != learner)]


def _actor() -> str:
    from .records import actor

    return actor()
