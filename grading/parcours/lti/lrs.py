"""Learners' recorded events forwarded to a learning record store (LRS) as xAPI 1.0.3
statements (:mod:`.xapi`), through a durable outbox.

What was sent is kept in ``<data_dir>/lrs.sqlite`` (table ``sent``: one row per event
the LRS holds, committed after each batch the LRS accepted), so a run that stops (a
crash, a kill, the LRS down) resumes with what is left, and nothing is sent twice once
recorded. The one window left, a batch the LRS stored but whose answer never came back,
is closed by the statements' stable ids: sent again, the LRS recognises them (xAPI
1.0.3 §2.2: it keeps the statement it has and answers 200 without those ids, 204, or
409 for a conflicting one), and Parcours records them as sent. Ralph (tested against
in tests/lti/test_lrs_ralph.py) answers 204 for a batch it holds whole, 200 with the
new ids only for a batch it holds in part, 409 when one id is held with other content.

:func:`sync_statements` posts the events not yet sent, oldest first, in batches
(``POST <lrs_url>/statements``, header ``X-Experience-API-Version: 1.0.3``, HTTP Basic
from ``lrs_user``/``lrs_password``). A transient failure (unreachable, 408, 429, 5xx)
is tried again after an exponential backoff, ``tries`` times; then the run stops, the
error kept for :func:`lrs_status`, and the next run goes on. A batch refused with 409
is sent again one statement at a time, so only the conflicting one is set aside
(recorded as ``conflict``: the LRS holds another statement with its id; never resent).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError
from ..i18n import _
from . import LtiError
from .client import ServiceError
from .db import one_at_a_time, sqlite_file, transaction
from .xapi import VERSION, home_page, statement, statement_id

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..store.events import Event

SCHEMA = """
CREATE TABLE IF NOT EXISTS sent (
    event_id TEXT PRIMARY KEY, statement_id TEXT NOT NULL, course TEXT NOT NULL,
    outcome TEXT NOT NULL, sent_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sent_course ON sent (course);
CREATE TABLE IF NOT EXISTS runs (
    lrs TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_error TEXT NOT NULL,
    last_try TEXT NOT NULL, last_success TEXT NOT NULL);
"""
TIMEOUT = 30.0
#: longest wait between two tries of one batch, in seconds
MAX_BACKOFF = 60.0


class LrsError(LtiError):
    """The LRS refused statements for a reason a retry will not change (credentials,
    a statement it finds invalid): the message says what it answered."""


class LrsConfigurationError(ConfigurationError):
    """No LRS is configured (``ParcoursConfig.lrs_url``)."""


@dataclass
class LrsReport:
    """What one :func:`sync_statements` did."""

    #: statements the LRS stored now
    stored: int = 0
    #: statements the LRS already held (sent before an interrupted run)
    known: int = 0
    #: statements whose id the LRS holds with other content (set aside, never resent)
    conflicts: int = 0
    #: events still waiting (the run stopped on an error)
    waiting: int = 0
    #: batches tried again after a transient failure
    retries: int = 0
    #: why the run stopped early ('' when everything was sent)
    error: str = ""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _outbox(config: ParcoursConfig) -> contextlib.AbstractContextManager[sqlite3.Connection]:
    """The outbox database (made 0600 the first time), autocommit, WAL."""
    return sqlite_file(Path(config.data_dir) / "lrs.sqlite", SCHEMA)


def _one_sync(config: ParcoursConfig) -> contextlib.AbstractContextManager[None]:
    """One sync at a time on this machine (cron and a teacher's command never post the
    same batch at once)."""
    return one_at_a_time(config, "lrs-sync.lock")


def statements_url(config: ParcoursConfig) -> str:
    """The LRS's statements resource (``<lrs_url>/statements``)."""
    if not config.lrs_url:
        raise LrsConfigurationError(
            _(
                "No learning record store is configured: set c.ParcoursConfig.lrs_url (its "
                "xAPI endpoint), lrs_user and lrs_password in jupyter_config.py (docs/lti.md)."
            )
        )
    return config.lrs_url.rstrip("/") + "/statements"


def post_statements(config: ParcoursConfig, statements: list[dict[str, Any]]) -> tuple[int, Any]:
    """One ``POST`` of statements: the LRS's status (200, 204 or 409) and its JSON answer;
    any other answer is a :class:`~.client.ServiceError` (``transient`` when a retry may
    succeed)."""
    url = statements_url(config)
    headers = {
        "Content-Type": "application/json",
        "X-Experience-API-Version": VERSION,
    }
    if config.lrs_user or config.lrs_password:
        pair = f"{config.lrs_user}:{config.lrs_password}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    call = urllib.request.Request(
        url, data=json.dumps(statements).encode(), method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(call, timeout=TIMEOUT) as answer:
            status, text = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        if error.code == 409:
            return 409, None
        raise ServiceError(
            _("POST {url} answered {status}: {reason}").format(
                url=url, status=error.code, reason=str(error.reason)[:200]
            ),
            error.code,
        ) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        # unreachable, a connection reset or closed mid-answer: the LRS may have stored
        # the batch, so it is sent again and its statements' ids make that harmless
        raise ServiceError(
            _("POST {url} could not be reached: {reason}").format(url=url, reason=str(error)[:200])
        ) from None
    try:
        return status, json.loads(text) if text.strip() else None
    except ValueError:
        return status, None


def _deliver(
    config: ParcoursConfig,
    statements: list[dict[str, Any]],
    report: LrsReport,
    tries: int,
    backoff: float,
    wait: Callable[[float], None],
) -> dict[str, str]:
    """Post one batch until the LRS answers: each statement id -> 'stored', 'known' or
    'conflict'. Raises :class:`ServiceError` once ``tries`` transient failures in a row,
    :class:`LrsError` on a refusal a retry cannot change."""
    attempt = 0
    while True:
        try:
            status, body = post_statements(config, statements)
            break
        except ServiceError as error:
            attempt += 1
            if not error.transient:
                hint = (
                    _(" Check c.ParcoursConfig.lrs_user and lrs_password.")
                    if error.status in (401, 403)
                    else ""
                )
                raise LrsError(str(error) + hint) from None
            if attempt >= tries:
                raise
            report.retries += 1
            wait(min(MAX_BACKOFF, backoff * 2 ** (attempt - 1)))
    ids = [s["id"] for s in statements]
    if status == 409:
        if len(statements) == 1:
            return {ids[0]: "conflict"}
        found: dict[str, str] = {}
        for one in statements:  # which one conflicts: the others go in
            found.update(_deliver(config, [one], report, tries, backoff, wait))
        return found
    if status == 204:
        return dict.fromkeys(ids, "known")
    new = {str(i) for i in body} if isinstance(body, list) else set(ids)
    return {i: "stored" if i in new else "known" for i in ids}


def _waiting(config: ParcoursConfig, db: sqlite3.Connection, course: str | None) -> list[Event]:
    """The recorded events of ``course`` (every course when None) not yet sent, oldest
    first."""
    from ..store import open_store

    with open_store(config.events_url) as store:
        events = store.read(course=course) if course else store.read()
    if course:
        done = {r[0] for r in db.execute("SELECT event_id FROM sent WHERE course = ?", (course,))}
    else:
        done = {r[0] for r in db.execute("SELECT event_id FROM sent")}
    return [e for e in events if e.id not in done]


def sync_statements(
    config: ParcoursConfig,
    course: str | None = None,
    *,
    batch: int = 500,
    tries: int = 5,
    backoff: float = 1.0,
    wait: Callable[[float], None] = time.sleep,
) -> LrsReport:
    """Send the events not yet sent to the LRS (see the module); what happened."""
    url = statements_url(config)
    home = home_page(config)
    report = LrsReport()
    with _one_sync(config), _outbox(config) as db:
        waiting = _waiting(config, db, course)
        for start in range(0, len(waiting), batch):
            chunk = waiting[start : start + batch]
            try:
                outcome = _deliver(
                    config, [statement(e, home) for e in chunk], report, tries, backoff, wait
                )
            except (ServiceError, LrsError) as error:
                report.error = str(error)
                report.waiting = len(waiting) - start
                db.execute(
                    "INSERT INTO runs VALUES (?, 1, ?, ?, '') ON CONFLICT (lrs) DO UPDATE SET "
                    "failures = failures + 1, last_error = excluded.last_error, "
                    "last_try = excluded.last_try",
                    (url, report.error[:500], _now()),
                )
                break
            stamp = _now()
            with transaction(db):
                db.executemany(
                    "INSERT OR IGNORE INTO sent VALUES (?, ?, ?, ?, ?)",
                    [
                        (e.id, statement_id(e.id), e.course, outcome[statement_id(e.id)], stamp)
                        for e in chunk
                    ],
                )
            for result in outcome.values():
                if result == "stored":
                    report.stored += 1
                elif result == "known":
                    report.known += 1
                else:
                    report.conflicts += 1
        if not report.error:
            db.execute(
                "INSERT INTO runs VALUES (?, 0, '', ?, ?) ON CONFLICT (lrs) DO UPDATE SET "
                "failures = 0, last_error = '', last_try = excluded.last_try, "
                "last_success = excluded.last_success",
                (url, _now(), _now()),
            )
    return report


def lrs_status(config: ParcoursConfig, course: str | None = None) -> dict[str, Any]:
    """The outbox: statements sent by outcome, events waiting, the last run's error."""
    url = statements_url(config)
    with _outbox(config) as db:
        waiting = len(_waiting(config, db, course))
        where, args = ("WHERE course = ?", (course,)) if course else ("", ())
        counts = dict(
            db.execute(f"SELECT outcome, COUNT(*) FROM sent {where} GROUP BY outcome", args)
        )
        run = db.execute("SELECT * FROM runs WHERE lrs = ?", (url,)).fetchone()
    return {
        "lrs": url,
        "stored": counts.get("stored", 0),
        "known": counts.get("known", 0),
        "conflicts": counts.get("conflict", 0),
        "waiting": waiting,
        "failures": run["failures"] if run else 0,
        "last_error": run["last_error"] if run else "",
        "last_try": run["last_try"] if run else "",
        "last_success": run["last_success"] if run else "",
    }
