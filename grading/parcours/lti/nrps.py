"""The course roster synchronised from the LMS (LTI Names and Role Provisioning
Services 2.0).

:func:`sync_roster` reads every page of the memberships of each LMS context linked to
the course (``Link: <…>; rel="next"``), then applies the differences the way
``parcours roster add/remove`` does (:mod:`parcours.pipeline.roster`, its history
kept): an active learner not in the roster arrives, a learner the LMS made (a ``sub``
of this platform) who is no longer an active learner there leaves, a learner who became
a teacher or tutor leaves the learners' roster. Learners added by hand are never
removed. Each arrival, departure and role change is also kept in ``people_history``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..i18n import _
from . import LtiError
from .client import TOKENS, request
from .db import connect
from .launch import parcours_role
from .platforms import platform_for

if TYPE_CHECKING:
    from ..config import ParcoursConfig

SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
MEMBERSHIPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
#: pages read at most from one context (a loop of ``next`` links ends there)
MAX_PAGES = 1000
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


@dataclass
class RosterSync:
    """What one :func:`sync_roster` changed: account names."""

    arrived: list[str] = field(default_factory=list)
    departed: list[str] = field(default_factory=list)
    #: (account, role before, role after)
    role_changes: list[tuple[str, str, str]] = field(default_factory=list)


def members(url: str, token: str) -> list[dict[str, Any]]:
    """Every member of a context, page after page."""
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    next_url: str | None = url
    while next_url and next_url not in seen and len(seen) < MAX_PAGES:
        seen.add(next_url)
        answer = request("GET", next_url, token=token, accept=MEMBERSHIPS_TYPE)
        found.extend((answer.body or {}).get("members") or [])
        link = _NEXT.search(answer.headers.get("link", ""))
        next_url = link.group(1) if link else None
    return found


def sync_roster(config: ParcoursConfig, course: str) -> RosterSync:
    """Apply the LMS's memberships to the course roster (see the module)."""
    from ..pipeline.roster import Learner, add_learner, read_roster, remove_learner

    with connect(config) as db:
        contexts = db.execute(
            "SELECT * FROM contexts WHERE course = ? AND memberships_url != ''", (course,)
        ).fetchall()
        if not contexts:
            raise LtiError(
                _(
                    "No LMS course linked to '{course}' offers its roster: launch Parcours "
                    "once from the LMS course (with Names and Roles enabled)."
                ).format(course=course)
            )
        known = {
            row["account"]: dict(row)
            for row in db.execute("SELECT * FROM people WHERE course = ?", (course,))
        }
    lms: dict[str, tuple[dict[str, Any], str, str]] = {}  # account -> (member, role, issuer)
    for context in contexts:
        platform = platform_for(config, context["issuer"], context["client_id"])
        token = TOKENS.get(config, platform, context["client_id"], SCOPE)
        for member in members(context["memberships_url"], token):
            if member.get("status", "Active") != "Active" or not member.get("user_id"):
                continue
            role = parcours_role(list(member.get("roles") or []))
            if role:
                account = platform.account_for(str(member["user_id"]))
                lms[account] = (member, role, context["issuer"])
    roster = {learner.id: learner for learner in read_roster(config, course)}
    result = RosterSync()
    history: list[tuple[str, str, str, str, str, str]] = []
    for account, (member, role, issuer) in sorted(lms.items()):
        before = known.get(account, {}).get("role", "")
        if before and before != role:
            result.role_changes.append((account, before, role))
            history.append((issuer, str(member["user_id"]), account, "role", before, role))
        if role == "learner" and account not in roster:
            add_learner(
                config,
                course,
                Learner(
                    id=account,
                    first_name=str(member.get("given_name", ""))[:100],
                    last_name=str(member.get("family_name", ""))[:100],
                    email=_email(member.get("email")),
                ),
            )
            result.arrived.append(account)
            history.append((issuer, str(member["user_id"]), account, "arrival", "", role))
        elif role != "learner" and account in roster:
            remove_learner(config, course, account)
            result.departed.append(account)
    gone = []  # teachers and tutors no longer members: their rights from the LMS end
    for account, person in sorted(known.items()):
        if account in lms or not (account in roster or person["role"] != "learner"):
            continue
        if account in roster:
            remove_learner(config, course, account)
        else:
            gone.append(account)
        result.departed.append(account)
        history.append(
            (person["issuer"], person["subject"], account, "departure", person["role"], "")
        )
    stamp = datetime.now(UTC).isoformat()
    with connect(config) as db:
        db.executemany(
            "DELETE FROM people WHERE course = ? AND account = ?", [(course, a) for a in gone]
        )
        for account, (member, role, issuer) in lms.items():
            db.execute(
                "INSERT OR REPLACE INTO people VALUES (?, ?, ?, ?, ?, ?)",
                (issuer, str(member["user_id"]), account, role, course, stamp),
            )
        db.executemany(
            "INSERT INTO people_history VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(i, s, a, course, c, b, f, stamp) for i, s, a, c, b, f in history],
        )
    return result


def _email(value: Any) -> str:
    """An address the roster accepts, or '' (the LMS's field is not trusted)."""
    text = str(value or "")
    return text if re.fullmatch(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+", text) else ""


def roster_history(config: ParcoursConfig, course: str) -> list[dict[str, Any]]:
    """Every arrival, departure and role change the LMS's roster made, oldest first."""
    with connect(config) as db:
        rows = db.execute(
            "SELECT * FROM people_history WHERE course = ? ORDER BY rowid", (course,)
        ).fetchall()
    return [dict(row) for row in rows]


def lms_teachers(config: ParcoursConfig, course: str) -> set[str]:
    """The accounts the LMS says teach ``course`` (their last launch or the last roster
    sync: Instructor, ContentDeveloper, Administrator), for the hub's rights
    (:func:`parcours.hub.people.read_people`). Empty when Parcours has never been
    launched from an LMS (the tool's database is not made for asking)."""
    from .db import db_path

    if not db_path(config).is_file():
        return set()
    with connect(config) as db:
        rows = db.execute(
            "SELECT account FROM people WHERE course = ? AND role = 'teacher'", (course,)
        )
        return {row["account"] for row in rows}
