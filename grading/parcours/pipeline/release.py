"""Release an assignment: to everyone, to a group, or to named learners.

``release`` prepares nbgrader's course folder, writes the roster's learners and the
assignment's due date into nbgrader's gradebook (nbgrader stores naive UTC; the manifest's
dates are time-zone aware), generates the student version with nbgrader's
``GenerateAssignment`` and puts it in the exchange with nbgrader's
``ExchangeReleaseAssignment``. Who may see it is written to the release record (see
:mod:`.exchange` for why a record rather than one exchange name per group).

Releasing again widens the audience (a release cannot be taken back from learners who may
have fetched it) and refreshes the student version from the source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BadInputError
from ..i18n import _
from .records import RELEASES, actor, log_change, now_utc, update_record

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course


@dataclass(frozen=True)
class ReleaseResult:
    """What a release did."""

    assignment: str
    #: learner ids the release is for; None means everyone
    learners: list[str] | None
    #: the release folder in nbgrader's exchange
    outbound: Path
    opens: dt.datetime
    due: dt.datetime


def release(
    config: ParcoursConfig,
    course: Course,
    assignment_id: str,
    to: list[str] | None = None,
) -> ReleaseResult:
    """Generate and release ``assignment_id``; ``to`` names groups or learners of the
    roster (``<data_dir>/courses/<id>/roster.csv``); None or empty means everyone."""
    from .coursedir import prepare_course_root
    from .deadlines import find_assignment
    from .gradebook import (
        nbgrader_course,
        nbgrader_log,
        open_gradebook,
        run_app,
        run_exchange,
        sync_assignment,
        sync_students,
    )
    from .roster import load_roster

    assignment = find_assignment(course, assignment_id)
    roster = load_roster(config, course)
    learners = roster.resolve(to) if to else None
    if to and not learners:
        raise BadInputError(
            _("the release's audience ({audience}) has no member in {roster}.").format(
                audience=", ".join(to), roster=roster.path
            )
        ).about("to")
    from nbgrader.converters import GenerateAssignment  # after the checks: it is slow

    prepare_course_root(config, course)
    with open_gradebook(config, course) as gb:
        sync_students(gb, roster)
        sync_assignment(gb, course, assignment)
    nbc = nbgrader_course(config, course, CourseDirectory__assignment_id=assignment.id)
    generator = GenerateAssignment(coursedir=nbc.coursedir, config=nbc.config, log=nbgrader_log())
    generator.force = True
    generator.create_assignment = True
    run_app(generator, f"generate the student version of '{assignment.id}'")
    # the gradebook row existed before generation; make sure its due date survived
    with open_gradebook(config, course) as gb:
        sync_assignment(gb, course, assignment)
    # the record first: the release must never be visible, even briefly, to others
    with update_record(config.course_root(course.id) / RELEASES) as data:
        previous = data["entries"].get(assignment.id)
        if previous is not None and learners is not None:
            if previous.get("learners") is None:
                learners = None  # already released to everyone: it stays so
            else:
                learners = sorted(set(previous["learners"]) | set(learners))
        data["entries"][assignment.id] = {
            "kind": "assignment",
            "to": sorted(to) if to else ["*"],
            "learners": learners,
            "opens": course.opens(assignment).isoformat(),
            "due": course.due(assignment).isoformat(),
            "released_at": now_utc().isoformat(),
            "released_by": actor(),
        }
        log_change(data, "release", assignment=assignment.id, to=sorted(to) if to else ["*"])
    run_exchange("ReleaseAssignment", nbc, f"release '{assignment.id}' to the exchange", force=True)

    outbound = Path(config.exchange_dir) / course.id / "outbound" / assignment.id
    return ReleaseResult(
        assignment.id, learners, outbound, course.opens(assignment), course.due(assignment)
    )
