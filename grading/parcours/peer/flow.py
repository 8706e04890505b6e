"""Peer review of one assignment, step by step: allocate, follow, grade, write the grades
to nbgrader's gradebook. The Python API of ``parcours peer`` (docs/peer-review.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..i18n import N_, _
from .allocate import allocate
from .grades import PeerGrades, Score, Settings, peer_grades
from .records import (
    GRADEBOOK,
    add_allocations,
    calibration_examples,
    load_rubric,
    peer_folder,
    peer_review_of,
    read_allocation,
    read_reviews,
)

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Assignment, Course
    from ..course.peer import Rubric


@dataclass(frozen=True)
class Allocated:
    """What an allocation run did."""

    added: int
    submissions: int
    #: learners who handed in but whose own due date has not passed yet
    waiting: list[str]


def submitters(
    config: ParcoursConfig, course: Course, assignment: Assignment
) -> dict[str, dt.datetime]:
    """learner -> her own due date, for every collected submission (``submissions.json``)."""
    from ..pipeline.deadlines import due_for, load_extensions
    from ..pipeline.records import SUBMISSIONS

    entries = read_record_entries(config, course, SUBMISSIONS).get(assignment.id, {})
    extensions = load_extensions(config, course)
    return {
        learner: due_for(course, assignment, learner, extensions) for learner in sorted(entries)
    }


def read_record_entries(config: ParcoursConfig, course: Course, name: str) -> dict[str, Any]:
    from ..pipeline.records import read_record

    return dict(read_record(config.course_root(course.id) / name)["entries"])


def allocate_reviews(
    config: ParcoursConfig,
    course: Course,
    assignment: Assignment,
    *,
    team_of: dict[str, str] | None = None,
    now: dt.datetime | None = None,
) -> Allocated:
    """Allocate the submissions whose author's own due date has passed (extensions
    count) to ``k`` reviewers among those authors; earlier allocations stay as they are."""
    from ..pipeline.records import now_utc

    review = peer_review_of(course, assignment)
    load_rubric(course, assignment)  # a broken rubric is said before anything is recorded
    if team_of is None:  # a team assignment: team-mates never review each other
        from .teams import allocation_teams

        team_of = allocation_teams(course, assignment)
    moment = now or now_utc()
    due = submitters(config, course, assignment)
    ready = [learner for learner, until in due.items() if until <= moment]

    latest: list[tuple[str, str]] = []  # the pairs recorded when last looked at

    def missing(existing: list[tuple[str, str]]) -> list[tuple[str, str]]:
        latest[:] = existing
        return allocate(
            ready,
            ready,
            review.reviewers,
            existing=existing,
            team_of=team_of,
            seed=f"{course.id}/{assignment.id}",
        )

    recorded = read_allocation(config, course, assignment.id)
    known = [(a, r) for a, entry in recorded.items() for r in entry["reviewers"]]
    # nothing new: nothing written (the service asks at each visit of a learner's panel)
    added = add_allocations(config, course, assignment.id, missing) if missing(known) else []
    authors = {a for a, _r in latest} | {a for a, _r in added}
    return Allocated(
        added=len(added), submissions=len(authors), waiting=sorted(set(due) - set(ready))
    )


def allocate_due(
    config: ParcoursConfig, course: Course, now: dt.datetime | None = None
) -> dict[str, Allocated]:
    """What the Parcours service runs when a learner asks for her peer reviews (her
    panel): each peer-reviewed assignment whose due date has passed gets the submissions
    of the authors whose own due date has passed (extensions count) allocated, as
    ``parcours peer … allocate`` does (:func:`allocate_reviews`: only what is missing,
    nothing written when nothing is new). Returns what was done, by assignment."""
    from ..pipeline.records import now_utc

    moment = now or now_utc()
    done = {}
    for assignment in course.assignments:
        if assignment.peer_review is not None and course.due(assignment) <= moment:
            done[assignment.id] = allocate_reviews(config, course, assignment, now=moment)
    return done


@dataclass(frozen=True)
class StatusRow:
    """One submission's review progress (for the teacher)."""

    author: str
    label: str
    allocated: int
    done: int
    #: reviewers who have not reviewed yet
    missing: list[str]


