"""What a learner says back about the reviews of her work, and the teacher's answer.

She rates how helpful each review of her own submission was, on a scale of **1 (not
helpful) to 5 (very helpful)** — an integer, so a mean per reviewer tells the teacher
more than a yes/no would; one rating per review, which she may change. She knows a
review only by its number as :func:`parcours.peer.reviewer.reviews_of` shows it (the
order the reviews came in), never by its reviewer: the number is turned into the
reviewer here, on the server, and her rating stays with that reviewer's review.

She may appeal her peer grade to the teacher (a text of at most :data:`MAX_APPEAL`
characters, kept as she wrote it: it is hostile input, shown as text only, never as
HTML), once she has a submission with reviews, one open appeal at a time. The teacher
lists the appeals (:func:`appeals`: with the peer grade and whether the reviewers
disagreed) and settles each (:func:`settle`): an answer and, optionally, a grade, written
through :func:`parcours.peer.flow.override_grade` so that nbgrader's gradebook stays the
one place of the grade.

Two records next to the others of :mod:`.records` (same format: versioned, locked,
replaced atomically, with an append-only history), each with its JSON Schema, checked
when read and before it is written::

    ratings.json   author -> {reviewer: {"helpful": 1..5, "at": when}}
    appeals.json   learner -> [{"text", "at", "state": "open"|"settled", "answer",
                                "answered_at", "answered_by", "task", "score"}, …]

Reviewers' logins are in ``ratings.json`` (the teacher's side): nothing a learner
receives from here names a reviewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError
from ..i18n import _
from ..pipeline.records import actor, log_change, now_utc
from .checked import WHEN, ratings, read_entries, register, updating
from .records import CALIBRATION_PREFIX, peer_folder, read_allocation, read_reviews

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Assignment, Course

RATINGS = "ratings.json"
APPEALS = "appeals.json"
#: the helpfulness scale: 1 (not helpful) to 5 (very helpful)
LOWEST, HIGHEST = 1, 5
#: the longest appeal and the longest answer (characters)
MAX_APPEAL = 2000
OPEN, SETTLED = "open", "settled"

_NULLABLE_TEXT = {"type": ["string", "null"]}

register(RATINGS, ratings("helpful", LOWEST, HIGHEST))
register(
    APPEALS,
    {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["text", "at", "state"],
            "additionalProperties": False,
            "properties": {
                "text": {"type": "string", "minLength": 1, "maxLength": MAX_APPEAL},
                "at": WHEN,
                "state": {"enum": [OPEN, SETTLED]},
                "answer": {"type": ["string", "null"], "maxLength": MAX_APPEAL},
                "answered_at": _NULLABLE_TEXT,
                "answered_by": _NULLABLE_TEXT,
                "task": _NULLABLE_TEXT,
                "score": {"type": ["number", "null"]},
            },
        },
    },
)


def _numbered(
    config: ParcoursConfig, course: Course, assignment: Assignment, learner: str
) -> list[str]:
    """The reviewers of her submission, in the order of
    :func:`parcours.peer.reviewer.reviews_of`'s numbers (number ``n`` is item ``n - 1``)."""
    entry = read_allocation(config, course, assignment.id).get(learner)
    if entry is None:
        return []
    done = read_reviews(config, course, assignment.id).get(entry["label"], {})
    return [name for name, _review in sorted(done.items(), key=lambda item: item[1]["at"])]


def rate_review(
    config: ParcoursConfig,
    course: Course,
    assignment: Assignment,
    learner: str,
    review_number: Any,
    helpful: Any,
) -> dict[str, Any]:
    """Her rating (``helpful``, an integer 1 to 5) of review ``review_number`` of her own
    submission, replacing her earlier rating of it. Refused when her work has no such
    review or the rating is off the scale. Returns ``{"number", "helpful", "at"}``."""
    lang = course.language
    if (
        isinstance(helpful, bool)
        or not isinstance(helpful, int)
        or not (LOWEST <= helpful <= HIGHEST)
    ):
        raise BadInputError(
            _(
                "a rating of a review's helpfulness is a whole number from {low} (not "
                "helpful) to {high} (very helpful); send one of them as 'helpful'.",
                lang,
            ).format(low=LOWEST, high=HIGHEST)
        )
    reviewers = _numbered(config, course, assignment, learner)
    if (
        isinstance(review_number, bool)
        or not isinstance(review_number, int)
        or not 1 <= review_number <= len(reviewers)
    ):
        if not reviewers:
            raise BadInputError(
                _(
                    "there is no review of your work on '{assignment}' yet: you can rate a "
                    "review once you have received it.",
                    lang,
                ).format(assignment=assignment.id)
            )
        raise BadInputError(
            _(
                "review {n} is not a review of your work on '{assignment}': rate one of "
                "your reviews, numbered 1 to {count} in your panel.",
                lang,
            ).format(n=review_number, assignment=assignment.id, count=len(reviewers))
        )
    reviewer = reviewers[review_number - 1]
    at = now_utc().isoformat()
    with updating(peer_folder(config, course, assignment.id) / RATINGS) as data:
        data["entries"].setdefault(learner, {})[reviewer] = {"helpful": helpful, "at": at}
        log_change(data, "rate", learner=learner, number=review_number)
    return {"number": review_number, "helpful": helpful, "at": at}


