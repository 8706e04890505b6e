"""KPIs against the course's targets (``course.kpi``), with their weekly trend.

Definitions (per course; weeks start on Monday, UTC):

- ``weekly_active``: share of enrolled learners with at least one event or submission in
  the 7 days before ``now``. Target ``kpi.weekly_active`` (mission: > 70 %).
- ``quiz_mean``: mean score of first attempts at quiz questions (later attempts follow the
  explanation). Target ``kpi.quiz_mean`` (> 80 %).
- ``skills_validated``: share of (learner, skill) pairs whose mastery posterior mean
  (see :mod:`.mastery`) is at least ``validated_at`` (default 0.7, or
  ``band_thresholds["validated"]`` when the CLI passes it). Target ``kpi.skills_validated``.
- ``time_to_competence_days``: median days from a learner's first evidence on a skill to
  the first moment its running posterior mean reaches ``validated_at``; compared with a
  ``baseline`` (an earlier cohort's value) to give ``time_to_competence_change``, whose
  target is ``kpi.time_to_competence_change`` (-20 %). Without a baseline: no verdict.
- ``time_ratio``: actual over estimated minutes, median over activities; actual minutes
  are the learners' reflection ``minutes`` (median per activity), else the summed
  ``duration_s`` of their events. No target (1.0 means the estimates are right).
- ``feedback_delay_hours``: median hours from submission to feedback produced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .codes import codes_in, combine, compact, dtype_of, reduce
from .frames import ClassData
from .mastery import PRIOR, evidence
from .progress import NAT, _ns, now_or_default

VALIDATED_AT = 0.7
KPI_COLUMNS = ["course", "kpi", "value", "target", "met", "unit"]

DAY_NS = 86_400 * 10**9
EVIDENCE_KEY = ["course", "learner", "skill"]


def week_of(stamps: pd.Series) -> pd.Series:
    """The Monday (00:00 UTC) starting the week of each timestamp."""
    ns = _ns(stamps)
    day = ns // DAY_NS
    monday = (day - (day + 3) % 7) * DAY_NS  # 1970-01-01 was a Thursday
    monday = np.where(ns == NAT, NAT, monday)
    return pd.Series(monday.astype("datetime64[ns]"), index=stamps.index).dt.tz_localize("UTC")


def _cat(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(int64 codes, object categories) of a column, categorical or not."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return (
            values.cat.codes.to_numpy().astype(np.int64),
            values.cat.categories.to_numpy(dtype=object),
        )
    codes, uniques = pd.factorize(values)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def _active_weeks(data: ClassData) -> pd.DataFrame:
    """Distinct ``course, learner, week`` with a trace (events or submissions)."""
    parts = []
    for frame in (data.events, data.submissions):
        if not len(frame):
            continue
        ns = _ns(frame["timestamp"])
        keep = ns != NAT
        day = ns[keep] // DAY_NS
        week = (day + 3) // 7  # Monday-based week number (1970-01-01 was a Thursday)
        c, courses = _cat(frame["course"])
        lc, learners = _cat(frame["learner"])
        c, lc = c[keep], lc[keep]
        if not len(week):
            continue
        n_l, w0 = len(learners) + 1, week.min()
        n_w = week.max() - w0 + 1
        key = (c * n_l + lc) * n_w + (week - w0)
        size = (int(c.max()) + 1) * n_l * n_w
        if c.min() >= 0 and lc.min() >= 0 and size <= 64 * len(key) + 1_000_000:
            # a bitmap of the keys seen: no sort of a million keys
            seen = np.zeros(size, dtype=bool)
            seen[key] = True
            uniq = np.flatnonzero(seen)
        else:
            uniq = np.unique(key)
        cw, w = np.divmod(uniq, n_w)
        ci, li = np.divmod(cw, n_l)
        parts.append(
            pd.DataFrame(
                {
                    "course": courses[ci],
                    "learner": learners[li],
                    "week": pd.to_datetime(((w + w0) * 7 - 3) * DAY_NS, utc=True),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["course", "learner", "week"])
    both = pd.concat(parts, ignore_index=True)
    return both[~both.duplicated()]


def weekly_active(data: ClassData) -> pd.DataFrame:
    """Per course and week: ``active`` learners, ``enrolled``, ``share``."""
    weeks = data.memo("active_weeks", lambda: _active_weeks(data))
    active = weeks.groupby(["course", "week"]).size().rename("active")
    enrolled = data.learners.groupby("course")["learner"].nunique().rename("enrolled")
    out = active.reset_index().merge(enrolled.reset_index(), on="course")
    out["share"] = out["active"] / out["enrolled"]
    return out


def active_share(data: ClassData, now: pd.Timestamp | str | None = None) -> pd.Series:
    """Per course: share of enrolled learners active in the 7 days up to ``now``."""
    moment = now_or_default(now)
    parts = []
    for frame in (data.events, data.submissions):
        if len(frame):
            t = frame["timestamp"]
            recent = frame[(t > moment - pd.Timedelta(days=7)) & (t <= moment)]
            parts.append(
                pd.DataFrame(
                    {
                        "course": recent["course"].astype(object),
                        "learner": recent["learner"].astype(object),
                    }
                )
            )
    both = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["course", "learner"])
    )
    active = both.drop_duplicates().groupby("course").size()
    enrolled = data.learners.groupby("course")["learner"].nunique()
    return (active.reindex(enrolled.index).fillna(0) / enrolled).rename("weekly_active")


def validation_times(
    data: ClassData, validated_at: float = VALIDATED_AT, prior: tuple[float, float] = PRIOR
) -> pd.DataFrame:
    """Per (course, learner, skill) with evidence: ``first_at`` (first evidence),
    ``validated_at`` (first moment the running posterior mean reaches the threshold, NaT
    if never) and ``days`` between them."""
    return data.memo(
        ("validation_times", validated_at, tuple(prior)),
        lambda: _validation_times(data, validated_at, prior),
    ).copy()


@dataclass
class _Running:
    """The evidence in time order (NaT left out), grouped by (course, learner, skill) on
    integer codes (see :mod:`.codes`), with each piece's running posterior mean."""

    #: each piece's group and time (int64 ns), in time order (stable)
    at: np.ndarray
    stamps: np.ndarray
    #: the posterior mean after each piece of evidence of its group
    running: np.ndarray
    #: the groups' combined codes (sorted), and the (codes, number of codes) parts and
    #: categorical dtypes of course, learner, skill they combine
    uniq: np.ndarray
    parts: list[tuple[np.ndarray, int]]
    dtypes: list[pd.CategoricalDtype]


