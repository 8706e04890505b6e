"""Collect submissions from nbgrader's exchange, with submission times taken on the
teacher's side.

nbgrader's ``ExchangeCollect`` copies each learner's latest submission from the exchange's
``inbound/`` folder to ``<course root>/submitted/<learner>/<assignment>/``; Parcours then
writes the gradebook's submission rows.

Which time counts
-----------------
The time in the submission's folder name and in its ``timestamp.txt`` is written by
nbgrader's submit running *in the learner's process*: a learner can write any time there.
Parcours uses instead the **change time (ctime) of the submission's files in the exchange,
as seen by the teacher's process at collect**: the latest ctime over the submission folder
and everything in it. The kernel sets ctime on every write, rename or ``chmod``, and a
user cannot set it back (``utime`` changes mtime but *updates* ctime to now), so a learner
can only make their submission look later, never earlier. The first collect that sees a
submission records this time, the learner's own claim and the moment of the collect in
``submissions.json`` (see :mod:`.records`); later collects of the same submission keep the
first observation.

That time goes to the gradebook's submission row with the learner's extension, and to
the ``timestamp.txt`` of the teacher's copy in ``submitted/`` so that nbgrader's autograde
and formgrader compute lateness from it. The learner's files are never altered: the
exchange's inbound copy (with the learner's ``timestamp.txt``) is kept as it was, and the
notebooks and other files in ``submitted/`` are nbgrader's byte-for-byte copies.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .records import SUBMISSIONS, log_change, now_utc, parse_time, update_record

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course

NBGRADER_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"


@dataclass(frozen=True)
class Collected:
    """One collected submission."""

    learner: str
    #: teacher-side receipt time (see the module docstring)
    received: dt.datetime
    #: the time the learner's side wrote (kept for the record, not trusted)
    claimed: dt.datetime | None
    #: the learner's own due date (with their extension)
    due: dt.datetime
    days_late: float
    #: the exchange folder it came from
    inbound: str


@dataclass
class CollectResult:
    """What a collect found."""

    assignment: str
    collected: list[Collected] = field(default_factory=list)
    #: learners the assignment is released to who have not submitted
    missing: list[str] = field(default_factory=list)
    #: submitters not on the roster (collected all the same: nothing is ever dropped)
    unknown: list[str] = field(default_factory=list)
    #: submitters the assignment was not released to (collected, flagged for the teacher)
    not_released: list[str] = field(default_factory=list)

    @property
    def late(self) -> list[Collected]:
        return [c for c in self.collected if c.days_late > 0]


def received_time(folder: Path) -> dt.datetime:
    """Latest change time (ctime) of a submission folder and everything inside it."""
    latest = folder.stat().st_ctime
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in (*dirnames, *filenames):
            latest = max(latest, os.lstat(os.path.join(dirpath, name)).st_ctime)
    return dt.datetime.fromtimestamp(latest, dt.UTC)


def latest_inbound(inbound: Path, assignment_id: str) -> dict[str, tuple[str, dt.datetime]]:
    """learner -> (folder name, claimed time) of the submission nbgrader's collect picks
    (the latest by the time in its name, as ``ExchangeCollect`` does)."""
    from nbgrader.utils import parse_utc

    chosen: dict[str, tuple[str, dt.datetime]] = {}
    if not inbound.is_dir():
        return chosen
    for folder in inbound.glob(f"*+{assignment_id}+*"):
        parts = folder.name.rsplit("+", 3)
        if len(parts) < 3 or parts[1] != assignment_id:
            continue
        try:
            claimed = parse_utc(parts[2])
        except ValueError:
            continue  # nbgrader's collect fails on it too; the file stays in the exchange
        learner = parts[0]
        if learner not in chosen or claimed > chosen[learner][1]:
            chosen[learner] = (folder.name, claimed)
    return chosen


def collect(config: ParcoursConfig, course: Course, assignment_id: str) -> CollectResult:
    """Collect the latest submission of every learner into ``submitted/`` and write the
    gradebook's submission rows with teacher-side times and extensions."""
    from .coursedir import prepare_course_root
    from .deadlines import days_late, due_for, find_assignment, load_extensions
    from .gradebook import (
        nbgrader_course,
        open_gradebook,
        record_submission,
        run_exchange,
        sync_assignment,
        sync_students,
    )
    from .records import RELEASES, in_audience, read_record
    from .roster import load_roster

    assignment = find_assignment(course, assignment_id)
    root = prepare_course_root(config, course)
    roster = load_roster(config, course)
    extensions = load_extensions(config, course)
    release = read_record(root / RELEASES)["entries"].get(assignment.id)
    inbound = Path(config.exchange_dir) / course.id / "inbound"
    observed_at = now_utc()
    chosen = latest_inbound(inbound, assignment.id)
    times = {learner: received_time(inbound / name) for learner, (name, _) in chosen.items()}

    nbc = nbgrader_course(config, course, CourseDirectory__assignment_id=assignment.id)
    with open_gradebook(config, course) as gb:
        sync_students(gb, roster)
        sync_assignment(gb, course, assignment)
    if chosen:
        run_exchange("Collect", nbc, f"collect '{assignment.id}'", update=True)

    result = CollectResult(assignment.id)
    with update_record(root / SUBMISSIONS) as data:
        seen = data["entries"].setdefault(assignment.id, {})
        for learner, (name, claimed) in sorted(chosen.items()):
            entry = seen.get(learner)
            if entry is None or entry["inbound"] != name:
                entry = {
                    "inbound": name,
                    "received": min(times[learner], observed_at).isoformat(),
                    "claimed": claimed.replace(tzinfo=dt.UTC).isoformat(),
                    "first_seen": observed_at.isoformat(),
                }
                seen[learner] = entry
                log_change(
                    data,
                    "collect",
                    assignment=assignment.id,
                    learner=learner,
                    inbound=name,
                    received=entry["received"],
                )
            received = parse_time(entry["received"])
            due = due_for(course, assignment, learner, extensions)
            result.collected.append(
                Collected(
                    learner,
                    received,
                    parse_time(entry["claimed"]),
                    due,
                    days_late(received, due),
                    name,
                )
            )

    with open_gradebook(config, course) as gb:
        for item in result.collected:
            if item.learner not in roster.learners:
                result.unknown.append(item.learner)
                gb.update_or_create_student(item.learner)
            if release is not None and not in_audience(release, item.learner):
                result.not_released.append(item.learner)
            until = extensions.get((assignment.id, item.learner))
            extension = until - course.due(assignment) if until else None
            record_submission(gb, assignment.id, item.learner, item.received, extension)
            _write_timestamp(root, item.learner, assignment.id, item.received)
    audience = (
        roster.learners.keys()
        if release is None
        else [learner for learner in roster.learners if in_audience(release, learner)]
    )
    result.missing = sorted(set(audience) - set(chosen))
    return result


def _write_timestamp(root: Path, learner: str, assignment_id: str, when: dt.datetime) -> None:
    """The teacher's copy's ``timestamp.txt`` (nbgrader's format), read by autograde."""
    folder = root / "submitted" / learner / assignment_id
    if folder.is_dir():
        text = when.astimezone(dt.UTC).strftime(NBGRADER_TIME_FORMAT)
        (folder / "timestamp.txt").write_text(text, encoding="utf-8")
