"""View-model of the coordinator dashboard: every number and table it shows.

Each function takes a (filtered) :class:`~.data.DashboardData`, calls the analytics
functions (:mod:`parcours.analytics`) and shapes their result for display; the
notebook only lays them out (:mod:`.pages`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..i18n import _
from .data import cached_view

if TYPE_CHECKING:
    import pandas as pd

    from .data import DashboardData

#: KPIs shown as cards, in order
KPI_KEYS = ("weekly_active", "quiz_mean", "skills_validated", "feedback_delay_hours")


@dataclass(frozen=True)
class Kpi:
    """One KPI of one course against its target, with its weekly trend (oldest first)."""

    course: str
    key: str
    value: float | None
    target: float | None
    #: True/False against the target; None when the KPI has no target
    met: bool | None
    unit: str
    trend: list[float] = field(default_factory=list)
    weeks: list[str] = field(default_factory=list)


def status(data: DashboardData) -> pd.DataFrame:
    """Each learner's status on each activity at ``data.now`` (analytics)."""
    from ..analytics.progress import activity_status

    return data.cached("status", lambda: activity_status(data.frames, data.now))


def mastery(data: DashboardData) -> pd.DataFrame:
    """Skill mastery per learner (analytics: Beta posterior with credible interval)."""
    from ..analytics.mastery import skill_mastery

    return data.cached("mastery", lambda: skill_mastery(data.frames))


def kpi_values(data: DashboardData) -> pd.DataFrame:
    """Every KPI of every course against its target (analytics ``kpis``), computed once."""
    from ..analytics.kpi import kpis

    return data.cached("kpis", lambda: kpis(data.frames, data.now, mastery=mastery(data)))


@cached_view
def courses_overview(data: DashboardData) -> pd.DataFrame:
    """Per course: learners, activities, mean completion, weekly active share, quiz mean."""
    import pandas as pd

    from ..analytics.progress import progress_by_learner

    s = status(data)
    progress = progress_by_learner(s).groupby("course")["completion"].mean()
    k = kpi_values(data).set_index(["course", "kpi"])["value"]
    rows = []
    for cid, course in data.courses.items():
        rows.append(
            {
                "course": cid,
                "title": course.title,
                "language": course.language,
                "learners": int((data.frames.learners["course"] == cid).sum()),
                "activities": int((data.frames.activities["course"] == cid).sum()),
                "completion": float(progress.get(cid, float("nan"))),
                "weekly_active": k.get((cid, "weekly_active")),
                "quiz_mean": k.get((cid, "quiz_mean")),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "course",
            "title",
            "language",
            "learners",
            "activities",
            "completion",
            "weekly_active",
            "quiz_mean",
        ],
    )


@cached_view
def course_kpis(data: DashboardData, weeks: int = 6) -> list[Kpi]:
    """The KPI cards of every course in ``data``: value, target, met, and the last
    ``weeks`` weekly values (analytics ``kpis`` and ``kpi_trend``)."""
    import pandas as pd

    from ..analytics.kpi import kpi_trend

    values = kpi_values(data)
    trend = (
        kpi_trend(data.frames)
        if len(data.frames.learners)
        else pd.DataFrame(columns=["course", "week", "kpi", "value"])
    )
    trend = trend[trend["week"] <= data.now]
    cards = []
    for row in values.itertuples(index=False):
        if row.kpi not in KPI_KEYS:
            continue
        t = trend[(trend["course"] == row.course) & (trend["kpi"] == row.kpi)].tail(weeks)
        cards.append(
            Kpi(
                course=row.course,
                key=row.kpi,
                value=None if row.value is None or pd.isna(row.value) else float(row.value),
                target=None if row.target is None or pd.isna(row.target) else float(row.target),
                met=None if row.met is None or pd.isna(row.met) else bool(row.met),
                unit=row.unit,
                trend=[round(float(v), 4) for v in t["value"]],
                weeks=[w.strftime("%Y-%m-%d") for w in t["week"]],
            )
        )
    cards.sort(key=lambda k: (k.course, KPI_KEYS.index(k.key)))
    return cards


@cached_view
def learners_at_risk(data: DashboardData) -> pd.DataFrame:
    """Learners flagged by at least one rule (analytics ``at_risk``), with their cohort
    and group, their ``name`` as staff read it (:mod:`.names`), the reasons in both
    languages and the whole days of inactivity the reasons say (``whole_days``), most at
    risk first."""
    from ..analytics.risk import at_risk, whole_days
    from .names import with_names

    risk = at_risk(data.frames, data.risk_thresholds or None, data.now, status=status(data))
    # astype(bool): an empty class gives an object column, which would select columns
    risk = risk[risk["at_risk"].astype(bool)].merge(
        data.learner_labels(), on=["course", "learner"], how="left"
    )
    risk["days_inactive"] = [whole_days(float(d)) for d in risk["days_inactive"]]
    return with_names(data, risk.reset_index(drop=True))


