"""Peer review's records, next to nbgrader's course folder, and the rubric's loading.

``<data_dir>/courses/<course>/peer/<assignment>/`` holds (the format of
:mod:`parcours.pipeline.records`: versioned, locked, replaced atomically, with an
append-only history)::

    allocation.json   author -> {"label": anonymous label, "reviewers": {login: when}}
    reviews.json      label -> {reviewer: {"scores": {"task.criterion": points},
                                           "comments": {task: text}, "at": when}}
    gradebook.json    learner -> {grade_id: {"score": …, "at": …}}: what was written to
                      nbgrader's gradebook (a different score there is a teacher's)

A label (``copie-3f9a…``) is all a reviewer ever learns of a submission; calibration
examples are labelled ``exemple-<n>``.
"""

from __future__ import annotations

import datetime as dt
import secrets
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError, CourseError, Problem
from ..i18n import _
from ..pipeline.records import log_change, now_utc, read_record, update_record

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Assignment, Course
    from ..course.peer import PeerReview, Rubric

ALLOCATION = "allocation.json"
REVIEWS = "reviews.json"
GRADEBOOK = "gradebook.json"
CALIBRATION_PREFIX = "exemple-"
#: the longest comment kept (characters)
MAX_COMMENT = 5000


def peer_folder(config: ParcoursConfig, course: Course, assignment_id: str) -> Path:
    """The folder of one assignment's peer-review records."""
    return config.course_root(course.id) / "peer" / assignment_id


def peer_review_of(course: Course, assignment: Assignment) -> PeerReview:
    """The assignment's ``peer_review`` table, or the bad-input error saying to add one."""
    if assignment.peer_review is None:
        raise BadInputError(
            _(
                "assignment '{assignment}' has no peer review; add a peer_review table to "
                "it in {manifest} (docs/peer-review.md)."
            ).format(assignment=assignment.id, manifest=course.folder / "course.toml")
        )
    return assignment.peer_review


