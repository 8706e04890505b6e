"""What went wrong in the Parcours service's background work, kept for a course's teachers.

A learner's submission lands, then the service writes its history entry and grades it on
submit, without making the learner wait: a failure there happens after the answer was sent.
Each one is logged and appended here, one JSON line per problem in
``<data_dir>/courses/<course>/service-problems.jsonl`` (a plain file beside the course's
nbgrader folders: still writable when the history's database is not), read by the course's
teachers (``GET api/courses/<course>/problems``). A history entry that could not be written
is kept whole in its problem (``entry``), so that nothing the history should hold is lost.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..config import ParcoursConfig

#: file name of a course's problems
PROBLEMS = "service-problems.jsonl"
#: what failed: a history entry not written; a submission not graded on submit; what a
#: teacher's command wrote not handed over to the course's accounts
HISTORY_NOT_WRITTEN = "history-not-written"
NOT_GRADED = "not-graded-on-submit"
NOT_HANDED_OVER = "not-handed-over"

log = logging.getLogger("parcours.service")


def path(config: ParcoursConfig, course: str) -> Path:
    """The problems file of ``course``."""
    return Path(config.course_root(course)) / PROBLEMS


def note(config: ParcoursConfig, course: str, what: str, message: str, **details: Any) -> None:
    """Log a problem and keep it for ``course``'s teachers; never raises (when even this
    file cannot be written, the log has it all)."""
    from ..safefs import append_plain
    from ..store.history import path_lock

    problem = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "what": what,
        "message": message,
        **details,
    }
    log.error("course %s: %s: %s (%s)", course, what, message, json.dumps(details, default=str))
    target = path(config, course)
    line = json.dumps(problem, ensure_ascii=False, default=str) + "\n"
    try:
        with path_lock(target):
            append_plain(target, line.encode("utf-8"), 0o660, like_folder=True)
    except OSError as exc:
        log.error("%s: the problem above could not be kept for the teachers (%s)", target, exc)


def read(config: ParcoursConfig, course: str) -> list[dict[str, Any]]:
    """``course``'s problems, oldest first (never through a link put in its folder)."""
    from ..safefs import open_folder, open_in

    target = path(config, course)
    try:
        folder = open_folder(target.parent)
    except FileNotFoundError:
        return []
    try:
        with os.fdopen(open_in(folder, target.name, os.O_RDONLY), encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return []
    finally:
        os.close(folder)
    return [json.loads(line) for line in text.splitlines() if line.strip()]
