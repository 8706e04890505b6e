"""Learners at risk, with reasons a tutor can act on.

Each rule compares one measure with a threshold of ``ParcoursConfig.risk_thresholds``
(a flag is raised when the measure is **at least** the threshold):

==================== ==================================================================
``days_inactive``     days since the learner's last event or submission (never active:
                      days since the course's first activity opened, else infinite)
``missed_deadlines``  assignments past the learner's deadline and not submitted
``late_submissions``  assignments submitted after the learner's deadline
``score_drop``        mean of earlier scores minus mean of the last two (needs three
                      scored activities; a lesson's score is its first-attempt quiz mean,
                      an assignment's is score / max score), in chronological order
``unanswered_quizzes`` share of the questions of the lessons the learner opened that they
                      never answered (questions from the quiz banks and from any answer)
``reflections_missing`` completed activities without a reflection
==================== ==================================================================
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .frames import ClassData
from .mastery import quiz_first
from .progress import activity_status, now_or_default

DEFAULT_THRESHOLDS: dict[str, float] = {
    "days_inactive": 7, "missed_deadlines": 1, "late_submissions": 2, "score_drop": 0.15,
    "unanswered_quizzes": 0.5, "reflections_missing": 2,
}
RULES = {  # rule -> measure column
    "days_inactive": "days_inactive", "missed_deadlines": "missed",
    "late_submissions": "late", "score_drop": "score_drop",
    "unanswered_quizzes": "unanswered", "reflections_missing": "reflections_missing",
}
REASONS = {
    "days_inactive": ("inactif depuis {v:.0f} jours", "inactive for {v:.0f} days"),
    "missed_deadlines": ("{v:.0f} devoir(s) non rendu(s) après l'échéance",
                         "{v:.0f} assignment(s) missed"),
    "late_submissions": ("{v:.0f} devoir(s) rendu(s) en retard",
                         "{v:.0f} assignment(s) handed in late"),
    "score_drop": ("scores en baisse de {p:.0f} points", "scores down by {p:.0f} points"),
    "unanswered_quizzes": ("{p:.0f} % des questions sans réponse",
                           "{p:.0f}% of questions unanswered"),
    "reflections_missing": ("{v:.0f} retour(s) réflexif(s) manquant(s)",
                            "{v:.0f} reflection(s) missing"),
}
RISK_COLUMNS = ["course", "learner", "days_inactive", "missed", "late", "score_drop",
                "unanswered", "reflections_missing", "reasons", "why_fr", "why_en",
                "n_reasons", "at_risk"]


def _empty_measure(name: str) -> pd.Series:
    index = pd.MultiIndex.from_arrays([[], []], names=["course", "learner"])
    return pd.Series(index=index, dtype=float, name=name)


def score_sequence(data: ClassData) -> pd.DataFrame:
    """Each learner's scored activities: ``course, learner, activity, timestamp, score``."""
    parts = []
    first = quiz_first(data)
    if len(first):
        q = first.groupby(["course", "learner", "lesson"], as_index=False).agg(
            timestamp=("timestamp", "max"), score=("value", "mean"))
        parts.append(q.rename(columns={"lesson": "activity"}))
    subs = data.submissions
    if len(subs):
        s = subs[subs["max_score"] > 0]
        parts.append(pd.DataFrame({
            "course": s["course"], "learner": s["learner"], "activity": s["assignment"],
            "timestamp": s["timestamp"], "score": s["score"] / s["max_score"],
        }))
    if not parts:
        return pd.DataFrame(columns=["course", "learner", "activity", "timestamp", "score"])
    return pd.concat(parts, ignore_index=True).dropna(subset=["score"])


def score_drops(data: ClassData, last: int = 2) -> pd.Series:
    """Per (course, learner): mean of earlier scores minus mean of the ``last`` ones
    (NaN with fewer than ``last + 1`` scored activities)."""
    seq = score_sequence(data).sort_values("timestamp", kind="stable")
    if seq.empty:
        return _empty_measure("score_drop")
    key = ["course", "learner"]
    groups = seq.groupby(key)  # grouped once for the ranks and counts
    gid = groups.ngroup().to_numpy()
    count = np.bincount(gid, minlength=groups.ngroups)[gid]
    rank = count - 1 - groups.cumcount().to_numpy()  # 0 = most recent
    keep = count > last
    seq, recent = seq[keep], rank[keep] < last
    before = seq[~recent].groupby(key)["score"].mean()  # pandas' sums: the same digits
    after = seq[recent].groupby(key)["score"].mean()
    return (before - after).rename("score_drop")


