"""Progress and completion: each learner's status on each activity, and its summaries.

Status of a learner on an activity (:func:`activity_status`), one of :data:`STATUSES`:

- lesson: ``done`` when a ``completed`` (lesson) or ``reflected`` event names it,
  ``started`` when any other event belongs to it, else ``not_started``;
- assignment: ``done`` when submitted by the learner's deadline (due date, or their
  extension), ``late`` when submitted after it, ``missed`` when not submitted and the
  deadline has passed at ``now``, ``started`` when an event belongs to it (opened,
  reflection), else ``not_started``.

"Reached" means anything but ``not_started`` (and ``missed`` without a trace counts as
not reached); "completed" means ``done`` or ``late``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .frames import ClassData

STATUSES = ("not_started", "started", "done", "late", "missed")
COMPLETED = ("done", "late")


def now_or_default(now: pd.Timestamp | str | None) -> pd.Timestamp:
    """``now`` as a UTC timestamp; the current time when None."""
    if now is None:
        return pd.Timestamp.now(tz="UTC")
    stamp = pd.Timestamp(now)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def deadlines(data: ClassData) -> pd.DataFrame:
    """Each enrolled learner's deadline on each assignment: ``course, learner, activity,
    due, deadline`` (the latest of the due date, an nbgrader extension and a recorded one)."""
    acts = data.activities[data.activities["kind"] == "assignment"][["course", "activity", "due"]]
    grid = data.learners[["course", "learner"]].drop_duplicates().merge(acts, on="course")
    grid["deadline"] = grid["due"]
    subs = data.submissions
    if len(subs):
        ext = subs[["course", "learner", "assignment", "deadline"]].rename(
            columns={"assignment": "activity", "deadline": "nb_deadline"}
        )
        grid = grid.merge(ext, on=["course", "learner", "activity"], how="left")
        grid["deadline"] = grid[["deadline", "nb_deadline"]].max(axis=1)
        grid = grid.drop(columns="nb_deadline")
    if len(data.extensions):
        ext = data.extensions.rename(columns={"assignment": "activity"})
        ext = ext.groupby(["course", "learner", "activity"], as_index=False)["until"].max()
        grid = grid.merge(ext, on=["course", "learner", "activity"], how="left")
        grid["deadline"] = grid[["deadline", "until"]].max(axis=1)
        grid = grid.drop(columns="until")
    return grid


def activity_status(data: ClassData, now: pd.Timestamp | str | None = None) -> pd.DataFrame:
    """One row per enrolled learner and activity: ``course, learner, activity, kind,
    module, order, status, first_at, last_at, submitted_at, deadline`` (``learner``,
    ``activity``, ``kind``, ``module`` and ``status`` are categoricals)."""
    moment = now_or_default(now)
    return data.memo(("status", moment), lambda: _status(data, moment))


def _codes(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Position of each of ``values`` in ``keys`` (-1 when absent); by category codes when
    both share one categorical dtype (as :func:`.frames.assemble` makes them)."""
    if isinstance(values.dtype, pd.CategoricalDtype) and values.dtype == keys.dtype:
        lut = np.full(len(keys.dtype.categories) + 1, -1, dtype=np.int64)
        lut[keys.cat.codes.to_numpy()] = np.arange(len(keys))
        return lut[values.cat.codes.to_numpy()]  # code -1 (missing) reads lut[-1] = -1
    index = pd.Index(keys.astype(object))
    return index.get_indexer(values.astype(object)).astype(np.int64)


def _at(keys: pd.Series, positions: np.ndarray) -> pd.Series | np.ndarray:
    """``keys`` at ``positions``, keeping a categorical dtype without touching text."""
    if isinstance(keys.dtype, pd.CategoricalDtype):
        return pd.Categorical.from_codes(keys.cat.codes.to_numpy()[positions], dtype=keys.dtype)
    return keys.to_numpy()[positions]


def _per_cell(size: int, key: np.ndarray, values: np.ndarray, how: str) -> np.ndarray:
    """``values`` reduced (min | max) per cell ``key`` of a learner × activity grid (int64
    nanoseconds; NaT where no value)."""
    out = np.full(
        size, np.iinfo(np.int64).min if how == "max" else np.iinfo(np.int64).max, dtype=np.int64
    )
    (np.maximum if how == "max" else np.minimum).at(out, key, values)
    out[(out == np.iinfo(np.int64).min) | (out == np.iinfo(np.int64).max)] = NAT
    return out


NAT = np.datetime64("NaT").astype(np.int64)