def load_rubric(course: Course, assignment: Assignment) -> Rubric:
    """The assignment's rubric, inline or from its file (errors name the file and key)."""
    from pydantic import ValidationError

    from ..course.peer import Rubric

    review = peer_review_of(course, assignment)
    if not isinstance(review.rubric, str):
        return review.rubric
    path = course.path(review.rubric)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return Rubric.model_validate(data)
    except OSError as exc:
        raise CourseError(
            [
                Problem(
                    str(path),
                    _("the rubric cannot be read ({error})").format(error=exc.strerror),
                    fix=_("check the path given as peer_review.rubric"),
                )
            ]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(
            [Problem(str(path), _("not valid TOML: {error}").format(error=exc))]
        ) from None
    except ValidationError as exc:
        raise CourseError(
            [
                Problem(str(path), str(e.get("msg", "")), where=".".join(str(p) for p in e["loc"]))
                for e in exc.errors()
            ]
        ) from None


@dataclass(frozen=True)
class Example:
    """A calibration example: its label, notebook and the teacher's scores."""

    label: str
    notebook: Path
    scores: dict[str, float]

    @property
    def total(self) -> float:
        """The teacher's grade of the example."""
        return sum(self.scores.values())


def calibration_examples(course: Course, assignment: Assignment) -> list[Example]:
    """The assignment's calibration examples with the teacher's scores."""
    review = peer_review_of(course, assignment)
    rubric = load_rubric(course, assignment)
    found = []
    for index, relative in enumerate(review.calibration, start=1):
        notebook = course.path(relative)
        scores_file = notebook.with_name(notebook.name + ".scores.toml")
        try:
            raw = tomllib.loads(scores_file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise CourseError(
                [
                    Problem(
                        str(scores_file),
                        _(
                            "the teacher's scores of a calibration example cannot be read ({error})"
                        ).format(error=exc),
                    )
                ]
            ) from None
        found.append(Example(f"{CALIBRATION_PREFIX}{index}", notebook, check_scores(rubric, raw)))
    return found


def check_scores(rubric: Rubric, scores: dict[str, Any]) -> dict[str, float]:
    """``scores`` (``task.criterion`` -> points) when every criterion has one of its
    levels' points, else the bad-input error naming the first one wrong."""
    unknown = sorted(set(scores) - set(rubric.keys))
    if unknown:
        raise BadInputError(
            _("'{criterion}' is not a criterion of the rubric; known: {known}.").format(
                criterion=unknown[0], known=", ".join(rubric.keys)
            )
        )
    checked = {}
    for key in rubric.keys:
        criterion = rubric.criterion(key)
        value = scores.get(key)
        allowed = [level.points for level in criterion.levels]
        if isinstance(value, bool) or not isinstance(value, int | float) or value not in allowed:
            raise BadInputError(
                _("'{criterion}': choose one of its levels' points: {allowed}.").format(
                    criterion=key, allowed=", ".join(f"{p:g}" for p in allowed)
                )
            )
        checked[key] = float(value)
    return checked


def read_allocation(config: ParcoursConfig, course: Course, assignment_id: str) -> dict[str, Any]:
    """author -> {"label", "reviewers": {reviewer: when}} (empty before any allocation)."""
    path = peer_folder(config, course, assignment_id) / ALLOCATION
    return dict(read_record(path)["entries"])


def add_allocations(
    config: ParcoursConfig,
    course: Course,
    assignment_id: str,
    pairs: list[tuple[str, str]] | Callable[[list[tuple[str, str]]], list[tuple[str, str]]],
) -> list[tuple[str, str]]:
    """Record new (author, reviewer) pairs; an author's first pair gives her submission
    its anonymous label. Nothing recorded before is changed. ``pairs`` may be a function
    of the pairs recorded, called under the record's lock (two allocations at once, from
    two learners' panels, then add what is missing once). Returns the pairs added."""
    if not pairs:
        return []
    path = peer_folder(config, course, assignment_id) / ALLOCATION
    with update_record(path) as data:
        entries = data["entries"]
        if callable(pairs):
            pairs = pairs([(a, r) for a, e in entries.items() for r in e["reviewers"]])
        at = now_utc().isoformat()
        labels = {e["label"] for e in entries.values()}
        for author, reviewer in pairs:
            if author not in entries:
                label = f"copie-{secrets.token_hex(4)}"
                while label in labels:
                    label = f"copie-{secrets.token_hex(4)}"
                labels.add(label)
                entries[author] = {"label": label, "reviewers": {}}
            entries[author]["reviewers"].setdefault(reviewer, at)
        if pairs:
            log_change(data, "allocate", pairs=len(pairs))
    return pairs


def read_reviews(config: ParcoursConfig, course: Course, assignment_id: str) -> dict[str, Any]:
    """label -> {reviewer: {"scores", "comments", "at"}}."""
    path = peer_folder(config, course, assignment_id) / REVIEWS
    return dict(read_record(path)["entries"])


def record_review(
    config: ParcoursConfig,
    course: Course,
    assignment: Assignment,
    reviewer: str,
    label: str,
    scores: dict[str, Any],
    comments: dict[str, str] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Record ``reviewer``'s review of the submission (or calibration example) ``label``,
    replacing her earlier one; refused once the reviews' due date (``peer_review.due``,
    in the assignment's zone) has passed, when she is not allocated to it or when a
    score is not one of the rubric's levels. Returns what was recorded."""
    moment = now or now_utc()
    if assignment.peer_review is not None:
        due = course.aware(assignment.peer_review.due, assignment.timezone)
        if moment > due:
            from ..course.zones import shown, zone_of
            from ..i18n import get_language

            raise BadInputError(
                _(
                    "the reviews of '{assignment}' closed on {due}: no review is recorded "
                    "after that; ask your teacher if one is missing."
                ).format(
                    assignment=assignment.id,
                    due=shown(due, zone_of(course, assignment), get_language()),
                )
            )
    rubric = load_rubric(course, assignment)
    checked = check_scores(rubric, scores)
    examples = [e.label for e in calibration_examples(course, assignment)]
    if label not in examples:
        allocated = {
            entry["label"]: entry["reviewers"]
            for entry in read_allocation(config, course, assignment.id).values()
        }
        if reviewer not in allocated.get(label, {}):
            raise BadInputError(
                _("'{label}' is not a submission allocated to you for review.").format(label=label)
            )
    tasks = {t.id for t in rubric.tasks if t.comment}
    kept = {
        task: str(text)[:MAX_COMMENT] for task, text in (comments or {}).items() if task in tasks
    }
    review = {"scores": checked, "comments": kept, "at": moment.isoformat()}
    with update_record(peer_folder(config, course, assignment.id) / REVIEWS) as data:
        data["entries"].setdefault(label, {})[reviewer] = review
        log_change(data, "review", label=label, reviewer=reviewer)
    return review
