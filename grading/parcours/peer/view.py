"""Peer review as the learner's panel shows it, for the asking learner only: per
assignment with a peer review, the rubric, her queue (calibration examples first), what
she is told about her assessing, the anonymous reviews of her own work and her grade as
nbgrader's gradebook holds it (the teacher's override included). Computed by the
Parcours service (``GET api/courses/<course>/peer``) or, on one machine, by the panel's
server; every sentence in the course's language. Nothing here names an author or a
reviewer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..i18n import _, number
from . import reviewer
from .records import load_rubric, peer_folder

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Assignment, Course
    from ..course.peer import Rubric


def rubric_view(rubric: Rubric) -> list[dict[str, Any]]:
    """The rubric as the review form shows it: tasks, criteria, levels."""
    return [
        {
            "id": task.id,
            "title": task.title,
            "comment": task.comment,
            "points": task.max_points,
            "criteria": [
                {
                    "key": f"{task.id}.{c.id}",
                    "title": c.title,
                    "levels": [
                        {"points": level.points, "description": level.description}
                        for level in c.levels
                    ],
                }
                for c in task.criteria
            ],
        }
        for task in rubric.tasks
    ]


def told_sentences(told: dict[str, Any], points: float, lang: str) -> list[str]:
    """What she is told of her assessing, as sentences: her distance from the teacher on
    each example, then her bias once grades are computed (Kulkarni et al. 2013: telling
    graders their bias helps them)."""
    said = []
    for row in told["calibration"]:
        difference = row["difference"]
        values = {
            "label": row["label"],
            "given": number(row["given"], lang),
            "teacher": number(row["teacher"], lang),
            "points": number(points, lang),
            "gap": number(abs(difference), lang),
        }
        if abs(difference) < 1e-9:
            text = _("{label}: you gave {given}/{points}, as the teacher did.", lang)
        elif difference > 0:
            text = _(
                "{label}: you gave {given}/{points}, the teacher {teacher}/{points}: "
                "{gap} points more generous than the teacher.",
                lang,
            )
        else:
            text = _(
                "{label}: you gave {given}/{points}, the teacher {teacher}/{points}: "
                "{gap} points stricter than the teacher.",
                lang,
            )
        said.append(text.format(**values))
    if told.get("bias") is not None and told.get("reviews"):
        bias = told["bias"]
        if bias > 0:
            text = _(
                "On your reviews so far you grade {gap} points above the consensus on average.",
                lang,
            )
        else:
            text = _(
                "On your reviews so far you grade {gap} points below the consensus on average.",
                lang,
            )
        said.append(text.format(gap=number(abs(bias), lang)))
        said.append(
            _("Your grade for assessing: {grade} %.", lang).format(
                grade=number(round(100 * told["assessing"]), lang)
            )
        )
    return said


def grade_of(
    config: ParcoursConfig, course: Course, assignment: Assignment, learner: str
) -> list[dict[str, Any]]:
    """Her grade of each rubric task as nbgrader's gradebook holds it (a peer grade or
    the teacher's), with its comment; empty before any grade is written."""
    from .flow import find_grade_cells

    rubric = load_rubric(course, assignment)
    tasks = [t for t in rubric.tasks if t.grade_id]
    if not tasks or not _gradebook_exists(config, course):
        return []
    from ..pipeline.gradebook import open_gradebook

    rows = []
    with open_gradebook(config, course) as gb:
        for task in tasks:
            cell, comment = find_grade_cells(gb, assignment.id, learner, task.grade_id)
            if cell is None or cell.manual_score is None:
                continue
            rows.append(
                {
                    "task": task.id,
                    "title": task.title,
                    "score": float(cell.manual_score),
                    "points": float(cell.max_score),
                    "comment": (comment.manual_comment or "") if comment is not None else "",
                }
            )
    return rows


def _gradebook_exists(config: ParcoursConfig, course: Course) -> bool:
    """False for an SQLite gradebook not yet made (reading must not create it)."""
    from pathlib import Path

    url = config.gradebook_for(course.id)
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///") :]).exists()
    return True


def assignment_view(
    config: ParcoursConfig, course: Course, assignment: Assignment, learner: str
) -> dict[str, Any]:
    """One assignment's peer review as she sees it."""
    lang = course.language
    rubric = load_rubric(course, assignment)
    told = reviewer.told(config, course, assignment, learner)
    review = assignment.peer_review
    assert review is not None
    return {
        "assignment": assignment.id,
        "title": assignment.title,
        "due": review.due.isoformat(),
        "points": rubric.max_points,
        "rubric": rubric_view(rubric),
        **reviewer.queue(config, course, assignment, learner),
        "told": told,
        "told_text": told_sentences(told, rubric.max_points, lang),
        "received": reviewer.reviews_of(config, course, assignment, learner),
        "grade": grade_of(config, course, assignment, learner),
        "started": peer_folder(config, course, assignment.id).exists(),
    }


def team_view(
    config: ParcoursConfig, course: Course, assignment: Assignment, learner: str
) -> dict[str, Any]:
    """Her team for a team assignment: members and roles, the hand-ins and who made
    each, her team-mates with her rating of each one's contribution (``mates``); a
    sentence saying so when she is in no team."""
    from ..errors import BadInputError
    from .contributions import my_ratings
    from .teams import hand_ins

    lang = course.language
    row: dict[str, Any] = {"assignment": assignment.id, "title": assignment.title}
    try:
        team = hand_ins(config, course, assignment, learner)
        rated = my_ratings(config, course, assignment, learner)
        mates = [
            {**m, "rating": rated.get(m["learner"])}
            for m in team["members"]
            if m["learner"] != learner
        ]
        return {**row, **team, "mates": mates, "problem": ""}
    except BadInputError:
        problem = _(
            "'{assignment}' is handed in by teams and you are in none of them: ask your "
            "teacher to add you to a team.",
            lang,
        ).format(assignment=assignment.id)
        return {**row, "team": "", "members": [], "hand_ins": [], "mates": [], "problem": problem}


def overview(config: ParcoursConfig, course: Course, learner: str) -> dict[str, Any]:
    """Every assignment of ``course`` with a peer review, as :func:`assignment_view`, and
    every team assignment, as :func:`team_view`."""
    return {
        "assignments": [
            assignment_view(config, course, a, learner)
            for a in course.assignments
            if a.peer_review is not None
        ],
        "teams": [
            team_view(config, course, a, learner) for a in course.assignments if a.team is not None
        ],
    }
