"""E-mail reminders (Qualiopi indicators 12 and 30): safe to run from cron.

``parcours remind COURSE`` (:func:`send_reminders`) works out which reminders are due at
``now`` for each learner of the roster who has an e-mail address and has not opted out:

* **deadline** — :attr:`ParcoursConfig.reminder_days_before` days (default 3, then 1)
  before the learner's own due date (their extension if any), while the assignment is not
  handed in. Only the closest one applies: a run 12 hours before the due date sends the
  1-day reminder, not a late 3-day one;
* **inactivity** — the learners the at-risk rules flag as inactive
  (:func:`parcours.analytics.risk.at_risk`, rule ``days_inactive`` of
  ``ParcoursConfig.risk_thresholds``), once per spell of inactivity, until the course ends;
* **satisfaction** — once the course's last assignment is due, the satisfaction survey
  (a ``rated`` event) until the learner answers, again ``satisfaction_relance_days`` after
  the last one sent.

Nothing is sent in quiet hours (``quiet_hours``, course time zone). Every message sent is
appended to the ledger ``<data_dir>/courses/<course>/reminders.jsonl`` under a key naming
what it reminds of; a key already there is never sent again, and the ledger is locked
while a run works, so two runs at once (cron overlapping) cannot both send. The ledger is
evidence: the evidence pack lists the reminders each learner received.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .. import mail
from ..errors import ConfigurationError
from ..i18n import _, language
from .common import append_jsonl, full_name, now_utc, read_jsonl

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course

LEDGER = "reminders.jsonl"
OPT_OUT = "reminders-optout.json"


@dataclass(frozen=True)
class Reminder:
    """One message to send."""

    #: what it reminds of; never sent twice (``deadline:A1:3``, ``inactivity:2026-09-20``)
    key: str
    #: deadline | inactivity | satisfaction
    kind: str
    learner: str
    email: str
    #: the assignment, or '' for the course
    about: str
    subject: str
    body: str


@dataclass
class RemindReport:
    """What a run did: messages sent, and why others were not."""

    sent: list[Reminder] = field(default_factory=list)
    #: (learner, reason) of messages due but not sent (quiet hours, a send that failed)
    held: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def ledger_path(config: ParcoursConfig, course: Course) -> Path:
    """The reminders' ledger of a course."""
    return config.course_root(course.id) / LEDGER


def sent_to(config: ParcoursConfig, course: Course, learner: str) -> list[dict[str, Any]]:
    """Every reminder sent to a learner for a course (the ledger's lines)."""
    return [r for r in read_jsonl(ledger_path(config, course)) if r.get("learner") == learner]


def opted_out(config: ParcoursConfig, course: Course) -> set[str]:
    """Learners who asked for no reminders."""
    path = config.course_root(course.id) / OPT_OUT
    return set(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else set()


def set_opt_out(config: ParcoursConfig, course: Course, learner: str, out: bool = True) -> None:
    """Record that a learner wants no reminders (``out``) or wants them again."""
    from .common import learner_of

    learner_of(config, course, learner)
    chosen = opted_out(config, course)
    chosen = chosen | {learner} if out else chosen - {learner}
    path = config.course_root(course.id) / OPT_OUT
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(sorted(chosen)), encoding="utf-8")


def in_quiet_hours(config: ParcoursConfig, course: Course, now: dt.datetime) -> bool:
    """Whether ``now`` falls in the quiet hours, on the course's clock."""
    text = config.quiet_hours.strip()
    if not text:
        return False
    try:
        start_text, end_text = text.split("-")
        start, end = (dt.time.fromisoformat(t.strip()) for t in (start_text, end_text))
    except ValueError:
        raise ConfigurationError(
            _(
                "quiet_hours {text}: write it as 'HH:MM-HH:MM' (e.g. '21:00-08:00') in "
                "jupyter_config.py, or '' for none"
            ).format(text=repr(text))
        ).about("quiet_hours") from None
    clock = now.astimezone(ZoneInfo(course.timezone)).time()
    if start <= end:
        return start <= clock < end
    return clock >= start or clock < end


def _submitted(config: ParcoursConfig, course: Course) -> set[tuple[str, str]]:
    from ..pipeline.records import SUBMISSIONS, read_record

    entries = read_record(config.course_root(course.id) / SUBMISSIONS)["entries"]
    return {(a, learner) for a, per in entries.items() for learner in per}


def _last_activity(config: ParcoursConfig, course: Course) -> dict[str, dt.datetime]:
    from ..store import open_store

    last: dict[str, dt.datetime] = {}
    with open_store(config.events_url) as store:
        for event in store.read(course=course.id):
            last[event.actor] = dt.datetime.fromisoformat(event.timestamp)
    return last


def _inactive(config: ParcoursConfig, course: Course, now: dt.datetime) -> set[str]:
    """Pseudonyms of the learners the at-risk rules flag as inactive at ``now``
    (:func:`parcours.analytics.risk.at_risk`, rule ``days_inactive``)."""
    import pandas as pd

    from ..analytics.frames import load_frames
    from ..analytics.risk import at_risk

    risk = at_risk(load_frames(config, [course]), dict(config.risk_thresholds), pd.Timestamp(now))
    return {
        str(row.learner)
        for row in risk.itertuples()
        if "days_inactive" in list(row.reasons) and row.course == course.id
    }


