"""View-model of the teacher dashboard (per assignment) and its two actions.

Actions change the real course state through the grading pipeline's API; the dashboard
asks for a confirmation before calling them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from ..i18n import _
from .coordinator import status as class_status

if TYPE_CHECKING:
    import pandas as pd

    from ..config import ParcoursConfig
    from .data import DashboardData


@dataclass(frozen=True)
class AssignmentStatus:
    """Hand-in and grading counts of one assignment."""

    learners: int
    on_time: int
    late: int
    missing: int
    not_due: int
    autograded: int
    needs_manual: int
    feedback_released: int
    median_feedback_days: float


def assignments(data: DashboardData) -> list[tuple[str, str, str]]:
    """(course, assignment id, title) of every assignment, in course order."""
    a = data.frames.activities
    a = a[a["kind"] == "assignment"].sort_values(["course", "order"])
    return list(zip(a["course"], a["activity"], a["title"], strict=True))


def _subs(data: DashboardData, course: str, assignment: str) -> pd.DataFrame:
    s = data.frames.submissions
    return s[(s["course"] == course) & (s["assignment"] == assignment)]


def assignment_status(data: DashboardData, course: str, assignment: str) -> AssignmentStatus:
    """Submitted on time / late / missed, grading status and feedback delay."""
    import pandas as pd

    st = class_status(data)
    m = st[(st["course"] == course) & (st["activity"] == assignment)]["status"]
    sub = _subs(data, course, assignment)
    g = data.frames.grades
    g = g[(g["course"] == course) & (g["assignment"] == assignment)]
    manual = set(g[g["needs_manual_grade"].astype(bool)]["learner"])
    graded = set(g["learner"])
    # to_datetime: columns of an empty class are untyped
    delays = (
        pd.to_datetime(sub["feedback_at"], utc=True) - pd.to_datetime(sub["timestamp"], utc=True)
    ).dt.total_seconds().dropna() / 86400
    return AssignmentStatus(
        learners=len(m),
        on_time=int((m == "done").sum()),
        late=int((m == "late").sum()),
        missing=int((m == "missed").sum()),
        not_due=int(m.isin(["not_started", "started"]).sum()),
        autograded=len(graded - manual),
        needs_manual=len(manual),
        feedback_released=int(sub["feedback_at"].notna().sum()),
        median_feedback_days=float(delays.median()) if len(delays) else float("nan"),
    )


def score_distribution(data: DashboardData, course: str, assignment: str) -> pd.Series:
    """Each submitted learner's score as a share of the points (0..1)."""
    sub = _subs(data, course, assignment).dropna(subset=["max_score"])
    sub = sub[sub["max_score"] > 0]
    return (sub["score"] / sub["max_score"]).astype(float).rename("score").reset_index(drop=True)


def question_difficulty(data: DashboardData, course: str, assignment: str) -> pd.DataFrame:
    """Per graded cell: ``graded`` (learners whose answer has its grade), ``to_grade``
    (answers waiting for the teacher's manual grade: their 0 is no result yet, so they
    are counted apart, never as failures), ``mean`` score share and ``failed`` (share
    below half the points) among the graded answers — hardest first, cells with nothing
    graded yet last."""
    import pandas as pd

    g = data.frames.grades
    g = g[(g["course"] == course) & (g["assignment"] == assignment) & (g["max_score"] > 0)]
    pending = g["needs_manual_grade"].astype(bool)
    g = g.assign(
        fraction=(g["score"] / g["max_score"]).where(~pending),
        failed=(g["score"] < g["max_score"] / 2).astype(float).where(~pending),
        graded=(~pending).astype(int),
        to_grade=pending.astype(int),
    )
    columns = ["question", "graded", "to_grade", "mean", "failed"]
    if g.empty:
        return pd.DataFrame(columns=columns)
    frame = g.groupby("cell", as_index=False, observed=True).agg(
        graded=("graded", "sum"),
        to_grade=("to_grade", "sum"),
        mean=("fraction", "mean"),
        failed=("failed", "mean"),
    )
    frame = frame.rename(columns={"cell": "question"})[columns]
    return frame.sort_values(
        ["failed", "mean", "question"],
        ascending=[False, True, True],
        na_position="last",
        ignore_index=True,
    )