def _running(data: ClassData, prior: tuple[float, float]) -> _Running | None:
    """:class:`_Running` of the evidence (None without evidence), computed once."""
    return data.memo(("running_mean", tuple(prior)), lambda: _running_means(data, prior))


def _running_means(data: ClassData, prior: tuple[float, float]) -> _Running | None:
    ev = evidence(data)
    stamps = _ns(ev["timestamp"]) if len(ev) else np.array([], dtype=np.int64)
    rows = np.flatnonzero(stamps != NAT)
    if not len(rows):
        return None
    rows = rows[np.argsort(stamps[rows], kind="stable")]
    dtypes = [dtype_of(ev[k]) for k in EVIDENCE_KEY]
    parts = [
        (codes_in(ev[k], d)[rows], len(d.categories))
        for k, d in zip(EVIDENCE_KEY, dtypes, strict=True)
    ]
    group, size = combine(*parts)
    uniq, at = compact(group, size)
    ok = at >= 0
    if not ok.any():
        return None
    rows, at, stamps = rows[ok], at[ok], stamps[rows[ok]]
    # running count and (compensated, as pandas') sum of successes per group, in time order
    codes = pd.Categorical.from_codes(at, categories=pd.RangeIndex(len(uniq)), validate=False)
    grouped = pd.Series(ev["success"].to_numpy(dtype=float)[rows]).groupby(codes, observed=False)
    n = grouped.cumcount().to_numpy() + 1
    running = (prior[0] + grouped.cumsum().to_numpy()) / (prior[0] + prior[1] + n)
    return _Running(at, stamps, running, uniq, parts, dtypes)


