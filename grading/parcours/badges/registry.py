"""The credentials issued, in ``<data_dir>/badges.sqlite``: who holds which badge,
its signed VC-JWT as issued, and whether (when, why) it was revoked.

A learner holds at most one credential of a badge that is not revoked; a revoked one
stays listed (its page says revoked) and the badge may be issued to her again.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..i18n import _
from ..safefs import plain_file
from . import BadgeError
from .declared import Badge, course_badges, find_badge
from .signing import Recipient, credential, sign, verified_claims

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course

SCHEMA = """
CREATE TABLE IF NOT EXISTS issued (
    id TEXT PRIMARY KEY, course TEXT NOT NULL, badge TEXT NOT NULL, learner TEXT NOT NULL,
    name TEXT NOT NULL, issued_at TEXT NOT NULL, token TEXT NOT NULL,
    revoked_at TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL DEFAULT '');
CREATE UNIQUE INDEX IF NOT EXISTS one_valid ON issued (course, badge, learner)
    WHERE revoked_at = '';
"""


@dataclass(frozen=True)
class Issued:
    """One credential issued."""

    id: str
    course: str
    badge: str
    learner: str
    #: her name as the roster gave it when issued
    name: str
    issued_at: str
    #: the credential as a VC-JWT
    token: str
    revoked_at: str = ""
    reason: str = ""

    @property
    def revoked(self) -> bool:
        return bool(self.revoked_at)


def database_path(config: ParcoursConfig) -> Path:
    """Where the credentials issued are kept."""
    return Path(config.data_dir) / "badges.sqlite"


@contextlib.contextmanager
def _database(config: ParcoursConfig) -> Iterator[sqlite3.Connection]:
    path = database_path(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    # made by root on a hub, read by the service's public page: given to the data
    # folder's owner; a link planted in its place is refused, not followed
    os.close(plain_file(path))
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(SCHEMA)
        yield db
    finally:
        db.close()


def _row(row: sqlite3.Row) -> Issued:
    return Issued(**{k: row[k] for k in row.keys()})  # noqa: SIM118 (sqlite3.Row)


def completed_lessons(config: ParcoursConfig, course: Course, learner: str) -> set[str]:
    """The lessons of ``course`` the learner completed (her recorded events)."""
    from ..store import open_store
    from ..store.ids import pseudonymize

    actor = pseudonymize(learner, config.pseudonym_salt)
    with open_store(config.events_url) as store:
        done = store.read(course=course.id, actor=actor, verb="completed", object_type="lesson")
    return {event.object_id for event in done}


def assignment_shares(config: ParcoursConfig, course: Course, assignment: str) -> dict[str, float]:
    """Each graded learner's share of the points of ``assignment`` (nbgrader's gradebook)."""
    from ..pipeline.gradebook import open_gradebook

    shares: dict[str, float] = {}
    with open_gradebook(config, course) as gb:
        if assignment not in {a.name for a in gb.assignments}:
            return shares
        for submission in gb.assignment_submissions(assignment):
            if submission.max_score > 0:
                shares[submission.student_id] = submission.score / submission.max_score
    return shares


def earned(config: ParcoursConfig, course: Course, badge: Badge, learner: str) -> bool:
    """Whether ``learner`` meets every criterion of ``badge``."""
    if badge.lessons and not set(badge.lessons) <= completed_lessons(config, course, learner):
        return False
    if badge.assignment:
        share = assignment_shares(config, course, badge.assignment).get(learner)
        return share is not None and share >= badge.min_score
    return True


def _recipient(config: ParcoursConfig, course: Course, learner: str) -> Recipient:
    from ..pipeline.roster import read_roster

    for person in read_roster(config, course):
        if person.id == learner:
            name = f"{person.first_name} {person.last_name}".strip()
            return Recipient(learner, name or learner)
    raise BadgeError(
        _("'{learner}' is not in the roster of '{course}'.").format(
            learner=learner, course=course.id
        )
    )


def issue(config: ParcoursConfig, course: Course, badge: Badge, learner: str) -> Issued:
    """Issue ``badge`` to ``learner`` (criteria not checked: :func:`award` does); the
    credential she already holds when she does."""
    recipient = _recipient(config, course, learner)
    ident = str(uuid.uuid4())
    now = datetime.now(UTC).replace(microsecond=0)
    made = credential(config, ident, course.id, course.title, badge, recipient, now)
    token = sign(config, made)
    with _database(config) as db:
        # she may hold one already (a concurrent award): that one stands
        with contextlib.suppress(sqlite3.IntegrityError):
            db.execute(
                "INSERT INTO issued (id, course, badge, learner, name, issued_at, token) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (ident, course.id, badge.id, learner, recipient.name, made["validFrom"], token),
            )
        row = db.execute(
            "SELECT * FROM issued WHERE course = ? AND badge = ? AND learner = ? "
            "AND revoked_at = ''",
            (course.id, badge.id, learner),
        ).fetchone()
    return _row(row)


def award(
    config: ParcoursConfig, course: Course, badge_id: str | None = None, learner: str | None = None
) -> list[Issued]:
    """Issue each badge of ``course`` (or ``badge_id``) to each learner of its roster (or
    ``learner``) who earned it and does not hold it yet; the credentials issued now."""
    from ..pipeline.roster import read_roster

    badges = [find_badge(course, badge_id)] if badge_id else course_badges(course)
    learners = [learner] if learner else [p.id for p in read_roster(config, course)]
    held = {(i.badge, i.learner) for i in issued(config, course.id, learner) if not i.revoked}
    made = []
    for badge in badges:
        for person in learners:
            if (badge.id, person) not in held and earned(config, course, badge, person):
                made.append(issue(config, course, badge, person))
    return made


def issued(
    config: ParcoursConfig, course: str | None = None, learner: str | None = None
) -> list[Issued]:
    """The credentials issued (of ``course``, to ``learner``), oldest first."""
    asked = {"course": course, "learner": learner}
    wanted = {k: v for k, v in asked.items() if v is not None}
    where = " AND ".join(f"{k} = ?" for k in wanted)
    with _database(config) as db:
        rows = db.execute(
            f"SELECT * FROM issued {'WHERE ' + where if where else ''} ORDER BY issued_at, id",
            tuple(wanted.values()),
        )
        return [_row(r) for r in rows]


def forget(config: ParcoursConfig, learner: str) -> int:
    """Remove every credential issued to ``learner`` (a GDPR erasure): her name and
    account go from the database, its free pages and its WAL; their public pages then
    answer "never issued here". Returns how many were removed."""
    if not database_path(config).is_file():
        return 0
    with _database(config) as db:
        removed = db.execute("DELETE FROM issued WHERE learner = ?", (learner,)).rowcount
        db.execute("VACUUM")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return max(removed, 0)


def find(config: ParcoursConfig, ident: str) -> Issued | None:
    """The credential ``ident`` (a UUID, or ``urn:uuid:…``), None when unknown."""
    ident = ident.removeprefix("urn:uuid:")
    with _database(config) as db:
        row = db.execute("SELECT * FROM issued WHERE id = ?", (ident,)).fetchone()
    return _row(row) if row else None


def revoke(config: ParcoursConfig, ident: str, reason: str) -> Issued:
    """Revoke the credential ``ident`` (its page then says so, with ``reason``)."""
    found = find(config, ident)
    if found is None:
        raise BadgeError(_("No credential '{id}' was issued here.").format(id=ident))
    if found.revoked:
        return found
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with _database(config) as db:
        db.execute(
            "UPDATE issued SET revoked_at = ?, reason = ? WHERE id = ? AND revoked_at = ''",
            (now, reason.strip()[:500], found.id),
        )
    return find(config, found.id) or found


@dataclass(frozen=True)
class Verification:
    """What the verification page says of one credential."""

    #: "valid", "revoked" or "invalid" (its signature does not hold)
    status: str
    issued: Issued
    #: the signed credential's claims (empty when invalid)
    claims: dict[str, Any]
    problem: str = ""


def verify(config: ParcoursConfig, ident: str) -> Verification | None:
    """Check the credential ``ident``: its signature against the issuer's key, and
    whether it was revoked; None when it was never issued here."""
    found = find(config, ident)
    if found is None:
        return None
    try:
        claims = verified_claims(config, found.token)
    except BadgeError as error:
        return Verification("invalid", found, {}, str(error))
    if claims.get("jti") != f"urn:uuid:{found.id}":
        return Verification("invalid", found, {}, _("the credential names another id"))
    return Verification("revoked" if found.revoked else "valid", found, claims)


def revocation_list(config: ParcoursConfig) -> dict[str, Any]:
    """The 1EdTech revocation list: every revoked credential's id, when and why."""
    from .signing import base_url

    revoked = [i for i in issued(config) if i.revoked]
    return {
        "id": f"{base_url(config)}/revocations",
        "revokedCredentials": [
            {"id": f"urn:uuid:{i.id}", "revocationDate": i.revoked_at, "reason": i.reason}
            for i in revoked
        ],
    }