def _status(data: ClassData, moment: pd.Timestamp) -> pd.DataFrame:
    parts = []
    ev_all = data.events
    for cid in data.courses:
        learners = data.learners.loc[data.learners["course"] == cid, "learner"]
        learners = learners.drop_duplicates().reset_index(drop=True)
        acts = data.activities[data.activities["course"] == cid].sort_values("order")
        n_l, n_a = len(learners), len(acts)
        if not n_l or not n_a:
            continue
        activities = acts["activity"].reset_index(drop=True)
        size = n_l * n_a
        ev = ev_all[["learner", "activity", "timestamp", "verb", "object_type"]]
        if len(ev):
            mine = ev_all["course"] == cid
            ev = ev if mine.all() else ev[mine.to_numpy()]
        lc, ac = _codes(ev["learner"], learners), _codes(ev["activity"], activities)
        ok = (lc >= 0) & (ac >= 0)
        key = (lc * n_a + ac)[ok]
        stamps = _ns(ev["timestamp"])[ok]
        first = _per_cell(size, key, stamps, "min")
        last = _per_cell(size, key, stamps, "max")
        verb = ev["verb"]  # categorical comparisons: on the codes
        done_ev = (
            ((verb == "completed") & (ev["object_type"] == "lesson")) | (verb == "reflected")
        ).to_numpy()[ok]
        finished = np.zeros(size, dtype=bool)
        finished[key[done_ev]] = True
        submitted = np.full(size, NAT, dtype=np.int64)
        subs = data.submissions
        if len(subs):
            subs = subs[subs["course"] == cid]
            sl, sa = _codes(subs["learner"], learners), _codes(subs["assignment"], activities)
            sok = (sl >= 0) & (sa >= 0)
            sub_t = _ns(subs["timestamp"])
            submitted = _per_cell(size, (sl * n_a + sa)[sok], sub_t[sok], "max")
        due = _ns(acts["due"])
        deadline = np.tile(due, n_l)
        is_assignment = np.tile((acts["kind"] == "assignment").to_numpy(), n_l)
        deadline[~is_assignment] = NAT
        for frame, column, when in (
            (subs if len(data.submissions) else None, "assignment", "deadline"),
            (data.extensions, "assignment", "until"),
        ):
            if frame is None or not len(frame):
                continue
            frame = frame[frame["course"] == cid]
            el, ea = _codes(frame["learner"], learners), _codes(frame[column], activities)
            eok = (el >= 0) & (ea >= 0) & frame[when].notna().to_numpy()
            later = _ns(frame[when])
            idx = (el * n_a + ea)[eok]
            np.maximum.at(deadline, idx, later[eok])
        code = {name: i for i, name in enumerate(STATUSES)}
        status = np.full(size, code["not_started"], dtype=np.int8)
        touched = first != NAT
        has_sub = submitted != NAT
        status[touched] = code["started"]
        status[~is_assignment & finished] = code["done"]
        has_deadline = deadline != NAT
        late = is_assignment & has_sub & has_deadline & (submitted > deadline)
        status[is_assignment & has_sub & ~late] = code["done"]
        status[late] = code["late"]
        status[is_assignment & ~has_sub & has_deadline & (deadline < moment.value)] = code["missed"]
        first = np.where(touched, first, submitted)
        last = np.where(has_sub & ((last == NAT) | (submitted > last)), submitted, last)
        rep = np.arange(n_l).repeat(n_a)
        tile = np.tile(np.arange(n_a), n_l)
        course_dtype = data.learners["course"].dtype
        parts.append(
            pd.DataFrame(
                {
                    "course": pd.Categorical.from_codes(
                        np.full(size, course_dtype.categories.get_loc(cid)), dtype=course_dtype
                    )
                    if isinstance(course_dtype, pd.CategoricalDtype)
                    else cid,
                    "learner": _at(learners, rep),
                    "activity": _at(activities, tile),
                    "kind": _at(acts["kind"].astype("category").reset_index(drop=True), tile),
                    "module": _at(acts["module"].astype("category").reset_index(drop=True), tile),
                    "order": acts["order"].to_numpy()[tile],
                    "status": pd.Categorical.from_codes(status, categories=list(STATUSES)),
                    "first_at": _stamp(first),
                    "last_at": _stamp(last),
                    "submitted_at": _stamp(submitted),
                    "deadline": _stamp(deadline),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=STATUS_COLUMNS)
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return out[STATUS_COLUMNS]


STATUS_COLUMNS = [
    "course",
    "learner",
    "activity",
    "kind",
    "module",
    "order",
    "status",
    "first_at",
    "last_at",
    "submitted_at",
    "deadline",
]


def _ns(values: pd.Series) -> np.ndarray:
    """UTC datetimes as int64 nanoseconds (NaT as :data:`NAT`)."""
    naive = pd.to_datetime(values, utc=True).dt.tz_localize(None).astype("datetime64[ns]")
    return naive.to_numpy().view(np.int64)


def _stamp(values: np.ndarray) -> pd.Series:
    return pd.Series(values.astype("datetime64[ns]")).dt.tz_localize("UTC")


def _summary(status: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Counts per group of ``by`` (as ``groupby(by, observed=True)``: groups in the order
    of the categories' codes, then of values), computed on integer codes (see .codes)."""
    from .codes import combine, compact

    if not len(status):
        return _summary_by_labels(status, by)
    parts: list[tuple[np.ndarray, int]] = []
    labels: list[Any] = []  # per key: its distinct values when not a categorical
    for name in by:
        col = status[name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            parts.append((col.cat.codes.to_numpy().astype(np.int64), len(col.cat.categories)))
            labels.append(None)
        else:
            codes, uniques = pd.factorize(col, sort=True)
            parts.append((codes.astype(np.int64), len(uniques)))
            labels.append(np.asarray(uniques))
    key, size = combine(*parts)
    groups, at = compact(key, size)
    ok = at >= 0
    at = at[ok]
    n = len(groups)
    code = (
        status["status"].cat.codes.to_numpy()[ok]
        if isinstance(status["status"].dtype, pd.CategoricalDtype)
        and list(status["status"].cat.categories) == list(STATUSES)
        else None
    )
    if code is None:
        return _summary_by_labels(status, by)
    index = {name: i for i, name in enumerate(STATUSES)}

    def count(which: tuple[str, ...]) -> np.ndarray:
        hit = np.isin(code, [index[w] for w in which])
        return np.bincount(at[hit], minlength=n).astype(np.int64)

    last = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last, at, _ns(status["last_at"])[ok])
    out: dict[str, np.ndarray] = {}
    rest = groups
    for (_, width), name in zip(reversed(parts), reversed(by), strict=True):
        rest, mine = np.divmod(rest, width)
        out[name] = mine
    columns = {
        name: pd.Categorical.from_codes(out[name], dtype=status[name].dtype)
        if u is None
        else pd.Series(u[out[name]], dtype=status[name].dtype).array
        for name, u in zip(by, labels, strict=True)
    }
    frame = pd.DataFrame(columns)
    frame["activities"] = np.bincount(at, minlength=n).astype(np.int64)
    frame["reached"] = count(("started", "done", "late"))
    frame["completed"] = count(COMPLETED)
    frame["late"] = count(("late",))
    frame["missed"] = count(("missed",))
    frame["last_at"] = _stamp(last)
    frame["completion"] = frame["completed"] / frame["activities"]
    return frame


def _summary_by_labels(status: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """:func:`_summary` by a pandas group-by on the labels (empty or unusual frames)."""
    flags = status.assign(
        reached=status["status"].isin(("started", "done", "late")),
        completed=status["status"].isin(COMPLETED),
        late=status["status"] == "late",
        missed=status["status"] == "missed",
        one=1,
    )
    out = flags.groupby(by, as_index=False).agg(
        activities=("one", "sum"),
        reached=("reached", "sum"),
        completed=("completed", "sum"),
        late=("late", "sum"),
        missed=("missed", "sum"),
        last_at=("last_at", "max"),
    )
    out["completion"] = out["completed"] / out["activities"]
    return out


def progress_by_learner(status: pd.DataFrame) -> pd.DataFrame:
    """Per learner and course: ``activities, reached, completed, late, missed, last_at,
    completion`` (completed / activities)."""
    return _summary(status, ["course", "learner"])


def progress_by_activity(status: pd.DataFrame) -> pd.DataFrame:
    """Per activity in course order: ``activities`` (learners), ``reached, completed,
    late, missed, completion``."""
    out = _summary(status, ["course", "activity", "kind", "module", "order"])
    out = out.rename(columns={"activities": "learners"}).drop(columns="last_at")
    return out.sort_values(["course", "order"]).reset_index(drop=True)


def progress_by_module(status: pd.DataFrame) -> pd.DataFrame:
    """Per learner and module: ``activities, completed, completion`` and whether the
    module is ``finished`` (every activity completed)."""
    out = _summary(status, ["course", "learner", "module"])
    out["finished"] = out["completed"] == out["activities"]
    return out[["course", "learner", "module", "activities", "completed", "completion", "finished"]]
