"""Scores passed back to the LMS (LTI Assignment and Grade Services 2.0) through a
durable outbox.

:func:`queue_score` adds one row per learner x assignment x version to the ``scores``
table (:mod:`.db`); a row already there is not added twice, so queueing again after a
crash or a second run is harmless. :func:`sync_grades` sends the rows that are due:

- only a learner's latest row of an assignment is sent (older queued ones are
  ``superseded``);
- the LMS's current result is read first: a score an instructor changed in the LMS
  (neither ours from before nor the one being sent) is ``conflict``, reported by
  :func:`outbox_status`, never overwritten; the score being sent found already there
  (sent before a crash) is ``sent`` without a second post;
- each score carries the timestamp it was queued with, so the LMS keeps one copy even
  if a post is repeated;
- a transient failure (unreachable, 429, 5xx) is tried again after an exponential
  backoff (``backoff`` x 2^attempts, at most an hour); any other is ``failed``;
- a learner never launched from the LMS (no account linked to a ``sub``), or a course
  never launched, stays ``unlinked`` and is tried again at each run.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..i18n import _
from .client import TOKENS, ServiceError, request
from .db import connect, one_at_a_time, transaction
from .platforms import platform_for

if TYPE_CHECKING:
    import sqlite3

    from ..config import ParcoursConfig

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_RESULT = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPES = f"{SCOPE_LINEITEM} {SCOPE_RESULT} {SCOPE_SCORE}"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
RESULTS_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
#: Parcours' grading state -> (activityProgress, gradingProgress): ``Pending`` is the
#: early score of grading on submit (the teacher's grading still to come)
PROGRESS = {
    "Pending": ("Submitted", "Pending"),
    "PendingManual": ("Submitted", "PendingManual"),
    "FullyGraded": ("Completed", "FullyGraded"),
}
#: longest wait between two tries of one score, in seconds
MAX_BACKOFF = 3600.0


@dataclass
class SyncReport:
    """What one :func:`sync_grades` did, by outcome: lists of (account, assignment)."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    retrying: list[tuple[str, str]] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    unlinked: list[tuple[str, str]] = field(default_factory=list)


def queue_score(
    config: ParcoursConfig,
    course: str,
    assignment: str,
    account: str,
    score: float,
    maximum: float,
    progress: str = "FullyGraded",
    comment: str = "",
    version: str = "",
) -> bool:
    """Queue a learner's score; False when this version was queued already. ``version``
    defaults to a digest of what is sent (the same score queued twice is one row)."""
    if progress not in PROGRESS:
        raise ValueError(progress)
    version = (
        version
        or hashlib.sha256(f"{score!r}|{maximum!r}|{progress}|{comment}".encode()).hexdigest()[:16]
    )
    stamp = datetime.now(UTC).isoformat(timespec="microseconds")
    with connect(config) as db:
        made = db.execute(
            "INSERT OR IGNORE INTO scores (course, assignment, account, version, score, "
            "maximum, progress, comment, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (course, assignment, account, version, score, maximum, progress, comment, stamp),
        ).rowcount
    return bool(made)


def _below(url: str, leaf: str, **query: str) -> str:
    """``leaf`` appended to the path of ``url`` (which may carry a query), and ``query``."""
    parts = urllib.parse.urlsplit(url)
    pairs = urllib.parse.parse_qsl(parts.query) + [(k, v) for k, v in query.items()]
    path = parts.path.rstrip("/") + ("/" + leaf if leaf else "")
    return urllib.parse.urlunsplit(parts._replace(path=path, query=urllib.parse.urlencode(pairs)))


def _lineitem(
    db: sqlite3.Connection, context: sqlite3.Row, assignment: str, maximum: float, token: str
) -> tuple[str, float]:
    """The LMS gradebook column of ``assignment`` (``resourceId``), made when missing."""
    key = (context["course"], context["issuer"], context["context_id"], assignment)
    row = db.execute(
        "SELECT url, maximum FROM lineitems WHERE course = ? AND issuer = ? AND "
        "context_id = ? AND assignment = ?",
        key,
    ).fetchone()
    if row is not None:
        return row["url"], row["maximum"]
    container = context["lineitems_url"]
    found = request(
        "GET", _below(container, "", resource_id=assignment), token=token, accept=LINEITEMS_TYPE
    ).body
    items = [item for item in found or [] if item.get("resourceId") == assignment]
    if items:
        item = items[0]
    else:
        item = request(
            "POST",
            container,
            token=token,
            body={
                "scoreMaximum": maximum,
                "label": assignment,
                "resourceId": assignment,
                "tag": "parcours",
            },
            content_type=LINEITEM_TYPE,
            accept=LINEITEM_TYPE,
        ).body
    url, top = str(item["id"]), float(item.get("scoreMaximum") or maximum)
    db.execute("INSERT OR REPLACE INTO lineitems VALUES (?, ?, ?, ?, ?, ?)", (*key, url, top))
    return url, top


def _same(a: float, b: float) -> bool:
    return abs(a - b) < 1e-6


