"""Parcours' own records of the assignment loop, next to nbgrader's course folder.

nbgrader's gradebook knows students, assignments, due dates and submissions; it does not
know *to whom* an assignment was released, *who* granted an extension and *when*, or when
the teacher's side first saw a submission. Parcours keeps these in small versioned JSON
files in the course's runtime folder (``<data_dir>/courses/<id>/``)::

    releases.json      who each assignment (and each correction) is released to
    extensions.json    per-learner extensions: until when, granted by whom, when
    submissions.json   teacher-side receipt times observed at collect

Each file is ``{"schema_version": 1, "entries": {...}, "history": [...]}``; ``history``
is append-only (what changed, by whom, when) so that a training body can show it.
Writes take an exclusive ``fcntl`` lock and replace the file atomically, so two teachers'
commands never interleave and a crash never leaves half a file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import getpass
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DataError

if TYPE_CHECKING:
    from ..config import ParcoursConfig

SCHEMA_VERSION = 1
RELEASES = "releases.json"
EXTENSIONS = "extensions.json"
SUBMISSIONS = "submissions.json"


def now_utc() -> dt.datetime:
    """The current time, time-zone aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def actor() -> str:
    """Who is running this command: the JupyterHub user, else the OS user."""
    return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()


def learner_id(config: ParcoursConfig, learner: str | None = None) -> str:
    """Who the learner is: given, else the JupyterHub user, else ``ParcoursConfig.learner``,
    else the operating-system user (as nbgrader's ``get_username`` does)."""
    return learner or os.environ.get("JUPYTERHUB_USER") or config.learner or getpass.getuser()


def _empty() -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "entries": {}, "history": []}


def read_record(path: Path) -> dict[str, Any]:
    """A record file's content (an empty record when the file does not exist yet)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return _empty()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{path}: not valid JSON (line {exc.lineno}); restore it from a backup or "
            "delete it to start the record again."
        ) from None
    version = data.get("schema_version") if isinstance(data, dict) else None
    if version != SCHEMA_VERSION:
        raise DataError(
            f"{path}: schema_version is {version!r}; this Parcours reads version "
            f"{SCHEMA_VERSION}. Upgrade Parcours or restore the file."
        )
    data.setdefault("entries", {})
    data.setdefault("history", [])
    return data


@contextlib.contextmanager
def update_record(path: Path) -> Iterator[dict[str, Any]]:
    """Read, let the caller change, then atomically write one record, under a lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            data = read_record(path)
            yield data
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_text(
                json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
                encoding="utf-8",
            )
            os.replace(tmp, path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def log_change(data: dict[str, Any], action: str, **details: Any) -> None:
    """Append one entry to a record's history: what, by whom, when."""
    data["history"].append(
        {"action": action, "by": actor(), "at": now_utc().isoformat(), **details}
    )


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 timestamp written by this module, back to an aware datetime."""
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def released_to(entry: dict[str, Any], learner: str, now: dt.datetime | None = None) -> bool:
    """Whether a ``releases.json`` entry makes its release visible to ``learner`` now:
    everyone (``learners`` is null) or a listed learner, once ``opens`` has passed."""
    if not in_audience(entry, learner):
        return False
    opens = entry.get("opens")
    return not (opens and (now or now_utc()) < parse_time(opens))


def in_audience(entry: dict[str, Any], learner: str) -> bool:
    """Whether ``learner`` is among those a ``releases.json`` entry is for."""
    learners = entry.get("learners")
    return learners is None or learner in learners