def _validation_times(
    data: ClassData, validated_at: float, prior: tuple[float, float]
) -> pd.DataFrame:
    """See :func:`validation_times`; on the integer codes of (course, learner, skill), in
    time order, groups in the order they first appear."""
    run = _running(data, prior)
    if run is None:
        return pd.DataFrame(columns=[*EVIDENCE_KEY, "first_at", "validated_at", "days"])
    at, stamps, n_groups = run.at, run.stamps, len(run.uniq)
    big = np.iinfo(np.int64).max
    first = np.full(n_groups, big, dtype=np.int64)
    np.minimum.at(first, at, stamps)
    reached = np.full(n_groups, big, dtype=np.int64)
    hit = run.running >= validated_at
    np.minimum.at(reached, at[hit], stamps[hit])
    reached[reached == big] = NAT
    seen = np.full(n_groups, len(at), dtype=np.int64)  # groups by first appearance
    np.minimum.at(seen, at, np.arange(len(at)))
    order = np.argsort(seen, kind="stable")
    frame = pd.DataFrame(_decoded(run, run.uniq[order]))
    tz = evidence(data)["timestamp"].dtype
    frame["first_at"] = (
        pd.Series(first[order].view("datetime64[ns]")).dt.tz_localize("UTC").astype(tz)
    )
    frame["validated_at"] = (
        pd.Series(reached[order].view("datetime64[ns]")).dt.tz_localize("UTC").astype(tz)
    )
    frame["days"] = (frame["validated_at"] - frame["first_at"]).dt.total_seconds() / 86400.0
    return frame


def _decoded(run: _Running, groups: np.ndarray) -> dict[str, pd.Categorical]:
    """The course, learner and skill of each of the combined ``groups``."""
    out: dict[str, pd.Categorical] = {}
    rest = groups
    for (_, width), dtype, name in zip(
        run.parts[::-1], run.dtypes[::-1], EVIDENCE_KEY[::-1], strict=True
    ):
        rest, mine = np.divmod(rest, width)
        out[name] = pd.Categorical.from_codes(mine, dtype=dtype)
    return {name: out[name] for name in EVIDENCE_KEY}


def _field(extras: pd.Series, name: str) -> pd.Series:
    """A numeric field of JSON ``extra`` texts, parsed once per distinct text."""
    codes, distinct = pd.factorize(extras.astype(object))
    parsed = np.full(len(distinct) + 1, np.nan)  # the last one: missing text
    for i, text in enumerate(distinct):
        try:
            value = json.loads(text).get(name)
        except (ValueError, AttributeError, TypeError):
            value = None
        if isinstance(value, int | float):
            parsed[i] = value
    return pd.Series(parsed[codes], index=extras.index, dtype="float64")


