"""Tutors' follow-ups of learners (Qualiopi indicator 12: engagement).

A follow-up says who contacted which learner, how (e-mail, telephone, message, meeting),
when, with what outcome, and whether it is still open. Follow-ups are appended to
``<data_dir>/courses/<course>/followups.jsonl`` (one JSON object a line, schema below);
closing one appends a new version of it (same ``id``), so the file keeps the history and
the latest line of an id is the follow-up's state. They appear in the evidence pack.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError
from ..i18n import N_, _
from .common import append_jsonl, learner_of, now_utc, read_jsonl

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course

FILE = "followups.jsonl"
SCHEMA_VERSION = 1
#: how a learner was contacted
CHANNELS = {
    "email": N_("by e-mail"),
    "phone": N_("by telephone"),
    "message": N_("by message"),
    "meeting": N_("in a meeting"),
}
STATUSES = ("open", "done")


@dataclass(frozen=True)
class FollowUp:
    """One follow-up of a learner by a tutor."""

    id: str
    course: str
    learner: str
    #: email | phone | message | meeting
    how: str
    #: when the learner was contacted (ISO 8601 with zone)
    contacted_at: str
    #: what came of it (free text)
    outcome: str
    #: who did it (tutor's account or name)
    by: str
    #: open | done
    status: str = "open"
    #: when this version was recorded (ISO 8601 UTC)
    recorded_at: str = ""
    schema_version: int = SCHEMA_VERSION

    def as_json(self) -> dict[str, Any]:
        """The follow-up as a plain dict."""
        return asdict(self)


def path(config: ParcoursConfig, course: Course) -> Path:
    """The follow-ups file of a course."""
    return config.course_root(course.id) / FILE


def record_followup(
    config: ParcoursConfig,
    course: Course,
    learner: str,
    *,
    how: str,
    outcome: str,
    by: str,
    contacted_at: dt.datetime | None = None,
    status: str = "open",
) -> FollowUp:
    """Record a follow-up of ``learner`` (who must be in the roster)."""
    learner_of(config, course, learner)
    if how not in CHANNELS:
        raise BadInputError(
            _("'{how}' is not a way of contacting a learner; use one of {known}").format(
                how=how, known=", ".join(CHANNELS)
            )
        ).about("how")
    if status not in STATUSES:
        raise BadInputError(
            _("status '{status}' is unknown; use open or done").format(status=status)
        ).about("status")
    if not by.strip():
        raise BadInputError(_("say who followed the learner up")).about("by")
    moment = contacted_at or now_utc()
    if moment.tzinfo is None:
        moment = course.aware(moment)
    followup = FollowUp(
        id=uuid.uuid4().hex,
        course=course.id,
        learner=learner,
        how=how,
        contacted_at=moment.isoformat(),
        outcome=outcome.strip(),
        by=by.strip(),
        status=status,
        recorded_at=now_utc().isoformat(),
    )
    append_jsonl(path(config, course), [followup.as_json()])
    return followup


def close_followup(
    config: ParcoursConfig, course: Course, ident: str, outcome: str = ""
) -> FollowUp:
    """Mark a follow-up done (a new version of it is appended)."""
    current = {f.id: f for f in list_followups(config, course)}
    if ident not in current:
        raise BadInputError(
            _("no follow-up '{id}' in {path}").format(id=ident, path=path(config, course))
        ).about("id")
    done = replace(
        current[ident],
        status="done",
        outcome=outcome.strip() or current[ident].outcome,
        recorded_at=now_utc().isoformat(),
    )
    append_jsonl(path(config, course), [done.as_json()])
    return done


def list_followups(
    config: ParcoursConfig, course: Course, learner: str | None = None, status: str | None = None
) -> list[FollowUp]:
    """The follow-ups of a course (latest version of each), oldest contact first."""
    latest: dict[str, FollowUp] = {}
    for entry in read_jsonl(path(config, course)):
        latest[entry["id"]] = FollowUp(**entry)
    found = [
        f
        for f in latest.values()
        if (learner is None or f.learner == learner) and (status is None or f.status == status)
    ]
    return sorted(found, key=lambda f: f.contacted_at)


#: texts of the coordinator dashboard's follow-up form and list (dashboards/followups.py),
#: kept here so that they live in this area's catalogue
LABELS = {
    "title": N_("Follow-ups of learners at risk"),
    "learner": N_("Learner"),
    "how": N_("Contacted"),
    "when": N_("When"),
    "by": N_("By"),
    "outcome": N_("Outcome"),
    "status": N_("Status"),
    "course": N_("Course"),
    "record": N_("Record the follow-up"),
    "recorded": N_("Follow-up recorded."),
    "missing": N_("Say who followed the learner up."),
    "open": N_("open"),
    "done": N_("done"),
    "count": N_("{open} open, {done} done."),
}
