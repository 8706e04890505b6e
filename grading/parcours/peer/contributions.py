"""How each member of a team says her team-mates contributed to their hand-in, shown to
the teacher (the practice of team projects: a team grade, and each member's share seen).

Once her team has handed in, each member rates each of her team-mates — never herself —
on a scale of **1 (far less than agreed) to 5 (far more than agreed)**, 3 being "as
agreed"; she may change a rating. A learner sees only her own ratings; the teacher sees,
per member, the mean of the ratings she received and how many (:func:`contributions`;
``parcours peer COURSE ASSIGNMENT contributions``, the teacher's dashboard).

The record, next to the team's hand-ins (:func:`parcours.peer.teams.hand_ins_record`),
checked against its schema (:mod:`.checked`)::

    teams/<assignment>-contributions.json   rater -> {mate: {"rating": 1..5, "at": when}}
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError
from ..i18n import _
from ..pipeline.records import log_change, now_utc
from .checked import ratings, read_entries, register, updating
from .teams import hand_ins, hand_ins_record, load_teams, team_mates

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Assignment, Course

#: the scale: 1 (far less than agreed) to 5 (far more than agreed)
LOWEST, HIGHEST = 1, 5
CONTRIBUTIONS = register("contributions", ratings("rating", LOWEST, HIGHEST))


def record_path(config: ParcoursConfig, course: Course, assignment: Assignment) -> Path:
    """The team assignment's contribution ratings."""
    folder = hand_ins_record(config, course, assignment).parent
    return folder / f"{assignment.id}-contributions.json"


def my_ratings(
    config: ParcoursConfig, course: Course, assignment: Assignment, learner: str
) -> dict[str, int]:
    """team-mate -> her rating of that team-mate's contribution."""
    entries = read_entries(record_path(config, course, assignment), CONTRIBUTIONS)
    return {mate: int(given["rating"]) for mate, given in entries.get(learner, {}).items()}


def rate_contribution(
    config: ParcoursConfig,
    course: Course,
    assignment: Assignment,
    learner: str,
    mate: Any,
    rating: Any,
) -> dict[str, Any]:
    """Her rating of ``mate``'s contribution, replacing her earlier one. Refused when it
    is not a team assignment, ``mate`` is not one of her team-mates (herself included),
    her team has not handed in yet, or the rating is off the scale. Returns ``{"mate",
    "rating", "at"}``."""
    lang = course.language
    if assignment.team is None:
        raise BadInputError(
            _("'{assignment}' is not handed in by teams.", lang).format(assignment=assignment.id)
        )
    if isinstance(rating, bool) or not isinstance(rating, int) or not LOWEST <= rating <= HIGHEST:
        raise BadInputError(
            _(
                "a contribution is rated with a whole number from {low} (far less than "
                "agreed) to {high} (far more than agreed); send one of them as 'rating'.",
                lang,
            ).format(low=LOWEST, high=HIGHEST)
        )
    mates = [m.learner for m in team_mates(course, assignment, learner) if m.learner != learner]
    if mate not in mates:
        raise BadInputError(
            _(
                "you rate the contribution of your team-mates only ({mates}), not your own "
                "nor anyone else's.",
                lang,
            ).format(mates=", ".join(mates) or "-")
        )
    if not hand_ins(config, course, assignment, learner)["hand_ins"]:
        raise BadInputError(
            _(
                "your team has not handed in '{assignment}' yet: rate your team-mates once it has.",
                lang,
            ).format(assignment=assignment.id)
        )
    at = now_utc().isoformat()
    with updating(record_path(config, course, assignment), CONTRIBUTIONS) as data:
        data["entries"].setdefault(learner, {})[str(mate)] = {"rating": rating, "at": at}
        log_change(data, "rate contribution", learner=learner, mate=str(mate))
    return {"mate": mate, "rating": rating, "at": at}


def contributions(
    config: ParcoursConfig, course: Course, assignment: Assignment
) -> list[dict[str, Any]]:
    """For the teacher, each member of each team (by team, then login): her role, the
    mean of the ratings her team-mates gave her and how many, and how many she gave."""
    entries = read_entries(record_path(config, course, assignment), CONTRIBUTIONS)
    received: dict[str, list[int]] = {}
    for given in entries.values():
        for mate, rated in given.items():
            received.setdefault(mate, []).append(int(rated["rating"]))
    rows = []
    for member in sorted(
        load_teams(course, assignment).values(), key=lambda m: (m.team, m.learner)
    ):
        got = received.get(member.learner, [])
        rows.append(
            {
                "team": member.team,
                "learner": member.learner,
                "role": member.role,
                "received_mean": round(sum(got) / len(got), 2) if got else None,
                "received": len(got),
                "given": len(entries.get(member.learner, {})),
            }
        )
    return rows