def unanswered_share(data: ClassData, status: pd.DataFrame) -> pd.Series:
    """Per (course, learner): share of the questions of their opened lessons unanswered."""
    ev = data.events
    answered = ev.loc[(ev["verb"] == "answered") & (ev["object_type"] == "question"),
                      ["course", "learner", "activity", "object_id"]]
    # one categorical dtype per key on both sides: joins on codes, not text
    qdtype = pd.CategoricalDtype(pd.Index(ev["object_id"].cat.categories).append(
        pd.Index(data.questions["question"])).unique())
    adtype = status["activity"].dtype
    bank = pd.concat([
        pd.DataFrame({"course": data.questions["course"].astype(status["course"].dtype),
                      "lesson": data.questions["lesson"].astype(adtype),
                      "question": data.questions["question"].astype(qdtype)}),
        pd.DataFrame({"course": answered["course"].astype(status["course"].dtype),
                      "lesson": answered["activity"].astype(adtype),
                      "question": answered["object_id"].cat.set_categories(qdtype.categories)}),
    ], ignore_index=True)
    bank = bank[~bank.duplicated()]
    opened = status[(status["kind"] == "lesson") & (status["status"] != "not_started")][
        ["course", "learner", "activity"]].rename(columns={"activity": "lesson"})
    due = opened.merge(bank, on=["course", "lesson"])
    if due.empty:
        return _empty_measure("unanswered")
    done = pd.DataFrame({
        "course": answered["course"].astype(status["course"].dtype),
        "learner": answered["learner"].astype(status["learner"].dtype),
        "question": answered["object_id"].cat.set_categories(qdtype.categories)})
    done = done[~done.duplicated()].assign(answered=True)
    due = due.merge(done, on=["course", "learner", "question"], how="left")
    missing = due["answered"].isna()
    return missing.groupby([due["course"], due["learner"]], observed=True).mean().rename(
        "unanswered")


def reflections_missing(data: ClassData, status: pd.DataFrame) -> pd.Series:
    """Per (course, learner): completed activities without a reflection event."""
    ev = data.events
    refl = ev.loc[ev["verb"] == "reflected", ["course", "learner", "activity"]]
    refl = refl.astype({name: status[name].dtype for name in ("course", "learner", "activity")})
    refl = refl[~refl.duplicated()].assign(reflected=True)
    done = status[status["status"].isin(("done", "late"))][["course", "learner", "activity"]]
    done = done.merge(refl, how="left")
    return done["reflected"].isna().groupby(
        [done["course"], done["learner"]], observed=True).sum().rename("reflections_missing")


def _by_learner(index: pd.MultiIndex, parts: list[tuple[pd.DataFrame, pd.Series]],
                how: str) -> np.ndarray | pd.Series | None:
    """For each (course, learner) of ``index``: the latest datetime (``how`` 'max', NaT
    when none) or the sum of the booleans (``how`` 'sum') of ``values`` over the rows of
    each frame, on the integer codes of the shared categoricals; None when a frame's
    keys do not share the index's categorical dtypes."""
    courses, learners = index.get_level_values(0), index.get_level_values(1)
    if not all(isinstance(k.dtype, pd.CategoricalDtype) for k in (courses, learners)):
        return None
    width = len(learners.dtype.categories)
    size = len(courses.dtype.categories) * width
    low = np.iinfo(np.int64).min
    acc = np.full(size, low, dtype=np.int64) if how == "max" else np.zeros(size, np.int64)
    for frame, values in parts:
        if not len(frame):
            continue
        if frame["course"].dtype != courses.dtype or frame["learner"].dtype != learners.dtype:
            return None
        c, lc = frame["course"].cat.codes.to_numpy(), frame["learner"].cat.codes.to_numpy()
        ok = (c >= 0) & (lc >= 0)
        at = c[ok].astype(np.int64) * width + lc[ok]
        if how == "max":
            stamps = pd.to_datetime(values, utc=True).astype("datetime64[ns, UTC]").array.asi8
            np.maximum.at(acc, at, stamps[ok])
        else:
            acc += np.bincount(at, weights=values.to_numpy()[ok], minlength=size).astype(
                np.int64)
    mine = courses.codes.astype(np.int64) * width + learners.codes
    unknown = (courses.codes < 0) | (learners.codes < 0)
    picked = acc[np.where(unknown, 0, mine)]
    picked[unknown] = low if how == "max" else 0
    if how == "sum":
        return picked
    return pd.Series(pd.DatetimeIndex(picked.view("datetime64[ns]")).tz_localize("UTC"),
                     index=index)


