"""Dropout points: where learners stop along the course path.

- :func:`funnel`: for each activity in course order, how many learners reached it (left
  any trace on it: an event or a submission, whatever its status) and how many went no
  further — their furthest activity reached is this one.
- :func:`status_matrix`: learner × activity table of statuses (the heatmap's data).
- :func:`dropout_points`: the activities after which the most learners stopped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .codes import combine, compact
from .progress import STATUSES

#: numeric codes for a heatmap, in the order of :data:`STATUSES`
STATUS_CODES = {name: i for i, name in enumerate(STATUSES)}


def funnel(status: pd.DataFrame) -> pd.DataFrame:
    """Per course and activity (course order): ``learners`` enrolled, ``reached``,
    ``share`` (reached / learners), ``stopped_here`` (learners whose furthest reached
    activity is this one) and ``drop`` (reached here minus reached at the next one)."""
    keys = ("course", "learner", "activity")
    if len(status) and all(isinstance(status[k].dtype, pd.CategoricalDtype) for k in keys):
        acts, learners, counts, stopped = _funnel_counts(status)
    else:
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
    return out[
        [
            "course",
            "activity",
            "kind",
            "module",
            "order",
            "learners",
            "reached",
            "share",
            "stopped_here",
            "drop",
        ]
    ]


def _funnel_counts(
    status: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.Series, pd.Series, pd.Series]:
    """The activities (distinct rows, first seen first), learners per course, reached and
    stopped-here counts per activity, as :func:`funnel`'s group-bys give them, computed on
    the categoricals' integer codes."""
    cols = ["course", "activity", "kind", "module", "order"]
    parts = [
        (status[c].cat.codes.to_numpy().astype(np.int64), len(status[c].cat.categories))
        if isinstance(status[c].dtype, pd.CategoricalDtype)
        else _factorized(status[c])
        for c in cols
    ]
    row, size = combine(*parts)
    first = np.full(size + 1, len(row), dtype=np.int64)
    first[np.where(row >= 0, row, size)[::-1]] = np.arange(len(row) - 1, -1, -1)
    acts = status[cols].iloc[np.sort(first[first < len(row)])]
    course, n_c = parts[0]
    activity, n_a = parts[1]
    learner = status["learner"].cat.codes.to_numpy().astype(np.int64)
    n_l = len(status["learner"].cat.categories)
    pair, _ = combine((course, n_c), (learner, n_l))
    seen, _ = compact(pair, n_c * n_l)
    per_course = np.bincount(seen // max(n_l, 1), minlength=n_c)
    hit = status["first_at"].notna().to_numpy() & (course >= 0) & (activity >= 0)
    cell = course * n_a + activity
    reached = np.bincount(cell[hit], minlength=n_c * n_a)
    order = status["order"].to_numpy()
    rows = np.flatnonzero(hit & (pair >= 0))
    best = np.full(n_c * n_l, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(best, pair[rows], order[rows].astype(np.int64))
    top = rows[order[rows] == best[pair[rows]]]  # the furthest: first row at the max order
    chosen = np.full(n_c * n_l, len(order), dtype=np.int64)
    np.minimum.at(chosen, pair[top], top)
    chosen = chosen[chosen < len(order)]
    stopped = np.bincount(cell[chosen], minlength=n_c * n_a)
    cdtype, adtype = status["course"].dtype, status["activity"].dtype

    def by_activity(counts: np.ndarray, name: str) -> pd.Series:
        at = np.flatnonzero(counts)
        index = pd.MultiIndex.from_arrays(
            [
                pd.Categorical.from_codes(at // n_a, dtype=cdtype),
                pd.Categorical.from_codes(at % n_a, dtype=adtype),
            ],
            names=["course", "activity"],
        )
        return pd.Series(counts[at].astype(np.int64), index=index, name=name)

    at = np.flatnonzero(per_course)
    learners = pd.Series(
        per_course[at].astype(np.int64),
        name="learners",
        index=pd.CategoricalIndex(pd.Categorical.from_codes(at, dtype=cdtype), name="course"),
    )
    return acts, learners, by_activity(reached, "reached"), by_activity(stopped, "stopped_here")


def _factorized(values: pd.Series) -> tuple[np.ndarray, int]:
    codes, uniques = pd.factorize(values)
    return codes.astype(np.int64), len(uniques)


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