def actual_minutes(data: ClassData) -> pd.DataFrame:
    """Per activity: ``estimated`` and ``actual`` minutes (median over learners) and
    ``source`` ('reflection' | 'events')."""
    ev = data.events
    acts = data.activities[["course", "activity", "minutes"]].rename(
        columns={"minutes": "estimated"}
    )
    # on the codes of (course, activity), then learner: see .codes
    cdtype, adtype = dtype_of(acts["course"]), dtype_of(acts["activity"])
    n_a = len(adtype.categories)
    size = len(cdtype.categories) * n_a
    # codes of the whole columns, then rows picked from them (a mask per Series costs more)
    course, activity = codes_in(ev["course"], cdtype), codes_in(ev["activity"], adtype)
    refl = (ev["verb"] == "reflected").to_numpy()
    minutes = _field(ev["extra"][refl], "minutes").to_numpy()
    which, _ = combine((course[refl], len(cdtype.categories)), (activity[refl], n_a))
    by_refl = reduce(minutes, np.where(np.isnan(minutes), -1, which), size, "median")
    timed = ev["duration_s"].notna().to_numpy()
    ldtype = dtype_of(ev["learner"])
    cell, cells = combine(
        (course[timed], len(cdtype.categories)),
        (activity[timed], n_a),
        (codes_in(ev["learner"], ldtype)[timed], len(ldtype.categories)),
    )
    uniq, at = compact(cell, cells)
    per_learner = reduce(ev["duration_s"].to_numpy()[timed], at, len(uniq), "sum") / 60.0
    by_events = reduce(per_learner, uniq // max(len(ldtype.categories), 1), size, "median")
    out = acts.copy()
    mine, _ = combine(
        (codes_in(acts["course"], cdtype), len(cdtype.categories)),
        (codes_in(acts["activity"], adtype), n_a),
    )
    known = mine >= 0
    out["reflection"] = (
        np.where(known, by_refl[np.where(known, mine, 0)], np.nan) if size else np.nan
    )
    out["events"] = np.where(known, by_events[np.where(known, mine, 0)], np.nan) if size else np.nan
    out["actual"] = out["reflection"].fillna(out["events"])
    out["source"] = np.where(
        out["reflection"].notna(), "reflection", np.where(out["events"].notna(), "events", "")
    )
    out["ratio"] = out["actual"] / out["estimated"]
    return out[["course", "activity", "estimated", "actual", "source", "ratio"]]


def kpis(
    data: ClassData,
    now: pd.Timestamp | str | None = None,
    *,
    validated_at: float = VALIDATED_AT,
    baseline_days: float | None = None,
    mastery: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """KPIs per course against the manifest's targets: ``course, kpi, value, target,
    met`` (True/False, None without a target), ``unit``."""
    from .mastery import quiz_first, skill_mastery

    mastery = skill_mastery(data) if mastery is None else mastery
    active = active_share(data, now)
    first = quiz_first(data)
    quiz = first.groupby("course")["value"].mean()
    validated = (mastery["mean"] >= validated_at).groupby(mastery["course"]).mean()
    ttc = validation_times(data, validated_at)
    ttc_days = ttc.groupby("course")["days"].median() if len(ttc) else pd.Series(dtype=float)
    ratio = actual_minutes(data).groupby("course")["ratio"].median()
    subs = data.submissions
    delay = (
        ((subs["feedback_at"] - subs["timestamp"]).dt.total_seconds() / 3600.0)
        .groupby(subs["course"])
        .median()
        if len(subs)
        else pd.Series(dtype=float)
    )
    rows = []
    for cid, course in data.courses.items():

        def add(
            name: str, value: Any, target: float | None, higher: bool, unit: str, cid: str = cid
        ) -> None:
            v = None if value is None or pd.isna(value) else float(value)
            met = None if target is None or v is None else (v >= target if higher else v <= target)
            rows.append((cid, name, v, target, met, unit))

        add("weekly_active", active.get(cid), course.kpi.weekly_active, True, "share")
        add("quiz_mean", quiz.get(cid), course.kpi.quiz_mean, True, "score")
        add("skills_validated", validated.get(cid), course.kpi.skills_validated, True, "share")
        days = ttc_days.get(cid)
        add("time_to_competence_days", days, None, False, "days")
        change = None
        if baseline_days and days is not None and not pd.isna(days):
            change = days / baseline_days - 1.0
        add(
            "time_to_competence_change",
            change,
            course.kpi.time_to_competence_change,
            False,
            "change",
        )
        add("time_ratio", ratio.get(cid), None, False, "ratio")
        add("feedback_delay_hours", delay.get(cid), None, False, "hours")
    return pd.DataFrame(rows, columns=KPI_COLUMNS)


def _validated_by_week(data: ClassData, validated_at: float) -> pd.DataFrame:
    """``course, week, kpi, value``: the share of (learner, skill) pairs whose posterior
    mean on the evidence up to the end of each week is at least ``validated_at`` — the
    same measure as the ``skills_validated`` KPI, week by week (a skill validated then
    failed again counts no more). On the integer codes of :func:`_running`."""
    run = _running(data, PRIOR)
    if run is None:
        return pd.DataFrame(columns=["course", "week", "kpi", "value"])
    ok = (run.running >= validated_at).astype(np.int64)
    week = (run.stamps // DAY_NS + 3) // 7  # Monday-based (1970-01-01 was a Thursday)
    w0 = int(week.min())
    n_w = int(week.max()) - w0 + 1
    # each group's last piece of evidence of each week (rows are in time order)
    weekly, at = compact(run.at * n_w + (week - w0), len(run.uniq) * n_w)
    last = np.full(len(weekly), -1, dtype=np.int64)
    np.maximum.at(last, at, np.arange(len(at)))
    pair, ok = weekly // n_w, ok[last]
    # +1 when a pair becomes validated, -1 when it stops being so (weeks in order)
    same = np.r_[False, pair[1:] == pair[:-1]]
    change = ok - np.where(same, np.r_[0, ok[:-1]], 0)
    n_c = run.parts[0][1]
    course = run.uniq[pair] // (run.parts[1][1] * run.parts[2][1])
    cells, where = compact(course * n_w + weekly % n_w, n_c * n_w)
    sums = np.bincount(where, weights=change, minlength=len(cells)).astype(np.int64)
    pairs = {
        cid: data.learners[data.learners["course"] == cid]["learner"].nunique() * len(c.skills)
        for cid, c in data.courses.items()
    }
    courses = run.dtypes[0].categories
    rows = []
    for code in np.unique(cells // n_w):
        cid = courses[code]
        mine = cells // n_w == code
        stamps = ((cells[mine] % n_w + w0) * 7 - 3) * DAY_NS
        counts = pd.Series(sums[mine], index=pd.to_datetime(stamps, utc=True))
        weeks = pd.date_range(counts.index.min(), counts.index.max(), freq="7D")
        counts = counts.reindex(weeks, fill_value=0).cumsum()
        total = pairs.get(str(cid)) or 0
        for when, count in counts.items():
            rows.append((cid, when, "skills_validated", count / total if total else np.nan))
    return pd.DataFrame(rows, columns=["course", "week", "kpi", "value"])


def kpi_trend(data: ClassData, *, validated_at: float = VALIDATED_AT) -> pd.DataFrame:
    """Weekly values per course: ``course, week, kpi, value`` for ``weekly_active`` (share
    active that week), ``quiz_mean`` (first attempts made that week), ``skills_validated``
    (share of learner × skill pairs whose mastery, on the evidence up to the end of that
    week, is validated: the last week's value is the KPI's) and
    ``feedback_delay_hours`` (submissions made that week)."""
    from .mastery import quiz_first

    parts = []
    wa = weekly_active(data)
    parts.append(
        wa.assign(kpi="weekly_active", value=wa["share"])[["course", "week", "kpi", "value"]]
    )
    first = quiz_first(data)
    if len(first):
        q = (
            first.assign(week=week_of(first["timestamp"]))
            .groupby(["course", "week"], as_index=False)["value"]
            .mean()
        )
        parts.append(q.assign(kpi="quiz_mean"))
    validated = _validated_by_week(data, validated_at)
    if len(validated):
        parts.append(validated)
    subs = data.submissions.dropna(subset=["feedback_at"])
    if len(subs):
        d = subs.assign(
            week=week_of(subs["timestamp"]),
            value=(subs["feedback_at"] - subs["timestamp"]).dt.total_seconds() / 3600.0,
        )
        d = d.groupby(["course", "week"], as_index=False)["value"].median()
        parts.append(d.assign(kpi="feedback_delay_hours"))
    out = pd.concat([p[["course", "week", "kpi", "value"]] for p in parts], ignore_index=True)
    return out.sort_values(["course", "kpi", "week"]).reset_index(drop=True)
