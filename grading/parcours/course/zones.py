"""One time-zone story: every date a person reads is shown in the zone the teacher wrote
it in, with that zone named (``2026-09-21 23:59 (Cayenne time, UTC−3)``); every date a
program reads is ISO 8601 with its offset (``2026-09-21T23:59:00-03:00``).

An assignment's zone is its own ``timezone`` in ``course.toml`` if it has one, else the
course's. Only a person's own machine knows their zone: ``parcours deadlines`` adds it
when it differs; the learner dashboard (served, the browser's zone unknown) names the
assignment's zone.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..i18n import _, language
from ..i18n.display import zone_label

if TYPE_CHECKING:
    from .model import Assignment, Course


def zone_of(course: Course, assignment: Assignment | None = None) -> str:
    """The IANA zone an assignment's dates were written in (its own, else the course's)."""
    return (assignment.timezone if assignment else "") or course.timezone


def local_zone() -> str:
    """This machine's IANA zone name, '' when it cannot be told (e.g. only an offset)."""
    import os
    from pathlib import Path

    name = os.environ.get("TZ", "").lstrip(":")
    if not name:
        try:
            target = Path("/etc/localtime").resolve()
        except OSError:
            return ""
        parts = target.parts
        if "zoneinfo" not in parts:
            return ""
        name = "/".join(parts[parts.index("zoneinfo") + 1 :])
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return ""
    return name


def shown(moment: dt.datetime | None, zone: str, lang: str) -> str:
    """``moment`` on the wall clock of ``zone``, the zone named: ``2026-09-21 23:59
    (Cayenne time, UTC−3)``, ``2026-09-21 23 h 59 (heure de Cayenne, UTC−3)``; '-' when
    missing."""
    if moment is None:
        return "-"
    local = moment.astimezone(ZoneInfo(zone))
    with language(lang):
        clock = _("{date} {hour:02d}:{minute:02d}").format(
            date=local.strftime("%Y-%m-%d"), hour=local.hour, minute=local.minute
        )
    return f"{clock} ({zone_label(local, zone, lang)})"


def iso(moment: dt.datetime | None, zone: str = "") -> str | None:
    """ISO 8601 with the offset (in ``zone`` when given, so that the wall clock the
    teacher wrote stays readable); None when missing."""
    if moment is None:
        return None
    return (moment.astimezone(ZoneInfo(zone)) if zone else moment).isoformat()
