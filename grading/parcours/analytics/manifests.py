"""The manifests' stage of :func:`.frames.load_frames`: each course's activities (lessons and
assignments, in course order, with their windows) and quiz questions, as tidy frames
(columns: see :mod:`.frames`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import DataError
from ..i18n import _
from .tidy import empty, utc

if TYPE_CHECKING:
    from ..course.model import Course

ACTIVITY_COLUMNS = [
    "course",
    "activity",
    "kind",
    "title",
    "module",
    "order",
    "minutes",
    "opens",
    "due",
    "points",
    "skills",
]
QUESTION_COLUMNS = ["course", "lesson", "question", "type", "skills", "prompt"]


def activities_frame(courses: Iterable[Course]) -> pd.DataFrame:
    """Lessons and assignments of ``courses`` in course order (columns: see module doc)."""
    rows: list[dict[str, Any]] = []
    for course in courses:
        windows: dict[str, tuple[dt.datetime, dt.datetime]] = {}
        for a in course.assignments:
            opens, due = course.opens(a), course.due(a)
            if a.module in windows:
                lo, hi = windows[a.module]
                windows[a.module] = (min(lo, opens), max(hi, due))
            else:
                windows[a.module] = (opens, due)
        order = 0
        for module in course.modules:
            window: tuple[dt.datetime | None, dt.datetime | None] = windows.get(module.id) or (
                None,
                None,
            )
            for lesson in module.lessons:
                rows.append(
                    dict(
                        course=course.id,
                        activity=lesson.id,
                        kind="lesson",
                        title=lesson.title,
                        module=module.id,
                        order=order,
                        minutes=lesson.minutes,
                        opens=window[0],
                        due=window[1],
                        points=float("nan"),
                        skills=tuple(lesson.skills),
                    )
                )
                order += 1
            for a in course.assignments:
                if a.module == module.id:
                    rows.append(_assignment_row(course, a, order))
                    order += 1
        known = {m.id for m in course.modules}
        for a in course.assignments:
            if a.module not in known:
                rows.append(_assignment_row(course, a, order))
                order += 1
    if not rows:
        return empty(ACTIVITY_COLUMNS)
    frame = pd.DataFrame(rows, columns=ACTIVITY_COLUMNS)
    frame["opens"] = utc(frame["opens"])
    frame["due"] = utc(frame["due"])
    frame["order"] = frame["order"].astype("int64")
    frame["minutes"] = frame["minutes"].astype("float64")
    return frame


def _assignment_row(course: Course, a: Any, order: int) -> dict[str, Any]:
    return dict(
        course=course.id,
        activity=a.id,
        kind="assignment",
        title=a.title,
        module=a.module,
        order=order,
        minutes=a.minutes,
        opens=course.opens(a),
        due=course.due(a),
        points=float(a.points),
        skills=tuple(a.skills),
    )


def questions_frame(courses: Iterable[Course]) -> pd.DataFrame:
    """Quiz questions of each lesson, from the course's quiz banks (answers not read)."""
    import yaml

    rows = []
    for course in courses:
        for lesson in course.lessons:
            path = course.folder / "quizzes" / f"{lesson.id}.yaml"
            if not path.is_file():
                continue
            try:
                bank = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except (OSError, yaml.YAMLError) as exc:
                raise DataError(
                    _(
                        "{path}: the quiz bank cannot be read ({error}). Run 'parcours check "
                        "{course}' to find the problem."
                    ).format(path=path, error=exc, course=course.id)
                ) from exc
            for q in bank.get("questions") or []:
                if isinstance(q, dict) and q.get("id"):
                    rows.append(
                        dict(
                            course=course.id,
                            lesson=lesson.id,
                            question=str(q["id"]),
                            type=str(q.get("type", "")),
                            skills=tuple(q.get("skills") or lesson.skills),
                            prompt=str(q.get("prompt") or ""),
                        )
                    )
    return pd.DataFrame(rows, columns=QUESTION_COLUMNS) if rows else empty(QUESTION_COLUMNS)
