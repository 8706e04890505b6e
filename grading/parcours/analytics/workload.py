"""Planned workload per learner, per day and per week, across all their courses.

Rule (simple and documented): an activity's estimated ``minutes`` are spread evenly over
the calendar days (in the course's time zone) from the day it opens to the day it is due,
both included. A lesson takes its module's window (see :mod:`.frames`); an activity with
a due date but no opening date takes the 7 days ending on its due date; an activity with
no due date is not planned. With ``remaining_only`` the activities a learner has already
completed are left out.

A day is flagged when the learner's planned minutes exceed the strictest
``workload.hours_per_day`` of their courses, a week (Monday to Sunday) when they exceed the
strictest ``workload.hours_per_week``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .frames import ClassData

DAILY_COLUMNS = ["learner", "day", "minutes", "limit_minutes", "over"]
WEEKLY_COLUMNS = ["learner", "week", "minutes", "limit_minutes", "over"]


def activity_days(data: ClassData) -> pd.DataFrame:
    """``course, activity, day, minutes``: each activity's minutes spread over its days."""
    rows = []
    acts = data.activities.dropna(subset=["due"])
    for cid, group in acts.groupby("course"):
        zone = data.courses[cid].timezone if cid in data.courses else "UTC"
        due = group["due"].dt.tz_convert(zone).dt.tz_localize(None).dt.normalize()
        opens = group["opens"].dt.tz_convert(zone).dt.tz_localize(None).dt.normalize()
        opens = opens.fillna(due - pd.Timedelta(days=6)).where(opens <= due, due)
        span = ((due - opens).dt.days + 1).astype("int64")
        rep = group.loc[group.index.repeat(span)]
        offset = rep.groupby(level=0).cumcount().to_numpy()
        rows.append(
            pd.DataFrame(
                {
                    "course": cid,
                    "activity": rep["activity"].to_numpy(),
                    "day": opens.loc[rep.index].to_numpy() + pd.to_timedelta(offset, unit="D"),
                    "minutes": (rep["minutes"] / span.loc[rep.index]).to_numpy(),
                }
            )
        )
    if not rows:
        return pd.DataFrame(columns=["course", "activity", "day", "minutes"])
    return pd.concat(rows, ignore_index=True)


def _limits(data: ClassData, per: str) -> pd.Series:
    """Per learner, the strictest limit in minutes among their courses."""
    hours = {cid: getattr(c.workload, per) for cid, c in data.courses.items()}
    lim = data.learners["course"].astype(object).map(hours).astype(float) * 60.0
    return lim.groupby(data.learners["learner"]).min().rename("limit_minutes")


