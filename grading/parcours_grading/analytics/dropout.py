"""Dropout points: where learners stop along the course path.

- :func:`funnel`: for each activity in course order, how many learners reached it (left
  any trace on it: an event or a submission, whatever its status) and how many went no
  further — their furthest activity reached is this one.
- :func:`status_matrix`: learner × activity table of statuses (the heatmap's data).
- :func:`dropout_points`: the activities after which the most learners stopped.
"""

from __future__ import annotations

import pandas as pd

from .progress import STATUSES

#: numeric codes for a heatmap, in the order of :data:`STATUSES`
STATUS_CODES = {name: i for i, name in enumerate(STATUSES)}


def funnel(status: pd.DataFrame) -> pd.DataFrame:
    """Per course and activity (course order): ``learners`` enrolled, ``reached``,
    ``share`` (reached / learners), ``stopped_here`` (learners whose furthest reached
    activity is this one) and ``drop`` (reached here minus reached at the next one)."""
    reached = status[status["first_at"].notna()]
    acts = status[["course", "activity", "kind", "module", "order"]].drop_duplicates()
    learners = status.groupby("course")["learner"].nunique().rename("learners")
    counts = reached.groupby(["course", "activity"]).size().rename("reached")
    furthest = reached.loc[reached.groupby(["course", "learner"])["order"].idxmax()]
    stopped = furthest.groupby(["course", "activity"]).size().rename("stopped_here")
    out = acts.merge(learners.reset_index(), on="course")
    out = out.merge(counts.reset_index(), how="left").merge(stopped.reset_index(), how="left")
    out[["reached", "stopped_here"]] = out[["reached", "stopped_here"]].fillna(0).astype("int64")
    out = out.sort_values(["course", "order"]).reset_index(drop=True)
    out["share"] = out["reached"] / out["learners"]
    nxt = out.groupby("course")["reached"].shift(-1)
    out["drop"] = (out["reached"] - nxt).fillna(0).astype("int64")
    return out[["course", "activity", "kind", "module", "order", "learners", "reached",
                "share", "stopped_here", "drop"]]


def status_matrix(status: pd.DataFrame, course: str, *, codes: bool = False) -> pd.DataFrame:
    """Learner (rows) × activity (columns, in course order) statuses of one course; with
    ``codes``, the numeric :data:`STATUS_CODES` for a heatmap."""
    one = status[status["course"] == course]
    order = one.drop_duplicates("activity").sort_values("order")["activity"].tolist()
    values = one["status"].map(STATUS_CODES) if codes else one["status"]
    matrix = one.assign(value=values).pivot(index="learner", columns="activity", values="value")
    return matrix.reindex(columns=order)


def dropout_points(status: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """The ``top`` activities per course where most learners stopped (last activity of
    the course excluded: finishing is not dropping out)."""
    f = funnel(status)
    last = f.groupby("course")["order"].transform("max")
    f = f[(f["order"] < last) & (f["stopped_here"] > 0)]
    f = f.sort_values(["course", "stopped_here", "order"], ascending=[True, False, True])
    return f.groupby("course").head(top).reset_index(drop=True)