class ReflectionsSummary(TypedDict):
    """What :func:`reflections_summary` returns."""

    count: int
    mean_minutes: float
    mean_confidence: float
    #: (difficulty, times named), most named first
    difficulties: list[tuple[str, int]]
    #: (help, times named), most named first
    help: list[tuple[Any, int]]


def reflections_summary(data: DashboardData, course: str, assignment: str) -> ReflectionsSummary:
    """Reflections written on the assignment: count, mean minutes and confidence, the
    difficulties and help most often named."""
    ev = data.frames.events
    r = ev[
        (ev["verb"] == "reflected")
        & (ev["course"] == course)
        & ((ev["object_id"] == assignment) | (ev["lesson"] == assignment))
    ]
    extras = [json.loads(x) if isinstance(x, str) and x else (x or {}) for x in r["extra"]]
    minutes = [x["minutes"] for x in extras if isinstance(x.get("minutes"), int | float)]
    confidence = [x["confidence"] for x in extras if isinstance(x.get("confidence"), int)]
    difficulties = Counter(str(x.get("difficulties", "")).strip() for x in extras)
    difficulties.pop("", None)
    helps = Counter(h for x in extras for h in (x.get("help") or []))
    return {
        "count": len(extras),
        "mean_minutes": sum(minutes) / len(minutes) if minutes else float("nan"),
        "mean_confidence": sum(confidence) / len(confidence) if confidence else float("nan"),
        "difficulties": difficulties.most_common(5),
        "help": helps.most_common(5),
    }


def learner_choices(data: DashboardData, course: str) -> list[str]:
    """Student ids of the course's learners (roster and gradebook) a teacher may act on."""
    m = data.memberships
    ids = set(m[m["course"] == course]["student_id"])
    known = data.frames.learners
    ids |= {s for s in known[known["course"] == course]["student_id"] if s}
    return sorted(ids)


def band_members(data: DashboardData, course: str, skill: str, band: str) -> list[str]:
    """Student ids of the learners of ``course`` in a level band on ``skill``."""
    from ..analytics.groups import bands
    from .coordinator import mastery
    from .names import logins_of

    b = bands(mastery(data), skill, data.band_thresholds or None, course=course)
    return sorted(logins_of(data, b[b["band"] == band]["learner"]))


# -- actions ----------------------------------------------------------------------------
def extend_learner(
    config: ParcoursConfig,
    data: DashboardData,
    course: str,
    assignment: str,
    student_id: str,
    days: float,
    by: str = "",
) -> str:
    """Give ``student_id`` ``days`` days after the due date of ``assignment`` (the
    pipeline's recorded extension, granted ``by`` the page's user on the hub); returns
    what was done, in the language in force."""
    from ..errors import BadInputError
    from ..i18n import _
    from ..pipeline.extensions import extend

    if not days or days <= 0:
        raise BadInputError(
            _("extension of {days} days: give a positive number of days.").format(days=days)
        )
    c = data.courses[course]
    until = c.due(c.assignment(assignment)) + dt.timedelta(days=float(days))
    done = extend(config, c, assignment, student_id, until, by=by)
    from ..course.zones import zone_of
    from ..i18n import display
    from .coordinator import activity_title

    zone = zone_of(c, c.assignment(assignment))
    said = _("{learner} may hand in {assignment} until {until}.").format(
        learner=student_id,
        assignment=activity_title(data, course, assignment),
        until=display.moment(done.until, zone),
    )
    if done.team:
        said += " " + _("The same date for the team-mates who hand in with them: {mates}.").format(
            mates=", ".join(done.team)
        )
    return said


def release_remediation(
    config: ParcoursConfig, data: DashboardData, course: str, assignment: str, students: list[str]
) -> str:
    """Release ``assignment`` to ``students`` (a band) through the pipeline's group
    release; returns what was done."""
    from ..errors import BadInputError
    from ..pipeline.release import release

    if not students:
        raise BadInputError(_("this band is empty: no learner to release the remediation to."))
    from ..i18n import ngettext
    from .coordinator import activity_title

    release(config, data.courses[course], assignment, to=list(students))
    return ngettext(
        "{assignment} released to {n} learner.",
        "{assignment} released to {n} learners.",
        len(students),
    ).format(assignment=activity_title(data, course, assignment), n=len(students))