def daily_load(
    data: ClassData, *, remaining_only: bool = False, status: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Planned minutes per learner and day: ``learner, day, minutes, limit_minutes, over``."""
    plan = activity_days(data)
    enrolled = data.learners[["course", "learner"]].drop_duplicates()
    if plan.empty or enrolled.empty:
        return pd.DataFrame(columns=DAILY_COLUMNS)
    if remaining_only:
        from .progress import COMPLETED, activity_status

        status = activity_status(data) if status is None else status
        done = status[status["status"].isin(COMPLETED)][["course", "learner", "activity"]]
        per = enrolled.merge(plan, on="course").merge(
            done.assign(_done=True), on=["course", "learner", "activity"], how="left"
        )
        per = per[per["_done"].isna()]
        load = per.groupby(["learner", "day"], as_index=False)["minutes"].sum()
    else:
        # learners taking the same set of courses share one plan: compute it once per set
        by_course = plan.groupby(["course", "day"], as_index=False, observed=True)["minutes"].sum()
        by_course["course"] = by_course["course"].astype(object)
        learners = enrolled["learner"].astype(object)
        courses = enrolled["course"].astype(object)
        who, learner_ids = pd.factorize(learners)
        which, course_ids = pd.factorize(courses)
        matrix = np.zeros((len(learner_ids), len(course_ids)), dtype=np.uint8)
        matrix[who, which] = 1
        combos, combo_of = np.unique(matrix, axis=0, return_inverse=True)
        shared = []
        for k, row in enumerate(combos):
            mine = by_course[by_course["course"].isin(course_ids[row.astype(bool)])]
            one = mine.groupby("day", as_index=False)["minutes"].sum()
            shared.append(one.assign(combo=k))
        shared = pd.concat(shared, ignore_index=True)
        starts = np.searchsorted(shared["combo"].to_numpy(), np.arange(len(combos) + 1))
        counts = np.diff(starts)[combo_of.ravel()]
        rows = (
            np.concatenate([np.arange(starts[c], starts[c + 1]) for c in combo_of.ravel()])
            if len(combo_of)
            else np.array([], dtype=int)
        )
        limits = _limits(data, "hours_per_day")
        limits.index = limits.index.astype(object)
        load = pd.DataFrame(
            {  # already grouped by learner, days in order
                "learner": np.repeat(np.asarray(learner_ids, dtype=object), counts),
                "day": shared["day"].to_numpy()[rows],
                "minutes": shared["minutes"].to_numpy()[rows],
                "limit_minutes": np.repeat(limits.reindex(learner_ids).to_numpy(), counts),
            }
        )
        load["over"] = load["minutes"] > load["limit_minutes"] + 1e-9
        return load[DAILY_COLUMNS]
    load = load.merge(_limits(data, "hours_per_day").reset_index(), on="learner")
    load["over"] = load["minutes"] > load["limit_minutes"] + 1e-9
    return load[DAILY_COLUMNS].sort_values(["learner", "day"]).reset_index(drop=True)


def weekly_load(daily: pd.DataFrame, data: ClassData) -> pd.DataFrame:
    """Planned minutes per learner and week (from :func:`daily_load`)."""
    if daily.empty:
        return pd.DataFrame(columns=WEEKLY_COLUMNS)
    fast = _weekly_by_runs(daily)
    if fast is not None:
        limits = _limits(data, "hours_per_week")
        at = limits.index.get_indexer(pd.Index(fast["learner"].astype(object)))
        out = fast[at >= 0].reset_index(drop=True)
        out["limit_minutes"] = limits.to_numpy()[at[at >= 0]]
        # the learner column's dtype as the merge on labels gives it (one row merged)
        one = out.iloc[:1][["learner"]].merge(limits.reset_index(), on="learner")
        out["learner"] = out["learner"].astype(one["learner"].dtype)
    else:
        week = daily["day"] - pd.to_timedelta(daily["day"].dt.day_of_week, unit="D")
        out = daily.assign(week=week).groupby(["learner", "week"], as_index=False)["minutes"].sum()
        out = out.merge(_limits(data, "hours_per_week").reset_index(), on="learner")
    out["over"] = out["minutes"] > out["limit_minutes"] + 1e-9
    return out[WEEKLY_COLUMNS]


DAY_NS = 86_400 * 10**9


def _weekly_by_runs(daily: pd.DataFrame) -> pd.DataFrame | None:
    """``learner, week, minutes`` summed per learner and week (learners sorted, then
    weeks) when each learner's days are one run of rows, as :func:`daily_load` makes
    them: grouped on integer codes, no text hashed per row; None otherwise."""
    from .codes import compact, reduce

    learner = daily["learner"].to_numpy()
    if not len(learner) or daily["day"].dtype != "datetime64[ns]" or daily["day"].isna().any():
        return None  # naive days, as daily_load makes them
    starts = np.flatnonzero(np.append(True, learner[1:] != learner[:-1]))
    labels = pd.Index(learner[starts].astype(object))
    if not labels.is_unique or labels.hasnans:
        return None
    rank = np.empty(len(labels), dtype=np.int64)
    rank[labels.argsort(kind="stable")] = np.arange(len(labels))
    run = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(learner))))
    ns = daily["day"].to_numpy().view(np.int64)
    week = ns - ((ns // DAY_NS + 3) % 7) * DAY_NS  # back to Monday (1970-01-01: Thursday)
    w0 = week.min()
    wk = (week - w0) // DAY_NS // 7
    n_w = int(wk.max()) + 1
    uniq, at = compact(rank[run] * n_w + wk, len(labels) * n_w)
    minutes = reduce(daily["minutes"].to_numpy(dtype=float), at, len(uniq), "sum")
    by_rank = starts[labels.argsort(kind="stable")]
    weeks = ((uniq % n_w) * 7 * DAY_NS + w0).view("datetime64[ns]")
    learners = daily["learner"].iloc[by_rank[uniq // n_w]]
    return pd.DataFrame(
        {
            "learner": pd.Series(learners.to_numpy(), dtype=learners.dtype),
            "week": weeks,
            "minutes": minutes,
        }
    )


def overload_summary(daily: pd.DataFrame, weekly: pd.DataFrame) -> pd.DataFrame:
    """Per learner: ``max_day_minutes, days_over, max_week_minutes, weeks_over``."""
    d = daily.groupby("learner").agg(max_day_minutes=("minutes", "max"), days_over=("over", "sum"))
    w = weekly.groupby("learner").agg(
        max_week_minutes=("minutes", "max"), weeks_over=("over", "sum")
    )
    return d.join(w, how="outer").fillna(0).reset_index()