@cached_view
def funnel(data: DashboardData) -> pd.DataFrame:
    """Learners reaching each activity, in course order (analytics ``funnel``)."""
    from ..analytics.dropout import funnel as analytics_funnel

    return analytics_funnel(status(data))


def activity_title(data: DashboardData, course: str, activity: str) -> str:
    """The manifest's title of an activity (what a person reads), else its id."""
    known = data.courses.get(str(course))
    if known is not None:
        for lesson in known.lessons:
            if lesson.id == activity:
                return lesson.title
        for assignment in known.assignments:
            if assignment.id == activity:
                return assignment.title
    return str(activity)


def skill_label(data: DashboardData, course: str, skill: str) -> str:
    """The manifest's label of a skill, else its id."""
    known = data.courses.get(str(course))
    for s in known.skills if known is not None else []:
        if s.id == skill:
            return s.label
    return str(skill)


def page_zone(data: DashboardData) -> str:
    """The time zone a page's dates are shown in: its courses' zone when they share one,
    else UTC (named on the page either way)."""
    zones = {c.timezone for c in data.courses.values()}
    return zones.pop() if len(zones) == 1 else "UTC"


@cached_view
def funnel_chart(data: DashboardData) -> tuple[list[str], list[int]]:
    """The funnel's bars: (activity titles, learners reaching each). With several courses
    a label is ``course: title`` (two courses may have activities of the same name)."""
    f = funnel(data)
    labels = [activity_title(data, c, a) for c, a in zip(f["course"], f["activity"], strict=True)]
    if len(data.courses) > 1:
        labels = [f"{c}: {t}" for c, t in zip(f["course"].astype(str), labels, strict=True)]
    return labels, [int(v) for v in f["reached"]]


def mastery_labels(data: DashboardData, mastery: pd.DataFrame) -> list[str]:
    """Bar labels of :func:`mastery_by_skill`: the skill's label, with its course when the
    frame holds several courses (two courses may share a skill)."""
    labels = [
        skill_label(data, c, s) for c, s in zip(mastery["course"], mastery["skill"], strict=True)
    ]
    if mastery["course"].nunique() > 1:
        labels = [f"{c}: {t}" for c, t in zip(mastery["course"].astype(str), labels, strict=True)]
    return labels


@cached_view
def dropout_points(data: DashboardData) -> pd.DataFrame:
    """Where most learners stopped (analytics)."""
    from ..analytics.dropout import dropout_points as points

    return points(status(data))


@cached_view
def heatmap(
    data: DashboardData, course: str, limit: int = 80
) -> tuple[list[str], list[str], list[list[float]]]:
    """(activity titles, learners' names as staff read them, status codes) of one course
    for the learner × activity heatmap. Learners are ordered least advanced first
    (dropouts at the top); beyond ``limit`` only the least advanced are kept — the ones a
    tutor needs to see."""
    from ..analytics.dropout import status_matrix
    from .names import names_of

    matrix = status_matrix(status(data), course, codes=True)
    if matrix.empty:
        return [], [], []
    progress = matrix.isin([2, 3]).sum(axis=1)
    matrix = matrix.loc[progress.sort_values(kind="stable").index[:limit]]
    return (
        [activity_title(data, course, a) for a in matrix.columns],
        names_of(data, matrix.index),
        matrix.astype(float).fillna(0).to_numpy().tolist(),
    )


@cached_view
def mastery_by_skill(data: DashboardData) -> pd.DataFrame:
    """Per course and skill: mean mastery, mean interval width, learners per band."""
    import pandas as pd

    from ..analytics.groups import bands

    m = mastery(data)
    columns = ["course", "skill", "mastery", "width", "remediation", "consolidation", "extension"]
    if m.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for (cid, skill), one in m.groupby(["course", "skill"], sort=False):
        b = bands(one, skill, data.band_thresholds or None, course=cid)["band"].value_counts()
        rows.append(
            {
                "course": cid,
                "skill": skill,
                "mastery": float(one["mean"].mean()),
                "width": float((one["high"] - one["low"]).mean()),
                **{k: int(b.get(k, 0)) for k in columns[4:]},
            }
        )
    return pd.DataFrame(rows, columns=columns)


