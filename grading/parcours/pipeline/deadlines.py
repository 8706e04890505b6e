"""Due dates, per-learner extensions, lateness and when a correction becomes visible.

A learner's due date is the manifest's ``due`` unless the teacher recorded an extension
(``parcours extend``), kept in ``<data_dir>/courses/<id>/extensions.json`` with who granted
it and when (see :mod:`.records`). Extensions do not stack: the last one granted wins,
and every grant stays in the record's history. The same date drives the late penalty
(:func:`days_late` and ``LatePolicy.penalty``), nbgrader's own lateness (the extension is
written to the gradebook's submission row at collect) and when the correction is published
to that learner (:func:`correction_time`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..course.zones import zone_of
from ..errors import BadInputError
from ..i18n import N_, _
from .records import (
    EXTENSIONS,
    RELEASES,
    SUBMISSIONS,
    in_audience,
    parse_time,
    read_record,
    released_to,
)
from .records import now_utc as _now

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Assignment, Course

Extensions = dict[tuple[str, str], dt.datetime]


def parse_until(text: str, what: str = N_("the extension's end")) -> dt.datetime:
    """An ISO 8601 date and time *with* a time zone; anything else is bad input naming the
    value as ``what`` (its :attr:`~.ParcoursError.argument`: ``until``)."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        wrong = _("{what} {text!r} is not a date and time; write e.g. 2026-10-05T23:59+02:00.")
        raise BadInputError(wrong.format(what=_(what), text=text)).about("until") from None
    if moment.tzinfo is None:
        ambiguous = _(
            "{what} {text!r}: the date has no time zone, so it is ambiguous; add one, e.g. "
            "2026-10-05T23:59+02:00 (Paris, summer) or 2026-10-05T21:59Z (UTC)."
        )
        raise BadInputError(ambiguous.format(what=_(what), text=text)).about("until")
    return moment


def find_assignment(course: Course, assignment_id: str) -> Assignment:
    """The manifest's assignment, or a bad-input error naming the known ones."""
    try:
        return course.assignment(assignment_id)
    except KeyError:
        known = ", ".join(a.id for a in course.assignments) or "(none)"
        raise BadInputError(
            _("assignment '{assignment}' is not in {manifest}; known assignments: {known}.").format(
                assignment=assignment_id, manifest=course.folder / "course.toml", known=known
            )
        ) from None


def load_extensions(config: ParcoursConfig, course: Course) -> Extensions:
    """(assignment id, learner) -> extended due date, from the extension record."""
    data = read_record(config.course_root(course.id) / EXTENSIONS)
    found: Extensions = {}
    for assignment_id, learners in data["entries"].items():
        for learner, entry in learners.items():
            found[(assignment_id, learner)] = parse_time(entry["until"])
    return found


def due_for(
    course: Course, assignment: Assignment, learner: str, extensions: Extensions
) -> dt.datetime:
    """The learner's own due date: their extension if any, else the manifest's."""
    return extensions.get((assignment.id, learner)) or course.due(assignment)


def days_late(received: dt.datetime, due: dt.datetime) -> float:
    """Days (fractional) between the due date and the receipt; 0 when on time."""
    return max(0.0, (received - due).total_seconds() / 86400)


