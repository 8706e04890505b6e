"""The demo's teacher, on the class's clock: what she does to an assignment once it is
collected, each step dated in the simulated weeks (see :mod:`parcours.demo`).

- :func:`date_release` — each assignment released ahead of its opening, the Thursday
  before (the release record's ``released_at``).
- :func:`set_submission_times` — each hand-in at the moment the learner made it: the
  collect record, the gradebook and the teacher copy's ``timestamp.txt`` (the pipeline's
  own metadata, never the learner's files).
- :func:`hand_grading_times` — when she grades each hand-in by hand: a few days after
  the due date (late work: a few days after it arrives). Work whose moment has not come
  by the class's "as of" waits, as it would in a real fifth week.
- :func:`grade_by_hand` — the written answers she has graded: full points for an
  answer, none for the stub left as released.
- :func:`release_feedback` — feedback released for the graded hand-ins only, each page
  dated when she graded it; the others keep "needs manual grading" and no feedback.

Left on the real clock: the records' change logs (``changes``: when the pipeline really
ran on this machine, its audit trail) and nbgrader's own transfer records (the exchange's
inbound folder names, the learner's submission cache), which nbgrader matches its
feedback against.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import ParcoursConfig
    from .course.model import Course

#: days after the due date the teacher grades on-time work by hand (drawn per hand-in)
GRADING_DAYS = (1.5, 4.0)
#: days after a late hand-in arrives that she grades it
LATE_GRADING_DAYS = (1.0, 3.0)
#: how long before an assignment opens the teacher releases it (Monday 08:00: Thursday)
RELEASE_AHEAD = dt.timedelta(days=4)
#: where hand-ins still waiting for her are kept while the feedback is generated
WAITING = ".demo-waiting"


def date_release(
    config: ParcoursConfig, course: Course, assignment: str, now: dt.datetime
) -> dt.datetime:
    """Date the release of ``assignment`` (the release record, logged as a ``demo-clock``
    change) :data:`RELEASE_AHEAD` before it opens, and no later than ``now``; returns
    that moment."""
    from .pipeline.records import RELEASES, log_change, update_record

    at = min(course.opens(course.assignment(assignment)) - RELEASE_AHEAD, now)
    with update_record(config.course_root(course.id) / RELEASES) as data:
        data["entries"][assignment]["released_at"] = at.astimezone(dt.UTC).isoformat()
        log_change(data, "demo-clock", assignment=assignment, released_at=at.isoformat())
    return at


def set_submission_times(
    config: ParcoursConfig, course: Course, assignment: str, times: dict[str, dt.datetime]
) -> None:
    """Submission times in the collect record (``submissions.json``, logged as a
    ``demo-clock`` change), the gradebook and the teacher copy's ``timestamp.txt``."""
    from .pipeline.gradebook import open_gradebook
    from .pipeline.records import SUBMISSIONS, log_change, update_record

    root = config.course_root(course.id)
    with update_record(root / SUBMISSIONS) as data:
        seen = data["entries"].get(assignment, {})
        for learner, when in times.items():
            if learner in seen:
                seen[learner]["received"] = when.astimezone(dt.UTC).isoformat()
                seen[learner]["claimed"] = seen[learner]["received"]
        log_change(data, "demo-clock", assignment=assignment, learners=len(times))
    with open_gradebook(config, course) as gb:
        for learner, when in times.items():
            sub = gb.find_submission(assignment, learner)
            sub.timestamp = when.astimezone(dt.UTC).replace(tzinfo=None)
            stamp = root / "submitted" / learner / assignment / "timestamp.txt"
            if stamp.parent.is_dir():
                stamp.write_text(when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
        gb.db.commit()


def hand_grading_times(
    due: dt.datetime, times: dict[str, dt.datetime], now: dt.datetime, seed: str
) -> dict[str, dt.datetime]:
    """Learner -> when the teacher grades her hand-in by hand and releases its feedback,
    for the hand-ins graded by ``now`` (the others are not in the answer)."""
    rng = random.Random(seed)
    graded = {}
    for learner, when in sorted(times.items()):
        if when > due:
            at = when + dt.timedelta(days=rng.uniform(*LATE_GRADING_DAYS))
        else:
            at = due + dt.timedelta(days=rng.uniform(*GRADING_DAYS))
        if at <= now:
            graded[learner] = at
    return graded


def grade_by_hand(
    config: ParcoursConfig,
    course: Course,
    assignment: str,
    answered: dict[str, set[str]],
    learners: list[str],
) -> int:
    """The grades waiting for the teacher in ``learners``' hand-ins, given: full points
    where the learner answered (``answered``: learner -> grade ids answered), none where
    she left the stub. Returns how many grades were given."""
    from .pipeline.gradebook import open_gradebook

    given = 0
    with open_gradebook(config, course) as gb:
        for learner in learners:
            for notebook in gb.find_submission(assignment, learner).notebooks:
                for grade in notebook.grades:
                    if not grade.needs_manual_grade:
                        continue
                    right = grade.name in answered.get(learner, set())
                    grade.manual_score = float(grade.max_score) if right else 0.0
                    grade.needs_manual_grade = False
                    given += 1
        gb.db.commit()
    return given


@contextlib.contextmanager
def _waiting_aside(root: Path, assignment: str, learners: list[str]) -> Iterator[None]:
    """Hand-ins the teacher has not graded yet, out of nbgrader's sight while the
    feedback is generated (it builds a page for every autograded notebook), then back."""
    moved = []
    try:
        for learner in learners:
            graded = root / "autograded" / learner / assignment
            if graded.is_dir():
                aside = root / WAITING / learner / assignment
                aside.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(graded, aside)
                moved.append((aside, graded))
        yield
    finally:
        for aside, graded in moved:
            shutil.move(aside, graded)
        shutil.rmtree(root / WAITING, ignore_errors=True)


def release_feedback(
    config: ParcoursConfig,
    course: Course,
    assignment: str,
    graded: dict[str, dt.datetime],
    waiting: list[str],
    now: dt.datetime,
) -> None:
    """Feedback (and the correction, once due) through the real pipeline, for the graded
    hand-ins only; each feedback page dated when its hand-in was graded."""
    from .pipeline.feedback import feedback

    root = config.course_root(course.id)
    with _waiting_aside(root, assignment, waiting):
        feedback(config, course, assignment, now=now)
    for learner, at in graded.items():
        for page in (root / "feedback" / learner / assignment).glob("*.html"):
            os.utime(page, (at.timestamp(), at.timestamp()))