@cached_view
def groups(data: DashboardData, skill: str, mode: str, size: int = 4) -> pd.DataFrame:
    """Level bands, complementary pairs or heterogeneous teams on ``skill`` (analytics
    ``bands``, ``pairs``, ``teams``: seeded and explained in both languages), each
    learner's ``name`` as staff read it beside her pseudonym (:mod:`.names`)."""
    from ..analytics.groups import bands, pairs, teams
    from ..errors import BadInputError
    from .names import with_names

    m = mastery(data)
    # the skill's label in the explanations (courses sharing a skill id name it alike)
    label = next((skill_label(data, c, skill) for c in data.courses), skill)
    if mode == "bands":
        made = bands(m, skill, data.band_thresholds or None, label=label)
    elif mode == "pairs":
        made = pairs(m, skill, seed=data.seed, label=label)
    elif mode == "teams":
        made = teams(m, skill, size=size, seed=data.seed, time_budget=2.0, label=label)
    else:
        raise BadInputError(
            _("grouping mode {mode!r}: use bands, pairs or teams.").format(mode=mode)
        )
    return with_names(data, made, "why")  # a pair's partner named in "why"


@cached_view
def workload_alerts(data: DashboardData, days: int = 7) -> pd.DataFrame:
    """Planned minutes of unfinished work per learner over the next ``days`` days (across
    all their courses; analytics ``daily_load``): busiest day, days over the daily
    limit, week total against the weekly limit, her ``name`` as staff read it; learners
    with an alert first."""
    import pandas as pd

    from ..analytics.workload import daily_load
    from .names import with_names

    daily = daily_load(data.frames, remaining_only=True, status=status(data))
    start = data.now.tz_convert(None).normalize()
    window = daily[(daily["day"] >= start) & (daily["day"] < start + pd.Timedelta(days=days))]
    week_limits: dict[str, float] = {}
    for cid, course in data.courses.items():
        for learner in data.frames.learners[data.frames.learners["course"] == cid]["learner"]:
            limit = course.workload.hours_per_week * 60
            week_limits[learner] = min(week_limits.get(learner, math.inf), limit)
    columns = [
        "learner",
        "name",
        "week_minutes",
        "week_limit",
        "max_day_minutes",
        "day_limit",
        "days_over",
        "alert",
    ]
    if window.empty:
        return pd.DataFrame(columns=columns)
    out = (
        window.groupby("learner")
        .agg(
            week_minutes=("minutes", "sum"),
            max_day_minutes=("minutes", "max"),
            day_limit=("limit_minutes", "min"),
            days_over=("over", "sum"),
        )
        .reset_index()
    )
    out["week_limit"] = out["learner"].map(week_limits)
    out["alert"] = (out["days_over"] > 0) | (out["week_minutes"] > out["week_limit"])
    out[["week_minutes", "max_day_minutes"]] = out[["week_minutes", "max_day_minutes"]].round()
    out = with_names(data, out)
    return out.sort_values(["alert", "week_minutes"], ascending=False, ignore_index=True)[columns]


@cached_view
def ab_results(data: DashboardData) -> pd.DataFrame:
    """Every lesson with two versions compared on quiz score (analytics ``ab_compare``:
    test, effect size, confidence interval, small-sample warning)."""
    import pandas as pd

    from ..analytics.abtest import ab_compare
    from ..errors import BadInputError

    rows = []
    for cid, course in data.courses.items():
        for lesson in course.lessons:
            if len(lesson.versions) != 2:
                continue
            try:
                r = ab_compare(data.frames, cid, lesson.id, "score", seed=data.seed)
            except BadInputError:
                continue
            row = r.as_dict()
            rows.append(
                {
                    "course": cid,
                    "lesson": lesson.id,
                    "a": r.versions[0],
                    "b": r.versions[1],
                    "n_a": r.n[0],
                    "n_b": r.n[1],
                    "mean_a": r.means[0],
                    "mean_b": r.means[1],
                    "test": r.test,
                    "p_value": r.p_value,
                    "effect": r.effect,
                    "effect_name": r.effect_name,
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                    "warning": row["warning"],
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "course",
            "lesson",
            "a",
            "b",
            "n_a",
            "n_b",
            "mean_a",
            "mean_b",
            "test",
            "p_value",
            "effect",
            "effect_name",
            "ci_low",
            "ci_high",
            "warning",
        ],
    )


def warm(data: DashboardData) -> None:
    """Compute everything the unfiltered coordinator page shows (run in a preheated
    kernel before the visitor arrives, so that the page only lays results out)."""
    course_kpis(data)
    courses_overview(data)
    learners_at_risk(data)
    funnel(data)
    for course in data.courses:
        heatmap(data, course)
    mastery_by_skill(data)
    skills = sorted({s.id for c in data.courses.values() for s in c.skills})
    if skills and not data.frames.learners.empty:  # no groups in a class not started
        groups(data, skills[0], "bands", 3)
    workload_alerts(data)
    ab_results(data)


def filter_options(data: DashboardData) -> dict[str, list[str]]:
    """Values offered by the course, cohort and group filters."""
    return {"course": list(data.courses), "cohort": data.cohorts(), "group": data.groups()}