def _send(db: sqlite3.Connection, config: ParcoursConfig, row: sqlite3.Row) -> str:
    """Send one due row: its new status ('sent', 'conflict' or 'unlinked'); raises
    :class:`ServiceError` when the platform fails."""
    person = db.execute(
        "SELECT issuer, subject FROM people WHERE account = ? AND course = ?",
        (row["account"], row["course"]),
    ).fetchone()
    context = (
        person
        and db.execute(
            "SELECT * FROM contexts WHERE course = ? AND issuer = ? AND lineitems_url != '' "
            "ORDER BY updated DESC",
            (row["course"], person["issuer"]),
        ).fetchone()
    )
    if person is None or context is None:
        return "unlinked"
    platform = platform_for(config, context["issuer"], context["client_id"])
    token = TOKENS.get(config, platform, context["client_id"], SCOPES)
    lineitem, top = _lineitem(db, context, row["assignment"], row["maximum"], token)
    ratio = row["score"] / row["maximum"] if row["maximum"] else 0.0
    results = request(
        "GET",
        _below(lineitem, "results", user_id=person["subject"]),
        token=token,
        accept=RESULTS_TYPE,
    ).body
    current = [r for r in results or [] if str(r.get("userId")) == person["subject"]]
    if current and current[0].get("resultScore") is not None:
        held = float(current[0]["resultScore"]) / float(current[0].get("resultMaximum") or top)
        before = db.execute(
            "SELECT score, maximum, progress FROM scores WHERE course = ? AND assignment = ? "
            "AND account = ? AND status = 'sent' ORDER BY id DESC LIMIT 1",
            (row["course"], row["assignment"], row["account"]),
        ).fetchone()
        if _same(held, ratio):
            # already there (posted before a crash, or the same score) unless what comes
            # with it is new: the comment naming the feedback, the grading finished
            comment_held = (current[0].get("comment") or "") == row["comment"]
            progress_held = before is None or before["progress"] == row["progress"]
            if comment_held and progress_held:
                return "sent"
        ours = before and before["maximum"] and before["score"] / before["maximum"]
        if not _same(held, ratio) and (before is None or not _same(held, float(ours or 0.0))):
            db.execute(
                "UPDATE scores SET last_error = ? WHERE id = ?",
                (
                    _("the LMS holds {held} (changed there), Parcours has {ours}").format(
                        held=f"{held * top:g}/{top:g}", ours=f"{row['score']:g}/{row['maximum']:g}"
                    ),
                    row["id"],
                ),
            )
            return "conflict"
    activity, grading = PROGRESS[row["progress"]]
    score: dict[str, Any] = {
        "userId": person["subject"],
        "scoreGiven": row["score"],
        "scoreMaximum": row["maximum"],
        "activityProgress": activity,
        "gradingProgress": grading,
        "timestamp": row["timestamp"],
    }
    if row["comment"]:
        score["comment"] = row["comment"]
    request("POST", _below(lineitem, "scores"), token=token, body=score, content_type=SCORE_TYPE)
    return "sent"


def _one_sync(config: ParcoursConfig) -> contextlib.AbstractContextManager[None]:
    """One :func:`sync_grades` at a time on this machine (cron and a teacher's command
    never send the same row twice at once): an exclusive lock on ``lti-sync.lock``."""
    return one_at_a_time(config, "lti-sync.lock")


def sync_grades(
    config: ParcoursConfig, course: str, *, now: float | None = None, backoff: float = 30.0
) -> SyncReport:
    """Send the course's due scores (see the module); what happened to each."""
    now = time.time() if now is None else now
    report = SyncReport()
    with _one_sync(config), connect(config) as db:
        with transaction(db):
            db.execute(
                "UPDATE scores SET status = 'superseded' WHERE course = ? AND status IN "
                "('queued', 'unlinked') AND EXISTS (SELECT 1 FROM scores AS newer WHERE "
                "newer.course = scores.course AND newer.assignment = scores.assignment AND "
                "newer.account = scores.account AND newer.id > scores.id)",
                (course,),
            )
        due = db.execute(
            "SELECT * FROM scores WHERE course = ? AND status IN ('queued', 'unlinked') "
            "AND next_at <= ? ORDER BY id",
            (course, now),
        ).fetchall()
        for row in due:
            who = (row["account"], row["assignment"])
            try:
                status = _send(db, config, row)
            except ServiceError as error:
                attempts = row["attempts"] + 1
                status = "queued" if error.transient else "failed"
                wait = min(MAX_BACKOFF, backoff * 2 ** (attempts - 1))
                db.execute(
                    "UPDATE scores SET status = ?, attempts = ?, next_at = ?, last_error = ? "
                    "WHERE id = ?",
                    (status, attempts, now + wait, str(error)[:500], row["id"]),
                )
                (report.retrying if error.transient else report.failed).append(who)
                continue
            db.execute(
                "UPDATE scores SET status = ?, sent_at = ? WHERE id = ?",
                (status, datetime.now(UTC).isoformat() if status == "sent" else "", row["id"]),
            )
            {"sent": report.sent, "conflict": report.conflicts, "unlinked": report.unlinked}[
                status
            ].append(who)
    return report


def outbox_status(config: ParcoursConfig, course: str) -> list[dict[str, Any]]:
    """Every score row of the course, newest first (status, attempts, last error)."""
    with connect(config) as db:
        rows = db.execute(
            "SELECT assignment, account, score, maximum, progress, status, attempts, "
            "last_error, sent_at FROM scores WHERE course = ? ORDER BY id DESC",
            (course,),
        ).fetchall()
    return [dict(row) for row in rows]
