"""An assignment's peer review, as the manifest declares it (issue #27).

In ``course.toml``, on an assignment::

    [[assignments]]
    id = "devoir-1"
    ...
    [assignments.peer_review]
    reviewers = 3                       # reviews each submission gets (k)
    due = 2026-10-05T23:59:00           # when reviews are due
    rubric = "peer/devoir-1.toml"       # a file of the course folder, or a table inline
    calibration = ["peer/exemple-1.ipynb"]   # teacher-graded examples (optional)

The rubric, in its own file (``rubric = "…"``, relative to the course folder, kept out of
the nbgrader source folder so that it is not released as part of the assignment) or
inline (``[assignments.peer_review.rubric]``), has the same keys::

    [[tasks]]
    id = "diagnostic"
    title = "Diagnostic des données"
    grade_id = "q5-diagnostic"          # the nbgrader cell the peer grade goes to (optional)
    comment = true                      # a free comment field for this task
    [[tasks.criteria]]
    id = "clarte"
    title = "Le diagnostic est clair"
    levels = [
      { points = 0, description = "Absent ou hors sujet" },
      { points = 1, description = "Partiel" },
      { points = 2, description = "Complet et argumenté" },
    ]

A calibration example is a notebook next to the rubric file with the teacher's own
assessment in ``<notebook>.scores.toml`` (criterion -> points, as ``task.criterion``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..i18n import _

PeerIdentifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Level(_Strict):
    """One level of a criterion: its points and what it looks like."""

    points: float = Field(ge=0)
    description: str


class Criterion(_Strict):
    """One criterion a reviewer rates by choosing a level."""

    id: PeerIdentifier
    title: str
    levels: list[Level] = Field(min_length=2)

    @property
    def max_points(self) -> float:
        """The points of the best level."""
        return max(level.points for level in self.levels)

    @model_validator(mode="after")
    def _distinct_levels(self) -> Criterion:
        points = [level.points for level in self.levels]
        if len(set(points)) != len(points):
            raise ValueError(
                _("criterion '{id}': two levels have the same points; give each its own").format(
                    id=self.id
                )
            )
        return self


class Task(_Strict):
    """One task of the assignment as reviewers assess it: criteria and a comment."""

    id: PeerIdentifier
    title: str
    grade_id: str = Field(
        "",
        description="The nbgrader grade cell (manually graded) the task's peer grade is "
        "written to by 'parcours peer … grades --to-gradebook'.",
    )
    comment: bool = True
    criteria: list[Criterion] = Field(min_length=1)

    @property
    def max_points(self) -> float:
        """The task's points: the best level of each criterion, added."""
        return sum(c.max_points for c in self.criteria)


class Rubric(_Strict):
    """What reviewers assess, per task."""

    tasks: list[Task] = Field(min_length=1)

    @property
    def max_points(self) -> float:
        """The rubric's points: every task's, added."""
        return sum(t.max_points for t in self.tasks)

    def criterion(self, key: str) -> Criterion:
        """A criterion by ``task.criterion``; KeyError when there is none."""
        task_id, _dot, criterion_id = key.partition(".")
        for task in self.tasks:
            if task.id == task_id:
                for criterion in task.criteria:
                    if criterion.id == criterion_id:
                        return criterion
        raise KeyError(key)

    @property
    def keys(self) -> list[str]:
        """Every criterion as ``task.criterion``, in rubric order."""
        return [f"{t.id}.{c.id}" for t in self.tasks for c in t.criteria]

    @model_validator(mode="after")
    def _ids_unique(self) -> Rubric:
        for ids in [[t.id for t in self.tasks]] + [[c.id for c in t.criteria] for t in self.tasks]:
            if len(set(ids)) != len(ids):
                raise ValueError(_("rubric: a task or criterion id is used twice"))
        return self


class PeerReview(_Strict):
    """Peer review of an assignment: how many reviewers, until when, on which rubric."""

    reviewers: int = Field(3, ge=1, le=10, description="Reviews each submission gets.")
    due: dt.datetime
    rubric: str | Rubric = Field(
        description="A rubric file of the course folder (TOML), or the rubric inline."
    )
    calibration: list[str] = Field(
        default_factory=list,
        description="Teacher-graded example notebooks (course folder paths) each reviewer "
        "assesses first; the teacher's scores in '<notebook>.scores.toml'.",
    )


class Team(_Strict):
    """A team assignment: one hand-in per team, grade and feedback for every member.

    In ``course.toml``, on an assignment::

        [assignments.team]
        size = 3                     # the intended size (2 to 5), checked on the file
        file = "equipes/devoir-2.csv"

    The file (course folder) has a ``learner`` and a ``team`` column (nbgrader ids), an
    optional ``role`` column: what ``parcours groups --mode teams --csv`` writes, or a
    teacher's own spreadsheet saved as CSV."""

    size: int = Field(3, ge=2, le=5, description="The intended team size (2 to 5).")
    file: str = Field(
        description="A CSV of the course folder with 'learner' and 'team' columns (and "
        "'role', optional): one row per learner."
    )
