"""The tutoring figures of a course, against its commitment: first-response times in
working hours (p50, p90), the share answered within ``response_hours``, resolution times,
open questions by age, per tutor, and where the questions come from (per learner, per
lesson: a lesson that makes many people ask is a lesson to rewrite).

Computed at once over every question (pandas and the clock's :meth:`between_many`):
100,000 questions in well under a second (``bench/tutoring.py``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from .clock import WorkingClock

if TYPE_CHECKING:
    from ..course.model import Course
    from .store import TutoringStore

#: open questions by age, in working hours: (label, lower bound, upper bound)
AGE_BANDS = (("0-8", 0.0, 8.0), ("8-24", 8.0, 24.0), ("24-72", 24.0, 72.0), ("72+", 72.0, None))
#: the columns of :meth:`~.store.TutoringStore.figure_rows`
COLUMNS = ["course", "asked", "first", "resolved", "by", "state", "author", "activity"]


def _seconds(column: Any) -> Any:
    """ISO texts (None for none) as POSIX seconds (NaN for none), at once."""
    import numpy as np
    import pandas as pd

    moments = pd.to_datetime(column, utc=True, format="ISO8601")
    return (
        (moments - pd.Timestamp(0, tz="UTC"))
        .dt.total_seconds()
        .to_numpy(dtype="float64", na_value=np.nan)
    )


def _quantile(values: Any, share: float) -> float | None:
    return None if len(values) == 0 else round(float(values.quantile(share)), 2)


def _times(frame: Any, hours: float) -> dict[str, Any]:
    """p50/p90 of first response, share within ``hours`` among the questions whose
    outcome is known (answered, or open past the delay)."""
    answered = frame["first_h"].dropna()
    over_open = int((frame["first_h"].isna() & (frame["age_h"] > hours)).sum())
    within = int((answered <= hours).sum())
    known = len(answered) + over_open
    return {
        "questions": len(frame),
        "answered": len(answered),
        "first_response_p50_h": _quantile(answered, 0.5),
        "first_response_p90_h": _quantile(answered, 0.9),
        "within_commitment": None if known == 0 else round(within / known, 4),
        "over_delay_open": over_open,
    }


def _top(counts: list[tuple[str, int]], key: str, top: int) -> list[dict[str, Any]]:
    ranked = sorted(((n, v) for v, n in counts if v), key=lambda item: (-item[0], item[1]))
    return [{key: value, "questions": n} for n, value in ranked[:top]]


def course_figures(
    course: Course,
    rows: list[tuple[Any, ...]],
    now: dt.datetime | None = None,
    *,
    top: int = 5,
) -> dict[str, Any]:
    """The figures of ``course`` from its questions' rows
    (:meth:`~.store.TutoringStore.figure_rows`) at ``now``."""
    import numpy as np
    import pandas as pd

    now = now or dt.datetime.now(dt.UTC)
    hours = float(course.tutoring.response_hours)
    clock = WorkingClock.of_course(course)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    asked = _seconds(frame["asked"])
    first = _seconds(frame["first"])
    resolved = _seconds(frame["resolved"])
    frame["first_h"] = clock.between_many(asked, first) / 3600
    frame["resolved_h"] = clock.between_many(asked, resolved) / 3600
    frame["age_h"] = clock.between_many(asked, np.full(len(asked), now.timestamp())) / 3600
    figures: dict[str, Any] = {"course": course.id, "response_hours": hours}
    figures.update(_times(frame, hours))
    figures["resolution_p50_h"] = _quantile(frame["resolved_h"].dropna(), 0.5)
    still_open = frame[frame["state"] == "asked"]["age_h"]
    figures["open_by_age"] = {
        label: int(((still_open >= low) & (still_open < (high or np.inf))).sum())
        for label, low, high in AGE_BANDS
    }
    answered = frame[frame["by"].notna() & (frame["by"] != "")]
    figures["tutors"] = {
        str(by): _times(group, hours) for by, group in answered.groupby("by", sort=True)
    }
    learners = [(str(v), int(n)) for v, n in frame["author"].value_counts().items()]
    figures["per_learner_mean"] = (
        round(sum(n for _v, n in learners) / len(learners), 2) if learners else None
    )
    figures["top_learners"] = _top(learners, "learner", top)
    activities = [(str(v), int(n)) for v, n in frame["activity"].value_counts().items()]
    figures["top_activities"] = _top(activities, "activity", top)
    return figures


def figures(
    store: TutoringStore, courses: list[Course], now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """The figures of each course in ``courses`` (one read of the store)."""
    rows: dict[str, list[tuple[Any, ...]]] = {c.id: [] for c in courses}
    for row in store.figure_rows() if len(courses) > 1 else []:
        if row[0] in rows:
            rows[row[0]].append(row)
    if len(courses) == 1:
        rows[courses[0].id] = store.figure_rows(courses[0].id)
    return [course_figures(c, rows[c.id], now) for c in courses]