def my_ratings(
    config: ParcoursConfig, course: Course, assignment: Assignment, learner: str
) -> dict[int, int]:
    """Her ratings: review number -> helpfulness (only the reviews she rated)."""
    given = read_entries(peer_folder(config, course, assignment.id) / RATINGS).get(learner, {})
    return {
        n: given[name]["helpful"]
        for n, name in enumerate(_numbered(config, course, assignment, learner), start=1)
        if name in given
    }


@dataclass(frozen=True)
class Helpfulness:
    """How helpful the authors found one reviewer's reviews (the teacher's view)."""

    reviewer: str
    #: reviews she wrote of classmates' submissions (calibration examples not counted)
    reviews: int
    #: how many of them were rated
    ratings: int
    #: the mean rating, 1 to 5; None when none was rated
    mean: float | None


def helpfulness(
    config: ParcoursConfig, course: Course, assignment: Assignment
) -> list[Helpfulness]:
    """Every reviewer of a submission: reviews written, rated, mean helpfulness."""
    written: dict[str, int] = {}
    for label, by_reviewer in read_reviews(config, course, assignment.id).items():
        if not label.startswith(CALIBRATION_PREFIX):
            for name in by_reviewer:
                written[name] = written.get(name, 0) + 1
    received: dict[str, list[int]] = {}
    for by_reviewer in read_entries(peer_folder(config, course, assignment.id) / RATINGS).values():
        for name, rating in by_reviewer.items():
            received.setdefault(name, []).append(rating["helpful"])
    return [
        Helpfulness(
            reviewer=name,
            reviews=written.get(name, 0),
            ratings=len(received.get(name, [])),
            mean=(
                round(sum(received[name]) / len(received[name]), 2) if received.get(name) else None
            ),
        )
        for name in sorted(set(written) | set(received))
    ]


def _text(value: Any, lang: str, what: str) -> str:
    """``value`` when it is a text of 1 to :data:`MAX_APPEAL` characters (kept as it is),
    else the bad-input error saying so (``what``: the field's name)."""
    if not isinstance(value, str) or not value.strip():
        raise BadInputError(
            _("'{field}' must be a text, not empty: write it and send it again.", lang).format(
                field=what
            )
        )
    if len(value) > MAX_APPEAL:
        raise BadInputError(
            _(
                "'{field}' is {length} characters long; at most {most} are kept: shorten it "
                "and send it again.",
                lang,
            ).format(field=what, length=len(value), most=MAX_APPEAL)
        )
    return value


def appeal(
    config: ParcoursConfig, course: Course, assignment: Assignment, learner: str, text: Any
) -> dict[str, Any]:
    """Her appeal of her peer grade to the teacher, recorded as open. Refused without a
    reviewed submission of hers, with an appeal of hers still open, or with a text empty
    or longer than :data:`MAX_APPEAL` characters. Returns the appeal as she sees it."""
    lang = course.language
    written = _text(text, lang, "text")
    if not _numbered(config, course, assignment, learner):
        raise BadInputError(
            _(
                "you can appeal your grade of '{assignment}' once your submission has "
                "been reviewed; there is no review of your work yet.",
                lang,
            ).format(assignment=assignment.id)
        )
    with updating(peer_folder(config, course, assignment.id) / APPEALS) as data:
        mine = data["entries"].setdefault(learner, [])
        if mine and mine[-1]["state"] == OPEN:
            raise BadInputError(
                _(
                    "your appeal of '{assignment}' is still waiting for the teacher's "
                    "answer: one appeal at a time; you can appeal again once it is "
                    "answered.",
                    lang,
                ).format(assignment=assignment.id)
            )
        made = {"text": written, "at": now_utc().isoformat(), "state": OPEN}
        mine.append(made)
        log_change(data, "appeal", learner=learner)
    return _as_seen(made)


def _as_seen(row: dict[str, Any]) -> dict[str, Any]:
    """An appeal as its author sees it (not who answered)."""
    return {
        "text": row["text"],
        "at": row["at"],
        "state": row["state"],
        "answer": row.get("answer"),
        "answered_at": row.get("answered_at"),
    }


