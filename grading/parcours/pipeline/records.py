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
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DataError
from ..i18n import _

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
    """Who is running this command (:func:`parcours.identity.person`, no configured
    learner: a teacher's command is hers)."""
    from ..identity import person

    return person()


def learner_id(config: ParcoursConfig, learner: str | None = None) -> str:
    """Who the learner is: given, else :func:`parcours.identity.person`."""
    from ..identity import person

    return learner or person(config.learner)


def _empty() -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "entries": {}, "history": []}


def read_record(path: Path) -> dict[str, Any]:
    """A record file's content (an empty record when the file does not exist yet)."""
    from ..safefs import read_plain

    try:  # never through a link put in the folder in its place
        text = read_plain(path).decode("utf-8")
    except FileNotFoundError:
        return _empty()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(
            _(
                "{path}: cannot be read ({error}); it must be a plain UTF-8 file of the "
                "course's data folder, not a link: restore it from a backup or delete it "
                "to start the record again."
            ).format(path=path, error=exc)
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            _(
                "{path}: not valid JSON (line {line}); restore it from a backup or "
                "delete it to start the record again."
            ).format(path=path, line=exc.lineno)
        ) from None
    version = data.get("schema_version") if isinstance(data, dict) else None
    if version != SCHEMA_VERSION:
        raise DataError(
            _(
                "{path}: schema_version is {version!r}; this Parcours reads version "
                "{supported}. Upgrade Parcours or restore the file."
            ).format(path=path, version=version, supported=SCHEMA_VERSION)
        )
    data.setdefault("entries", {})
    data.setdefault("history", [])
    return data


@contextlib.contextmanager
def folder_lock(path: Path) -> Iterator[int]:
    """An exclusive ``fcntl`` lock on ``<path>.lock`` for the block; yields a descriptor of
    ``path``'s folder, to act in it with ``dir_fd`` (:func:`replace_in`).

    The folder may be writable by other accounts (on the hub a course's data folder is
    its grader account's): the lock file is opened without following a link planted
    there (:mod:`..safefs`; refused with :class:`OSError`), relative to the folder opened
    first."""
    from ..safefs import create_in, open_folder, umask

    path.parent.mkdir(parents=True, exist_ok=True)
    folder = open_folder(path.parent)
    try:
        lock, _made = create_in(folder, path.name + ".lock", os.O_WRONLY, 0o666 & ~umask())
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield folder
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        finally:
            os.close(lock)
    finally:
        os.close(folder)


def replace_in(folder: int, name: str, data: bytes) -> None:
    """Atomically make ``data`` the content of ``name`` in the folder ``folder`` (a
    descriptor): written to a new temporary file of an unpredictable name (``O_EXCL``,
    never a file someone put there), then renamed over ``name`` (a link there is
    replaced, not followed). The new file gets the umask's mode."""
    from ..safefs import new_temporary, umask

    fd, temporary = new_temporary(folder, f".{name}.", 0o666 & ~umask())
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=folder)
        raise


@contextlib.contextmanager
def update_record(path: Path) -> Iterator[dict[str, Any]]:
    """Read, let the caller change, then atomically write one record, under a lock
    (:func:`folder_lock`, :func:`replace_in`: nothing planted in the folder is followed)."""
    with folder_lock(path) as folder:
        data = read_record(path)
        yield data
        text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        replace_in(folder, path.name, text.encode("utf-8"))


def log_change(data: dict[str, Any], action: str, by: str = "", **details: Any) -> None:
    """Append one entry to a record's history: what, by whom (``by``: who acts through a
    page served for her, as the hub's service named her; else :func:`actor`), when."""
    data["history"].append(
        {"action": action, "by": by or actor(), "at": now_utc().isoformat(), **details}
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