def due_reminders(config: ParcoursConfig, course: Course, now: dt.datetime) -> list[Reminder]:
    """Every reminder due at ``now`` for the course (sent or not: see the ledger)."""
    from ..pipeline.deadlines import due_for, load_extensions
    from ..pipeline.roster import load_roster
    from ..store import pseudonymize
    from .common import moment_text

    learners = [
        x for x in load_roster(config, course).learners.values()
        if x.email and x.id not in opted_out(config, course)
    ]  # fmt: skip
    extensions = load_extensions(config, course)
    handed = _submitted(config, course)
    last = _last_activity(config, course)
    rated = set()
    from ..store import open_store

    with open_store(config.events_url) as store:
        rated = {e.actor for e in store.read(course=course.id, verb="rated")}
    days = sorted({d for d in config.reminder_days_before if d > 0}, reverse=True)
    end = max((course.due(a) for a in course.assignments), default=None)
    inactive = _inactive(config, course, now) if end is None or now < end else set()
    ledger = read_jsonl(ledger_path(config, course))
    found: list[Reminder] = []
    lang = course.language
    with language(lang):
        for learner in learners:
            name = full_name(learner)

            def make(
                key: str, kind: str, about: str, subject: str, body: str, who: Any = learner
            ) -> None:
                found.append(Reminder(key, kind, who.id, who.email, about, subject, body))

            for assignment in course.assignments:
                if (assignment.id, learner.id) in handed or now < course.opens(assignment):
                    continue
                due = due_for(course, assignment, learner.id, extensions)
                for i, d in enumerate(days):
                    start = due - dt.timedelta(days=d)
                    stop = due - dt.timedelta(days=days[i + 1]) if i + 1 < len(days) else due
                    if start <= now < stop:
                        make(
                            f"deadline:{assignment.id}:{due.isoformat()}:{d}",
                            "deadline",
                            assignment.id,
                            _("Reminder: {title} is due on {due}").format(
                                title=assignment.title, due=moment_text(due, course, lang)
                            ),
                            _("Hello {name},\n\nYour assignment \"{title}\" of the course "
                              "\"{course}\" is due on {due}. Hand it in from JupyterLab "
                              "(Assignments tab) before then.\n").format(
                                name=name, title=assignment.title, course=course.title,
                                due=moment_text(due, course, lang)),
                        )  # fmt: skip
            pseudonym = pseudonymize(learner.id, config.pseudonym_salt)
            since = last.get(pseudonym) or (
                course.aware(dt.datetime.combine(course.starts, dt.time()))
                if course.starts
                else now
            )
            if pseudonym in inactive:  # one nudge per spell of inactivity (since ...)
                make(
                    f"inactivity:{since.isoformat()}",
                    "inactivity",
                    "",
                    _("We miss you in \"{course}\"").format(course=course.title),
                    _("Hello {name},\n\nWe have not seen you in the course \"{course}\" "
                      "since {since}. Your next lesson is waiting; reply to this message if "
                      "something holds you back, your tutor will help.\n").format(
                        name=name, course=course.title, since=moment_text(since, course, lang)),
                )  # fmt: skip
            if end is not None and now >= end and pseudonym not in rated:
                every = dt.timedelta(days=max(1, config.satisfaction_relance_days))
                asked = [dt.datetime.fromisoformat(r["sent_at"]) for r in ledger
                         if r["learner"] == learner.id and r["kind"] == "satisfaction"]  # fmt: skip
                if asked and now < max(asked) + every:
                    continue
                make(
                    f"satisfaction:{len(asked) + 1}",
                    "satisfaction",
                    "",
                    _("Your opinion of \"{course}\"").format(course=course.title),
                    _("Hello {name},\n\nThe course \"{course}\" is over. Please tell us "
                      "what you thought of it: open the course in JupyterLab and answer "
                      "the satisfaction survey (two minutes).\n").format(
                        name=name, course=course.title),
                )  # fmt: skip
    return found


@contextmanager
def _locked(config: ParcoursConfig, course: Course) -> Iterator[None]:
    path = ledger_path(config, course)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(path.name + ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def send_reminders(
    config: ParcoursConfig, course: Course, now: dt.datetime | None = None
) -> RemindReport:
    """Send the reminders due at ``now`` that were never sent; record each one sent."""
    now = now or now_utc()
    report = RemindReport()
    with _locked(config, course):
        done = {(r["learner"], r["key"]) for r in read_jsonl(ledger_path(config, course))}
        todo = [r for r in due_reminders(config, course, now) if (r.learner, r.key) not in done]
        if not todo:
            return report
        if in_quiet_hours(config, course, now):
            report.held = [(r.learner, _("quiet hours")) for r in todo]
            return report
        with mail.connect(config, _("the reminders")) as server:
            for reminder in todo:
                message = mail.message(config, [reminder.email], reminder.subject, reminder.body)
                try:
                    server.send_message(message)
                except smtplib.SMTPException as exc:
                    report.failed.append((reminder.learner, str(exc)))
                    continue
                append_jsonl(
                    ledger_path(config, course),
                    [{**asdict(reminder), "course": course.id, "sent_at": now.isoformat(),
                      "message_id": message["Message-ID"]}],
                )  # fmt: skip
                report.sent.append(reminder)
    return report