def review_status(
    config: ParcoursConfig, course: Course, assignment: Assignment
) -> list[StatusRow]:
    """Every allocated submission: how many reviews allocated, done, and by whom missing."""
    reviews = read_reviews(config, course, assignment.id)
    rows = []
    for author, entry in sorted(read_allocation(config, course, assignment.id).items()):
        done = reviews.get(entry["label"], {})
        rows.append(
            StatusRow(
                author=author,
                label=entry["label"],
                allocated=len(entry["reviewers"]),
                done=sum(r in done for r in entry["reviewers"]),
                missing=sorted(r for r in entry["reviewers"] if r not in done),
            )
        )
    return rows


@dataclass(frozen=True)
class AssignmentGrades:
    """Peer grades of an assignment: on the whole rubric and per task."""

    points: float
    total: PeerGrades
    tasks: dict[str, PeerGrades]
    #: label -> author
    authors: dict[str, str]


def _task_points(rubric: Rubric, scores: dict[str, float]) -> dict[str, float]:
    return {
        task.id: sum(scores.get(f"{task.id}.{c.id}", 0.0) for c in task.criteria)
        for task in rubric.tasks
    }


def compute_grades(
    config: ParcoursConfig,
    course: Course,
    assignment: Assignment,
    settings: Settings | None = None,
) -> AssignmentGrades:
    """Grades from the recorded reviews, calibration examples as known grades."""
    settings = settings or Settings()
    rubric = load_rubric(course, assignment)
    examples = {e.label: e for e in calibration_examples(course, assignment)}
    authors = {e["label"]: a for a, e in read_allocation(config, course, assignment.id).items()}
    totals: list[Score] = []
    per_task: dict[str, list[Score]] = {t.id: [] for t in rubric.tasks}
    for label, by_reviewer in read_reviews(config, course, assignment.id).items():
        if label not in authors and label not in examples:
            continue
        for reviewer, review in by_reviewer.items():
            tasks = _task_points(rubric, review["scores"])
            totals.append(Score(label, reviewer, sum(tasks.values())))
            for task_id, value in tasks.items():
                per_task[task_id].append(Score(label, reviewer, value))
    known_tasks = {label: _task_points(rubric, e.scores) for label, e in examples.items()}
    return AssignmentGrades(
        points=rubric.max_points,
        total=peer_grades(
            totals, rubric.max_points, {k: e.total for k, e in examples.items()}, settings
        ),
        tasks={
            task.id: peer_grades(
                per_task[task.id],
                task.max_points,
                {label: known[task.id] for label, known in known_tasks.items()},
                settings,
            )
            for task in rubric.tasks
        },
        authors=authors,
    )


#: how a grade was computed, as the comment says it
METHODS = {
    "corrected": N_("corrected for each reviewer's bias"),
    "median": N_("the median of the reviews"),
}


@dataclass(frozen=True)
class GradebookWrite:
    """What ``--to-gradebook`` did."""

    written: int
    #: (learner, grade id): a teacher's own grade there, kept
    kept: list[tuple[str, str]]
    #: (learner, grade id): no such graded cell in her submission
    missing: list[tuple[str, str]]


