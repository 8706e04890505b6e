"""nbgrader's own objects for one course: configuration, course directory, exchange and
gradebook, plus the few gradebook writes the loop needs (students, due dates,
submissions with teacher-side times and extensions, late penalties).

nbgrader stores datetimes naive, in UTC; Parcours works with aware datetimes and converts
at this boundary only (:func:`naive_utc`, :func:`aware_utc`).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import re
import shutil
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError, GradingError
from ..i18n import _

if TYPE_CHECKING:
    from nbgrader.api import Gradebook
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import ExchangeFactory
    from traitlets.config import Config

    from ..config import ParcoursConfig
    from ..course.model import Assignment, Course
    from .roster import Roster


def naive_utc(moment: dt.datetime) -> dt.datetime:
    """An aware datetime as nbgrader stores it: naive, in UTC."""
    if moment.tzinfo is None:
        raise BadInputError(
            _("the date {moment} has no time zone; add one such as +02:00 or Z.").format(
                moment=moment.isoformat()
            )
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
    # nbgrader asks a fresh `alembic` process for the schema head each time it creates a
    # gradebook (seconds each); the head is fixed by the installed nbgrader: ask once.
    import nbgrader.api

    if not hasattr(nbgrader.api.get_alembic_version, "cache_info"):
        nbgrader.api.get_alembic_version = functools.cache(nbgrader.api.get_alembic_version)


def loop_config(config: ParcoursConfig, course: Course, **extra: Any) -> Config:
    """nbgrader configuration for the loop: :func:`nbgrader_config` with Parcours' exchange
    classes and ``extra`` settings given as ``Section__name=value``."""
    from ..project import load_traitlets_config
    from .coursedir import nbgrader_config

    # jupyter_config.py's nbgrader settings (stubs in French...), then the course's own
    nb = load_traitlets_config(Path(config.root))
    nb.merge(nbgrader_config(config, course))
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


def nbgrader_log() -> logging.Logger:
    """The logger handed to nbgrader's objects: kept off the terminal (the CLI prints its
    own summary); :func:`run_app` captures it to explain a failure."""
    log = logging.getLogger("parcours.nbgrader")
    if not log.handlers:
        log.addHandler(logging.NullHandler())
        log.propagate = False
        log.setLevel(logging.INFO)
    # one child per thread: the service runs several learners' submissions at once, and
    # one learner's failure must never be explained with another's log lines
    return log.getChild(f"t{threading.get_ident()}")


def run_app(app: Any, what: str, *, per_learner: bool = False) -> str:
    """Start one nbgrader application or exchange object; return its log. A failure
    becomes a :class:`GradingError` saying what was being done and nbgrader's reason —
    unless ``per_learner`` and nbgrader failed only for some learners (its converters go
    on with the others): the caller then reads who from the log (:func:`failed_learners`)."""
    from nbgrader.exchange import ExchangeError
    from nbgrader.utils import capture_log

    result = capture_log(app)
    if not result["success"] and per_learner and failed_learners(result.get("log", "")):
        return str(result.get("log", ""))
    if not result["success"]:
        lines = [
            line
            for line in result.get("log", "").splitlines()
            if line.startswith(("[ERROR]", "[CRITICAL]"))
        ]
        reason = (
            "; ".join(line.split("] ", 1)[1] for line in lines[-3:])
            or (result.get("error", "").strip().splitlines() or ["unknown error"])[-1]
        )
        kind = BadInputError if ExchangeError.__name__ in result.get("error", "") else GradingError
        raise kind(f"{what}: nbgrader said: {reason}")
    return str(result.get("log", ""))


_FAILED = re.compile(r"There was an error processing assignment '[^']*' for student '([^']*)'")
_TRACE_START = "There was an error processing assignment: "
_EXCEPTION_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt))\b.*$")


def failed_learners(log: str) -> dict[str, str]:
    """learner -> reason, for the learners an nbgrader converter failed on (from its log)."""
    failed = dict.fromkeys(_FAILED.findall(log), "")
    for chunk in log.split(_TRACE_START)[1:]:
        path = chunk.splitlines()[0] if chunk else ""
        learner = next((name for name in failed if f"/{name}/" in path + "/"), None)
        reasons = [line.strip() for line in chunk.splitlines()[1:] if _EXCEPTION_LINE.match(line)]
        if learner and reasons:
            failed[learner] = reasons[-1][:300]
    return failed


def run_exchange(kind: str, nbc: NbgraderCourse, what: str, **traits: Any) -> str:
    """Run one nbgrader exchange operation (``Collect``, ``ReleaseAssignment``...)."""
    factory = getattr(nbc.exchange, kind)
    app = factory(
        coursedir=nbc.coursedir,
        authenticator=nbc.authenticator,
        config=nbc.config,
        log=nbgrader_log(),
    )
    for name, value in traits.items():
        setattr(app, name, value)
    return run_app(app, what)


@contextmanager
def open_gradebook(config: ParcoursConfig, course: Course) -> Iterator[Gradebook]:
    """nbgrader's gradebook of a course (created on first use)."""
    from nbgrader.api import Gradebook

    from .coursedir import ensure_gradebook_database

    ensure_alembic_on_path()
    ensure_gradebook_database(config.gradebook_for(course.id))
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
    with quiet_sqlalchemy():
        gb.update_or_create_submission(
            assignment_id, learner, timestamp=naive_utc(received), extension=extension
        )


@contextmanager
def quiet_sqlalchemy() -> Iterator[None]:
    """Silence the SAWarning nbgrader's gradebook triggers with SQLAlchemy 2 when it creates
    a submission ("Object of type <SubmittedAssignment> not in session"): the rows are
    written all the same (nbgrader adds them explicitly afterwards)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*not in session, add operation along")
        yield


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
                _(
                    "assignment '{assignment}' is not in the gradebook of '{course}'; run "
                    "'parcours release' then 'parcours collect' first."
                ).format(assignment=assignment.id, course=course.id)
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
