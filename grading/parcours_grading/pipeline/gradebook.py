"""nbgrader's own objects for one course: configuration, course directory, exchange and
gradebook, plus the few gradebook writes the loop needs (students, due dates,
submissions with teacher-side times and extensions, late penalties).

nbgrader stores datetimes naive, in UTC; Parcours works with aware datetimes and converts
at this boundary only (:func:`naive_utc`, :func:`aware_utc`).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError, GradingError

if TYPE_CHECKING:
    from nbgrader.api import Gradebook
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import ExchangeFactory
    from traitlets.config import Config

    from ..config import ParcoursConfig
    from ..course.model import Assignment, Course
    from .roster import Roster

#: Where Parcours' exchange classes (release-record filters) are, for ExchangeFactory.
EXCHANGE_CLASSES = {
    "list": "parcours_grading.pipeline.exchange.ParcoursExchangeList",
    "fetch_assignment": "parcours_grading.pipeline.exchange.ParcoursFetchAssignment",
    "submit": "parcours_grading.pipeline.exchange.ParcoursSubmit",
}


def naive_utc(moment: dt.datetime) -> dt.datetime:
    """An aware datetime as nbgrader stores it: naive, in UTC."""
    if moment.tzinfo is None:
        raise BadInputError(
            f"the date {moment.isoformat()} has no time zone; add one such as +02:00 or Z."
        )
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def aware_utc(moment: dt.datetime) -> dt.datetime:
    """A datetime read from nbgrader (naive UTC) as an aware UTC datetime."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def ensure_alembic_on_path() -> None:
    """nbgrader runs ``alembic`` as a subprocess when it creates a gradebook: make sure the
    interpreter's ``bin`` folder is on PATH (it is not when ``.venv/bin/parcours`` is run
    without activating the venv)."""
    if shutil.which("alembic") is None:
        bindir = str(Path(sys.executable).parent)
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def loop_config(config: ParcoursConfig, course: Course, **extra: Any) -> Config:
    """nbgrader configuration for the loop: :func:`nbgrader_config` with Parcours' exchange
    classes and ``extra`` settings given as ``Section__name=value``."""
    from .coursedir import nbgrader_config

    nb = nbgrader_config(config, course)
    for trait, klass in EXCHANGE_CLASSES.items():
        setattr(nb.ExchangeFactory, trait, klass)
    nb.ParcoursConfig.data_dir = config.data_dir
    nb.ParcoursConfig.courses_dir = config.courses_dir
    for key, value in extra.items():
        section, name = key.split("__", 1)
        setattr(getattr(nb, section), name, value)
    return nb


@dataclass
class NbgraderCourse:
    """nbgrader's objects for one course, built from one Config."""

    config: Config
    coursedir: CourseDirectory
    authenticator: Authenticator
    exchange: ExchangeFactory


def nbgrader_course(config: ParcoursConfig, course: Course, **extra: Any) -> NbgraderCourse:
    """nbgrader's CourseDirectory, Authenticator and ExchangeFactory for a course."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import ExchangeFactory

    ensure_alembic_on_path()
    nb = loop_config(config, course, **extra)
    return NbgraderCourse(
        config=nb,
        coursedir=CourseDirectory(config=nb),
        authenticator=Authenticator(config=nb),
        exchange=ExchangeFactory(config=nb),
    )


def run_exchange(kind: str, nbc: NbgraderCourse, what: str, **traits: Any) -> Any:
    """Run one nbgrader exchange operation (``Collect``, ``ReleaseAssignment``...) and turn
    its failure into a :class:`GradingError` that says what was being done."""
    from nbgrader.exchange import ExchangeError

    factory = getattr(nbc.exchange, kind)
    app = factory(coursedir=nbc.coursedir, authenticator=nbc.authenticator, config=nbc.config)
    for name, value in traits.items():
        setattr(app, name, value)
    try:
        return app.start()
    except ExchangeError as exc:
        raise GradingError(f"{what}: nbgrader's exchange refused: {exc}") from None


@contextmanager
def open_gradebook(config: ParcoursConfig, course: Course) -> Iterator[Gradebook]:
    """nbgrader's gradebook of a course (created on first use)."""
    from nbgrader.api import Gradebook

    ensure_alembic_on_path()
    with Gradebook(config.gradebook_for(course.id), course.id) as gb:
        yield gb


def sync_students(gb: Gradebook, roster: Roster) -> int:
    """Create or update every roster learner as an nbgrader student; return how many."""
    for learner in roster.learners.values():
        gb.update_or_create_student(
            learner.id,
            first_name=learner.first_name or None,
            last_name=learner.last_name or None,
            email=learner.email or None,
        )
    return len(roster.learners)


def sync_assignment(gb: Gradebook, course: Course, assignment: Assignment) -> None:
    """Create or update the nbgrader assignment with the manifest's due date."""
    gb.update_or_create_assignment(assignment.id, duedate=naive_utc(course.due(assignment)))


def record_submission(
    gb: Gradebook,
    assignment_id: str,
    learner: str,
    received: dt.datetime,
    extension: dt.timedelta | None,
) -> None:
    """Write one submission row: teacher-side receipt time and the learner's extension
    (nbgrader adds the extension to the due date when it computes lateness)."""
    gb.update_or_create_submission(
        assignment_id, learner, timestamp=naive_utc(received), extension=extension
    )


def apply_late_penalties(
    config: ParcoursConfig, course: Course, assignment: Assignment
) -> dict[str, float]:
    """Set nbgrader's ``late_submission_penalty`` of every submitted notebook from the
    manifest's late policy, the teacher-side receipt time and the learner's extension.

    Idempotent (recomputed from the records each time), so it can run after any
    autograder, even one that reset the penalties. Returns learner -> points taken off.
    """
    from .deadlines import days_late, due_for, load_extensions
    from .records import SUBMISSIONS, parse_time, read_record

    received = read_record(config.course_root(course.id) / SUBMISSIONS)["entries"].get(
        assignment.id, {}
    )
    extensions = load_extensions(config, course)
    penalties: dict[str, float] = {}
    from nbgrader.api import MissingEntry

    with open_gradebook(config, course) as gb:
        try:
            submissions = gb.find_assignment(assignment.id).submissions
        except MissingEntry as exc:
            raise GradingError(
                f"assignment '{assignment.id}' is not in the gradebook of '{course.id}'; "
                "run 'parcours release' then 'parcours collect' first."
            ) from exc
        for submission in submissions:
            learner = submission.student.id
            seen = received.get(learner)
            if seen is None:
                continue
            late = days_late(
                parse_time(seen["received"]), due_for(course, assignment, learner, extensions)
            )
            total = 0.0
            for notebook in submission.notebooks:
                if late <= 0:
                    notebook.late_submission_penalty = None
                    continue
                penalty = assignment.late_policy.penalty(late, notebook.max_score)
                penalty = min(penalty, notebook.score)
                notebook.late_submission_penalty = penalty or None
                total += penalty
            penalties[learner] = total
        gb.db.commit()
    return penalties