def write_to_gradebook(
    config: ParcoursConfig, course: Course, assignment: Assignment, grades: AssignmentGrades
) -> GradebookWrite:
    """Each task's peer grade as the manual score of its nbgrader cell (``grade_id``),
    scaled to the cell's points, its source in the cell's comment and in
    ``gradebook.json``. A score there that Parcours did not write is a teacher's: kept."""
    from ..pipeline.gradebook import open_gradebook
    from ..pipeline.records import now_utc, update_record

    rubric = load_rubric(course, assignment)
    written, kept, missing = 0, [], []
    with (
        update_record(peer_folder(config, course, assignment.id) / GRADEBOOK) as record,
        open_gradebook(config, course) as gb,
    ):
        for task in rubric.tasks:
            if not task.grade_id:
                continue
            for label, grade in grades.tasks[task.id].submissions.items():
                learner = grades.authors[label]
                cell, comment = find_grade_cells(gb, assignment.id, learner, task.grade_id)
                if cell is None:
                    missing.append((learner, task.grade_id))
                    continue
                mine = record["entries"].setdefault(learner, {}).get(task.grade_id)
                if cell.manual_score is not None and (
                    mine is None or abs(cell.manual_score - mine["score"]) > 1e-9
                ):
                    kept.append((learner, task.grade_id))
                    continue
                score = round(grade.estimate / task.max_points * cell.max_score, 2)
                cell.manual_score = score
                cell.needs_manual_grade = False
                source = _(
                    "Peer review: {n} reviews, median {median:g}/{points:g}, "
                    "grade {estimate:g}/{points:g} ({method})."
                ).format(
                    n=grade.reviews,
                    median=grade.median,
                    estimate=grade.estimate,
                    points=task.max_points,
                    method=_(METHODS[grade.method]),
                )
                if comment is not None and (
                    not comment.manual_comment
                    or (mine and comment.manual_comment == mine.get("comment"))
                ):
                    comment.manual_comment = source
                record["entries"][learner][task.grade_id] = {
                    "score": score,
                    "comment": source,
                    "at": now_utc().isoformat(),
                }
                written += 1
        gb.db.commit()
    return GradebookWrite(written, kept, missing)


def find_grade_cells(gb: Any, assignment_id: str, learner: str, grade_id: str) -> tuple[Any, Any]:
    """(grade, comment) of the cell ``grade_id`` in her submission; None for what is
    missing."""
    from nbgrader.api import MissingEntry

    try:
        submission = gb.find_submission(assignment_id, learner)
    except MissingEntry:
        return None, None
    grade = comment = None
    for notebook in submission.notebooks:
        grade = grade or next((g for g in notebook.grades if g.name == grade_id), None)
        comment = comment or next((c for c in notebook.comments if c.name == grade_id), None)
    return grade, comment


def override_grade(
    config: ParcoursConfig,
    course: Course,
    assignment: Assignment,
    learner: str,
    task_id: str,
    score: float,
    comment: str = "",
) -> float:
    """The teacher's grade of one task of ``learner``'s submission, in nbgrader's
    gradebook (the cell's points): a later ``--to-gradebook`` keeps it, as it keeps a
    grade given in the formgrader. Returns the score written."""
    from ..errors import BadInputError
    from ..pipeline.gradebook import open_gradebook

    rubric = load_rubric(course, assignment)
    task = next((t for t in rubric.tasks if t.id == task_id), None)
    if task is None or not task.grade_id:
        known = ", ".join(t.id for t in rubric.tasks if t.grade_id) or "-"
        raise BadInputError(
            _("'{task}' is not a task of the rubric with a grade_id; known: {known}.").format(
                task=task_id, known=known
            )
        )
    with open_gradebook(config, course) as gb:
        cell, note = find_grade_cells(gb, assignment.id, learner, task.grade_id)
        if cell is None:
            raise BadInputError(
                _("no cell {cell} in the submission of {learner}.").format(
                    cell=task.grade_id, learner=learner
                )
            )
        if not 0 <= score <= cell.max_score:
            raise BadInputError(
                _("the score of {cell} is 0 to {points:g}.").format(
                    cell=task.grade_id, points=cell.max_score
                )
            )
        cell.manual_score = score
        cell.needs_manual_grade = False
        if note is not None:
            note.manual_comment = comment or _("Grade set by the teacher.")
        gb.db.commit()
    return float(score)