def lateness(seconds: float, lang: str) -> str:
    """How late a hand-in was, as a teacher says it, in ``lang``: seconds under a minute,
    minutes under an hour, hours and minutes under a day, days (one decimal) beyond —
    never "0.0 day(s)" for a learner 14 s late."""
    from ..i18n import _, language, ngettext, number

    with language(lang):
        whole = max(0, int(seconds))
        if whole < 60:
            return _("{seconds} s").format(seconds=whole)
        if whole < 3600:
            return _("{minutes} min").format(minutes=whole // 60)
        if whole < 86400:
            hours, minutes = divmod(whole // 60, 60)
            return _("{hours} h {minutes:02d} min").format(hours=hours, minutes=minutes)
        days = round(seconds / 86400, 1)
        # plural by the number read (1 day, 1.5 days): gettext's rules take whole numbers
        return ngettext("{days} day", "{days} days", 1 if days == 1 else 2).format(
            days=number(days, decimals=1)
        )


def correction_time(
    course: Course, assignment: Assignment, learner: str, extensions: Extensions
) -> dt.datetime | None:
    """When the correction may be shown to this learner; None if never.

    Never before the learner's own (possibly extended) due date, whatever the manifest
    says, so that nobody with an extension can be handed the answers.
    """
    own_due = due_for(course, assignment, learner, extensions)
    if assignment.correction == "never":
        return None
    if assignment.correction == "after_due":
        return own_due
    return max(course.aware(assignment.correction, assignment.timezone), own_due)


# -- what a learner sees ---------------------------------------------------------------

#: a learner's status on an assignment, as the table says it
STATUS = {
    "upcoming": N_("upcoming (not released yet)"),
    "not_open": N_("released, opens later"),
    "open": N_("open, to hand in"),
    "submitted": N_("handed in"),
    "late": N_("handed in late"),
    "overdue": N_("overdue, not handed in"),
}


@dataclass(frozen=True)
class Deadline:
    """One assignment as one learner sees it."""

    assignment: str
    title: str
    opens: dt.datetime
    due: dt.datetime
    extension: dt.datetime | None
    status: str
    submitted_at: dt.datetime | None
    correction_available: bool
    #: the IANA zone the assignment's dates were written in (its own, else the course's)
    zone: str = "UTC"

    @property
    def own_due(self) -> dt.datetime:
        """The learner's own due date: the extension if any, else the assignment's."""
        return self.extension or self.due

    def as_json(self) -> dict[str, Any]:
        """JSON-ready form, for programs (``parcours deadlines --json``): ISO 8601 dates
        with the offset of the assignment's zone, and that zone named."""
        from ..course.zones import iso

        return {
            "assignment": self.assignment,
            "title": self.title,
            "timezone": self.zone,
            "opens": iso(self.opens, self.zone),
            "due": iso(self.due, self.zone),
            "extension": iso(self.extension, self.zone),
            "status": self.status,
            "submitted_at": iso(self.submitted_at, self.zone),
            "correction_available": self.correction_available,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Deadline:
        """The row :meth:`as_json` wrote (the Parcours service's answer on the hub)."""

        def moment(key: str) -> dt.datetime | None:
            return dt.datetime.fromisoformat(data[key]) if data.get(key) else None

        return cls(
            assignment=data["assignment"],
            title=data.get("title", data["assignment"]),
            opens=dt.datetime.fromisoformat(data["opens"]),
            due=dt.datetime.fromisoformat(data["due"]),
            extension=moment("extension"),
            status=data["status"],
            submitted_at=moment("submitted_at"),
            correction_available=bool(data.get("correction_available")),
            zone=data.get("timezone") or "UTC",
        )


def learner_deadlines(
    config: ParcoursConfig, course: Course, learner: str, *, now: dt.datetime | None = None
) -> list[Deadline]:
    """The learner's assignments with opens/due, extension, status and correction.

    Only what concerns them: an assignment released to a group they are not in is not
    listed; one not released yet is listed as upcoming (milestones known in advance)."""
    now = now or _now()
    root = config.course_root(course.id)
    releases = read_record(root / RELEASES)["entries"]
    received = read_record(root / SUBMISSIONS)["entries"]
    extensions = load_extensions(config, course)
    inbound = Path(config.exchange_dir) / course.id / "inbound"
    rows: list[Deadline] = []
    for assignment in course.assignments:
        release = releases.get(assignment.id)
        if release is not None and not in_audience(release, learner):
            continue
        own_due = due_for(course, assignment, learner, extensions)
        seen = received.get(assignment.id, {}).get(learner)
        submitted = parse_time(seen["received"]) if seen else None
        if submitted is None and release is not None:
            submitted = _pending_submission(inbound, learner, assignment.id)
        if release is None:
            status = "upcoming"
        elif submitted is not None:
            status = "late" if submitted > own_due else "submitted"
        elif now < course.opens(assignment):
            status = "not_open"
        else:
            status = "overdue" if now > own_due else "open"
        correction = releases.get(correction_id(assignment.id))
        rows.append(
            Deadline(
                assignment=assignment.id,
                title=assignment.title,
                opens=course.opens(assignment),
                due=course.due(assignment),
                extension=extensions.get((assignment.id, learner)),
                status=status,
                submitted_at=submitted,
                correction_available=bool(correction and released_to(correction, learner)),
                zone=zone_of(course, assignment),
            )
        )
    return rows


def correction_id(assignment_id: str) -> str:
    """The exchange name under which an assignment's correction is released."""
    return f"{assignment_id}-correction"


def _pending_submission(inbound: Path, learner: str, assignment_id: str) -> dt.datetime | None:
    """Latest not-yet-collected submission in the exchange (its folder's change time)."""
    try:
        folders = list(inbound.glob(f"{learner}+{assignment_id}+*"))
    except OSError:  # the inbound folder is write-only for learners on a shared exchange
        return None
    times = [f.stat().st_ctime for f in folders if f.is_dir()]
    return dt.datetime.fromtimestamp(max(times), dt.UTC) if times else None


def format_deadlines(rows: list[Deadline], lang: str, here: str = "") -> str:
    """A plain-text table of :func:`learner_deadlines`, in French or English: each date
    in its assignment's zone, the zone named; with ``here`` (the reader's machine's zone)
    differing from an assignment's, one more column gives the learner's own due date
    there."""
    from ..course.zones import shown
    from ..i18n import _, language

    extra = bool(here) and any(row.zone != here for row in rows)
    with language(lang):
        headers = (
            *(_("assignment"), _("opens"), _("due"), _("your extension")),
            *(_("status"), _("correction")),
            # the learner's own due date on this machine's clock, when its zone is another
            *((_("due here"),) if extra else ()),
        )
        table = [headers]
        for row in rows:
            table.append(
                (
                    row.assignment,
                    shown(row.opens, row.zone, lang),
                    shown(row.due, row.zone, lang),
                    shown(row.extension, row.zone, lang),
                    _(STATUS[row.status]),
                    _("available") if row.correction_available else "-",
                    *((shown(row.own_due, here, lang),) if extra else ()),
                )
            )
        empty = _("(no assignment)")
    return _text_table(table, empty)


def _text_table(table: list[tuple[str, ...]], empty: str) -> str:
    """Rows of cells (the first one the headers) as aligned plain text, a rule under the
    headers; ``empty`` under them when there is no other row."""
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    if len(table) == 1:
        lines.append(empty)
    return "\n".join(lines)


# -- what a teacher sees ---------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """One assignment as its teachers see it: its dates and where its learners stand
    (counted from each learner's own :func:`learner_deadlines` row)."""

    assignment: str
    title: str
    opens: dt.datetime
    due: dt.datetime
    #: the IANA zone the assignment's dates were written in
    zone: str
    #: released (to everyone or to some): False while upcoming
    released: bool
    #: learners it is released to
    learners: int = 0
    #: learners who handed it in, on time or late
    submitted: int = 0
    #: of which after their own due date
    late: int = 0
    #: learners whose own due date has passed without a submission
    overdue: int = 0
    #: learners with an extension
    extensions: int = 0

    def as_json(self) -> dict[str, Any]:
        """JSON-ready form: ISO 8601 dates with the offset of the assignment's zone."""
        from ..course.zones import iso

        return {
            "assignment": self.assignment,
            "title": self.title,
            "timezone": self.zone,
            "opens": iso(self.opens, self.zone),
            "due": iso(self.due, self.zone),
            "released": self.released,
            "learners": self.learners,
            "submitted": self.submitted,
            "late": self.late,
            "overdue": self.overdue,
            "extensions": self.extensions,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Progress:
        """The row :meth:`as_json` wrote (the Parcours service's answer on the hub)."""
        counts = ("learners", "submitted", "late", "overdue", "extensions")
        return cls(
            assignment=data["assignment"],
            title=data.get("title", data["assignment"]),
            opens=dt.datetime.fromisoformat(data["opens"]),
            due=dt.datetime.fromisoformat(data["due"]),
            zone=data.get("timezone") or "UTC",
            released=bool(data.get("released")),
            **{key: int(data.get(key) or 0) for key in counts},
        )


def course_progress(
    config: ParcoursConfig, course: Course, *, now: dt.datetime | None = None
) -> list[Progress]:
    """Each assignment of ``course`` with its dates and, over the learners of its roster,
    how many it is released to, have handed it in, late, are overdue, have an
    extension — what ``parcours deadlines`` shows a teacher."""
    from .roster import load_roster

    now = now or _now()
    tally: dict[str, dict[str, int]] = {a.id: {} for a in course.assignments}
    for learner in load_roster(config, course).learners:
        for row in learner_deadlines(config, course, learner, now=now):
            if row.status == "upcoming":
                continue
            counts = tally[row.assignment]
            counts["learners"] = counts.get("learners", 0) + 1
            for key, counted in (
                ("submitted", row.status in ("submitted", "late")),
                ("late", row.status == "late"),
                ("overdue", row.status == "overdue"),
                ("extensions", row.extension is not None),
            ):
                counts[key] = counts.get(key, 0) + int(counted)
    releases = read_record(config.course_root(course.id) / RELEASES)["entries"]
    return [
        Progress(
            assignment=assignment.id,
            title=assignment.title,
            opens=course.opens(assignment),
            due=course.due(assignment),
            zone=zone_of(course, assignment),
            released=assignment.id in releases,
            **tally[assignment.id],
        )
        for assignment in course.assignments
    ]


def format_progress(rows: list[Progress], lang: str) -> str:
    """A plain-text table of :func:`course_progress`, in French or English, each date in
    its assignment's zone, the zone named."""
    from ..course.zones import shown
    from ..i18n import _, language

    with language(lang):
        table: list[tuple[str, ...]] = [
            (
                *(_("assignment"), _("opens"), _("due"), _("released to")),
                *(_("handed in by"), _("of which late"), _("not handed in, overdue")),
                _("with an extension"),
            )
        ]
        for row in rows:
            table.append(
                (
                    row.assignment,
                    shown(row.opens, row.zone, lang),
                    shown(row.due, row.zone, lang),
                    str(row.learners) if row.released else _("not released"),
                    *(str(n) for n in (row.submitted, row.late, row.overdue, row.extensions)),
                )
            )
        empty = _("(no assignment)")
    return _text_table(table, empty)