def my_appeals(
    config: ParcoursConfig, course: Course, assignment: Assignment, learner: str
) -> dict[str, Any]:
    """Her appeals, oldest first, each with the teacher's answer once settled, and
    whether she may appeal now (``can_appeal``)."""
    mine = read_entries(peer_folder(config, course, assignment.id) / APPEALS).get(learner, [])
    reviewed = bool(_numbered(config, course, assignment, learner))
    return {
        "appeals": [_as_seen(row) for row in mine],
        "can_appeal": reviewed and not (mine and mine[-1]["state"] == OPEN),
    }


@dataclass(frozen=True)
class Appeal:
    """One appeal as the teacher lists it."""

    learner: str
    text: str
    at: str
    state: str
    answer: str | None
    #: her peer grade on the whole rubric (None before any review) and its median
    grade: float | None
    median: float | None
    points: float
    #: the reviewers of her work disagreed (:mod:`.grades`)
    flagged: bool


def appeals(config: ParcoursConfig, course: Course, assignment: Assignment) -> list[Appeal]:
    """Every appeal of the assignment, open ones first then by date, with the peer grade
    of the learner's submission and its disagreement flag."""
    from .flow import compute_grades

    found = read_entries(peer_folder(config, course, assignment.id) / APPEALS)
    if not found:
        return []
    grades = compute_grades(config, course, assignment)
    label_of = {author: label for label, author in grades.authors.items()}
    rows = []
    for learner, mine in found.items():
        grade = grades.total.submissions.get(label_of.get(learner, ""))
        for row in mine:
            rows.append(
                Appeal(
                    learner=learner,
                    text=row["text"],
                    at=row["at"],
                    state=row["state"],
                    answer=row.get("answer"),
                    grade=None if grade is None else grade.estimate,
                    median=None if grade is None else grade.median,
                    points=grades.points,
                    flagged=bool(grade and grade.flagged),
                )
            )
    return sorted(rows, key=lambda a: (a.state != OPEN, a.at, a.learner))


def settle(
    config: ParcoursConfig,
    course: Course,
    assignment: Assignment,
    learner: str,
    answer: Any,
    score: float | None = None,
    task: str | None = None,
    by: str = "",
) -> dict[str, Any]:
    """The teacher's answer to ``learner``'s open appeal; with ``score``, her grade of
    ``task`` (needed when the rubric has more than one graded task) is overridden in
    nbgrader's gradebook (:func:`parcours.peer.flow.override_grade`, the answer as the
    cell's comment) before the appeal is marked settled. ``by``: who answers (the hub
    user a dashboard serves, as the hub's service told it; else whoever runs this).
    Returns the settled appeal."""
    written = _text(answer, course.language, "answer")
    path = peer_folder(config, course, assignment.id) / APPEALS
    mine = read_entries(path).get(learner, [])
    if not mine or mine[-1]["state"] != OPEN:
        raise BadInputError(
            _(
                "{learner} has no open appeal of '{assignment}'; see them with 'parcours "
                "peer COURSE {assignment} appeals'."
            ).format(learner=learner, assignment=assignment.id)
        )
    if score is not None:
        from .flow import override_grade
        from .records import load_rubric

        if task is None:
            graded = [t.id for t in load_rubric(course, assignment).tasks if t.grade_id]
            if len(graded) != 1:
                raise BadInputError(
                    _("a score needs the task it is for: add --task, one of {known}.").format(
                        known=", ".join(graded) or "-"
                    )
                )
            task = graded[0]
        score = override_grade(config, course, assignment, learner, task, score, written)
    with updating(path) as data:
        current = data["entries"].get(learner, [])
        if not current or current[-1]["state"] != OPEN:  # settled meanwhile by someone else
            raise BadInputError(
                _("{learner} has no open appeal of '{assignment}'.").format(
                    learner=learner, assignment=assignment.id
                )
            )
        current[-1].update(
            state=SETTLED,
            answer=written,
            answered_at=now_utc().isoformat(),
            answered_by=by or actor(),
            task=task if score is not None else None,
            score=score,
        )
        settled = dict(current[-1])
        log_change(data, "settle", by=settled["answered_by"], learner=learner, score=score)
    return settled


def with_feedback(
    config: ParcoursConfig, course: Course, overview: dict[str, Any], learner: str
) -> dict[str, Any]:
    """:func:`parcours.peer.view.overview` with, for each assignment, her rating of each
    received review (``helpful``, None when not rated), her appeals and ``can_appeal``."""
    for row in overview.get("assignments", []):
        assignment = course.assignment(row["assignment"])
        rated = my_ratings(config, course, assignment, learner)
        for review in row.get("received", []):
            review["helpful"] = rated.get(review["number"])
        row.update(my_appeals(config, course, assignment, learner))
    return overview
