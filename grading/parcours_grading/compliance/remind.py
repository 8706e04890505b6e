"""E-mail reminders (filled in below)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .common import read_jsonl

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course

LEDGER = "reminders.jsonl"


def sent_to(config: ParcoursConfig, course: Course, learner: str) -> list[dict[str, Any]]:
    """Every reminder sent to a learner for a course (the ledger's lines)."""
    ledger = config.course_root(course.id) / LEDGER
    return [r for r in read_jsonl(ledger) if r.get("learner") == learner]
