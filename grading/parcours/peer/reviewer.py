"""Peer review as a learner lives it, as the asking learner only: her queue of
submissions to review, the anonymised page of one, what her reviews say about her, the
reviews of her own work. The functions the Parcours service's routes call with the
token's user (``reviewer``/``learner`` is always who asks, never a parameter of the
request); they never return an author's or a reviewer's login or name."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError
from ..i18n import _
from .anonymise import Author, review_page
from .records import calibration_examples, read_allocation, read_reviews

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Assignment, Course


def queue(
    config: ParcoursConfig, course: Course, assignment: Assignment, reviewer: str
) -> dict[str, list[dict[str, Any]]]:
    """Her calibration examples first, then the submissions allocated to her: labels and
    whether she has reviewed each."""
    reviews = read_reviews(config, course, assignment.id)

    def row(label: str) -> dict[str, Any]:
        return {"label": label, "done": reviewer in reviews.get(label, {})}

    mine = sorted(
        entry["label"]
        for entry in read_allocation(config, course, assignment.id).values()
        if reviewer in entry["reviewers"]
    )
    return {
        "calibration": [row(e.label) for e in calibration_examples(course, assignment)],
        "submissions": [row(label) for label in mine],
    }


def _not_yours(label: str) -> BadInputError:
    return BadInputError(
        _("'{label}' is not a submission allocated to you for review.").format(label=label)
    )


def _author(config: ParcoursConfig, course: Course, login: str) -> Author:
    from ..pipeline.roster import load_roster

    learner = load_roster(config, course).learners.get(login)
    if learner is None:
        return Author.of(login)
    return Author.of(login, learner.first_name, learner.last_name, learner.email)


def page(
    config: ParcoursConfig, course: Course, assignment: Assignment, reviewer: str, label: str
) -> str:
    """The anonymised, inert page of submission ``label`` (or a calibration example) for
    ``reviewer``; refused when it is not allocated to her."""
    import nbformat

    examples = {e.label: e for e in calibration_examples(course, assignment)}
    lang = course.language
    if label in examples:
        notebook = nbformat.read(examples[label].notebook, as_version=4)
        return review_page(notebook, Author(""), label, lang)
    for author, entry in read_allocation(config, course, assignment.id).items():
        if entry["label"] == label and reviewer in entry["reviewers"]:
            folder = config.course_root(course.id) / "submitted" / author / assignment.id
            return _pages(folder, _author(config, course, author), label, lang)
    raise _not_yours(label)


def _pages(folder: Path, author: Author, label: str, lang: str) -> str:
    """Every notebook of a submitted folder, one page (in name order)."""
    import nbformat

    cells: list[Any] = []
    for path in sorted(folder.glob("*.ipynb")):
        cells.extend(nbformat.read(path, as_version=4).cells)
    merged = nbformat.v4.new_notebook(cells=cells)
    return review_page(merged, author, label, lang)


def told(
    config: ParcoursConfig, course: Course, assignment: Assignment, reviewer: str
) -> dict[str, Any]:
    """What she is told about her reviews: how far she was from the teacher on each
    calibration example she assessed, and (once grades are computed from enough reviews)
    her bias and grade for assessing."""
    from .flow import compute_grades

    reviews = read_reviews(config, course, assignment.id)
    calibration = []
    for example in calibration_examples(course, assignment):
        mine = reviews.get(example.label, {}).get(reviewer)
        if mine is not None:
            given = sum(mine["scores"].values())
            calibration.append(
                {
                    "label": example.label,
                    "given": given,
                    "teacher": example.total,
                    "difference": round(given - example.total, 4),
                }
            )
    grades = compute_grades(config, course, assignment).total.reviewers.get(reviewer)
    return {
        "calibration": calibration,
        "bias": None if grades is None else grades.bias,
        "assessing": None if grades is None else grades.assessing,
        "reviews": 0 if grades is None else grades.reviews,
    }


def reviews_of(
    config: ParcoursConfig, course: Course, assignment: Assignment, learner: str
) -> list[dict[str, Any]]:
    """The reviews of her own submission, anonymous (numbered in the order they came):
    scores per criterion and comments, never who wrote them."""
    entry = read_allocation(config, course, assignment.id).get(learner)
    if entry is None:
        return []
    done = read_reviews(config, course, assignment.id).get(entry["label"], {})
    ordered = sorted(done.values(), key=lambda review: review["at"])
    return [
        {"number": n, "scores": r["scores"], "comments": r["comments"], "at": r["at"]}
        for n, r in enumerate(ordered, start=1)
    ]
