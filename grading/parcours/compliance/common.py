"""What the compliance stages share: where their records live, how durations and dates
are written for a reader, and who a learner is (from the roster)."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError
from ..i18n import _

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course
    from ..pipeline.roster import Learner


def compliance_dir(config: ParcoursConfig, *parts: str) -> Path:
    """A folder of the compliance records under the data folder (created)."""
    folder = Path(config.data_dir).joinpath(*parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def now_utc() -> dt.datetime:
    """The current time, UTC."""
    return dt.datetime.now(dt.UTC)


def parse_moment(text: str, what: str = "now") -> dt.datetime:
    """An ISO 8601 moment with a zone (``2026-10-20T12:00:00+02:00``)."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadInputError(
            _(
                "{what}: '{text}' is not an ISO 8601 moment with a zone; write it like "
                "2026-10-20T12:00:00+02:00"
            ).format(what=what, text=text)
        ).about(what)
    return moment


def duration_text(seconds: float) -> str:
    """A duration for a reader: ``2 h 05 min``, ``40 min``."""
    minutes = round(seconds / 60)
    hours, rest = divmod(minutes, 60)
    if hours:
        return _("{h} h {m:02d} min").format(h=hours, m=rest)
    return _("{m} min").format(m=rest)


def date_text(day: dt.date | dt.datetime | None, lang: str) -> str:
    """A date written out (``14 septembre 2026``, ``September 14, 2026``); '-' if none."""
    if day is None:
        return "-"
    from babel.dates import format_date

    return format_date(day, format="long", locale=lang)


def moment_text(moment: dt.datetime | None, course: Course, lang: str) -> str:
    """A moment on the course's clock with its zone named."""
    from ..course.zones import shown

    return shown(moment, course.timezone, lang)


def learner_of(config: ParcoursConfig, course: Course, learner_id: str) -> Learner:
    """The roster's line of a learner; a learner seen nowhere in the roster is refused."""
    from ..pipeline.roster import load_roster

    roster = load_roster(config, course)
    if learner_id not in roster.learners:
        raise BadInputError(
            _(
                "learner '{id}' is not in the roster {path} — check the id with "
                "'parcours roster {course} list'"
            ).format(id=learner_id, path=roster.path, course=course.id)
        ).about("learner")
    return roster.learners[learner_id]


def full_name(learner: Learner) -> str:
    """First and last name, else the id."""
    name = f"{learner.first_name} {learner.last_name}".strip()
    return name or learner.id


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every JSON object of a JSON-lines file (none when the file is absent)."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def append_jsonl(path: Path, entries: list[dict[str, Any]]) -> None:
    """Append objects to a JSON-lines file, synced to disk (the file is created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        for entry in entries:
            handle.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def rewrite_jsonl(path: Path, entries: list[dict[str, Any]]) -> None:
    """Replace a JSON-lines file atomically."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for entry in entries:
            handle.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
    os.replace(tmp, path)


def iter_files(folder: Path) -> Iterator[Path]:
    """Every file under a folder (none if absent)."""
    if folder.is_dir():
        yield from (p for p in sorted(folder.rglob("*")) if p.is_file())