def at_risk(
    data: ClassData,
    thresholds: dict[str, Any] | None = None,
    now: pd.Timestamp | str | None = None,
    *,
    status: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every enrolled learner with the risk measures, the rules that fired (``reasons``:
    list of rule names), their explanation (``why_fr``, ``why_en``), ``n_reasons`` and
    ``at_risk``; learners most at risk first."""
    moment = now_or_default(now)
    limits = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    status = activity_status(data, moment) if status is None else status
    key = ["course", "learner"]
    if data.learners.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in RISK_COLUMNS})
    out = data.learners[key].drop_duplicates().set_index(key)
    latest = _by_learner(out.index, [(status, status["last_at"]),
                                     (data.events, data.events["timestamp"])], "max")
    if latest is not None:
        out["last_at"] = latest
    else:  # keys that do not share one categorical dtype: by labels
        last = status.groupby(key)["last_at"].max()
        ev_last = data.events.groupby(key)["timestamp"].max() if len(data.events) else None
        if ev_last is not None:
            last = pd.concat([last, ev_last], axis=1).max(axis=1)
        out["last_at"] = last.reindex(out.index)
    starts = data.activities.groupby("course")["opens"].min()
    starts.index = starts.index.astype(object)
    since = out["last_at"].fillna(pd.Series(starts.reindex(
        out.index.get_level_values("course").astype(object)).to_numpy(), index=out.index))
    days = (moment - since).dt.total_seconds() / 86400.0
    out["days_inactive"] = days.fillna(math.inf).clip(lower=0)
    missed = _by_learner(out.index, [(status, status["status"] == "missed")], "sum")
    if missed is not None:
        out["missed"] = missed
        out["late"] = _by_learner(out.index, [(status, status["status"] == "late")], "sum")
    else:
        counts = status.assign(missed=status["status"] == "missed",
                               late=status["status"] == "late").groupby(key)[
            ["missed", "late"]].sum()
        out = out.join(counts)
    out = out.join(score_drops(data))
    out = out.join(unanswered_share(data, status))
    out = out.join(reflections_missing(data, status))
    out[["missed", "late", "reflections_missing"]] = out[
        ["missed", "late", "reflections_missing"]].fillna(0).astype("int64")
    out["unanswered"] = out["unanswered"].fillna(0.0)
    reasons: list[list[str]] = [[] for _ in range(len(out))]
    why_fr: list[list[str]] = [[] for _ in range(len(out))]
    why_en: list[list[str]] = [[] for _ in range(len(out))]
    for rule, column in RULES.items():
        values = out[column].to_numpy(dtype=float)
        fired = values >= float(limits[rule])
        fr, en = REASONS[rule]
        said: dict[float, tuple[str, str]] = {}  # measures repeat: format each value once
        for i in fired.nonzero()[0]:
            v = values[i]
            reasons[i].append(rule)
            if v not in said:
                said[v] = (("jamais actif", "never active") if math.isinf(v)
                           else (fr.format(v=v, p=v * 100), en.format(v=v, p=v * 100)))
            why_fr[i].append(said[v][0])
            why_en[i].append(said[v][1])
    out["reasons"] = reasons
    out["why_fr"] = ["; ".join(w) for w in why_fr]
    out["why_en"] = ["; ".join(w) for w in why_en]
    out["n_reasons"] = [len(r) for r in reasons]
    out["at_risk"] = out["n_reasons"] > 0
    out = out.reset_index()[RISK_COLUMNS]
    return out.sort_values(["n_reasons", "days_inactive"], ascending=[False, False],
                           kind="stable").reset_index(drop=True)
