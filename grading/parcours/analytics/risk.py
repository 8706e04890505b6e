"""Learners at risk, with reasons a tutor can act on.

Each rule compares one measure with a threshold of ``ParcoursConfig.risk_thresholds``
(defaults: :data:`parcours.config.RISK_THRESHOLDS`; a rule fires when the measure is
**at least** the threshold):

==================== ==================================================================
``days_inactive``     days since the learner's last event or submission (never active:
                      days since the course's first activity opened, else infinite)
``missed_deadlines``  assignments past the learner's deadline and not submitted
``late_submissions``  assignments submitted after the learner's deadline
``score_drop``        mean of earlier scores minus mean of the last two (needs three
                      scored activities; a lesson's score is its first-attempt quiz mean,
                      an assignment's is score / max score, once nothing in it waits
                      for a grade by hand), in chronological order;
                      fires only when the last two are also under ``score_drop_below``
                      (a fall from 100 % to 80 % is no worry)
``unanswered_quizzes`` share of the questions of the lessons the learner opened that they
                      never answered (questions from the quiz banks and from any answer)
``reflections_missing`` completed activities without a reflection: a *supporting* reason,
                      said with another one, never flagging a learner on its own (a
                      reflection is asked, not required)
==================== ==================================================================

Reasons are written in the language in force (gettext and babel, :func:`explain`);
``reasons`` (rule names) and the measures are what programs read.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..config import RISK_THRESHOLDS
from ..i18n import _, ngettext
from .codes import codes_in, combine, compact, dtype_of, reduce
from .frames import ClassData
from .mastery import quiz_first
from .progress import NAT, _ns, activity_status, now_or_default

DEFAULT_THRESHOLDS: dict[str, float] = dict(RISK_THRESHOLDS)
RULES = {  # rule -> measure column
    "days_inactive": "days_inactive",
    "missed_deadlines": "missed",
    "late_submissions": "late",
    "score_drop": "score_drop",
    "unanswered_quizzes": "unanswered",
    "reflections_missing": "reflections_missing",
}
#: rules said only beside another one (they never flag a learner on their own)
SUPPORTING = ("reflections_missing",)
RISK_COLUMNS = [
    "course",
    "learner",
    "days_inactive",
    "missed",
    "late",
    "score_drop",
    "recent_score",
    "unanswered",
    "reflections_missing",
    "reasons",
    "why",
    "n_reasons",
    "at_risk",
]


def whole_days(days: float) -> float:
    """Days of inactivity as a person counts them: the whole days gone by (16.7 → 16);
    never active stays infinite, unknown stays NaN. The reason's words (:func:`reason_text`)
    and the dashboards' "days inactive" column both show this number, so they agree."""
    return days if math.isinf(days) or math.isnan(days) else float(math.floor(days))


def reason_text(rule: str, value: float) -> str:
    """One fired rule in words, in the language in force."""
    from ..i18n import display

    if rule == "days_inactive":
        if math.isinf(value):
            return _("never active")
        n = int(whole_days(value))
        return ngettext("inactive for {n} day", "inactive for {n} days", n).format(n=n)
    n = round(value)
    if rule == "missed_deadlines":
        return ngettext("{n} assignment missed", "{n} assignments missed", n).format(n=n)
    if rule == "late_submissions":
        return ngettext(
            "{n} assignment handed in late", "{n} assignments handed in late", n
        ).format(n=n)
    if rule == "score_drop":
        return _("scores down by {points}").format(points=display.points(value))
    if rule == "unanswered_quizzes":
        return _("{share} of the questions unanswered").format(share=display.percent(value))
    if rule == "reflections_missing":
        return ngettext("{n} reflection missing", "{n} reflections missing", n).format(n=n)
    raise ValueError(f"unknown risk rule {rule!r}")


def _shown(rule: str, value: float) -> float | int:
    """The part of a measure :func:`reason_text` puts in words (whole days, whole points,
    a count): measures that show the same are said the same."""
    if rule == "days_inactive":
        return whole_days(value)
    if rule == "score_drop":
        return value if math.isnan(value) else round(abs(value) * 100)
    if rule == "unanswered_quizzes":
        return value
    return round(value)


def explain(risk: pd.DataFrame) -> list[str]:
    """Each row's reasons in words, in the language in force (``; `` between them): the
    ``why`` column again, for a page switched to another language."""
    measures: dict[str, list[float]] = {}
    # a class of thousands says the same few sentences: each worked out once
    words: dict[tuple[str, float | int], str] = {}
    between = _("; ")
    out = []
    for i, reasons in enumerate(risk["reasons"]):
        texts = []
        for rule in reasons:
            if rule not in measures:
                measures[rule] = risk[RULES[rule]].to_numpy(dtype=float).tolist()
            value = measures[rule][i]
            key = (rule, _shown(rule, value))
            if key not in words:
                words[key] = reason_text(rule, value)
            texts.append(words[key])
        out.append(between.join(texts))
    return out


class Pairs:
    """(course, learner) pairs of ``data.learners`` as one integer each, ``course code *
    width + learner code`` (see :mod:`.codes`)."""

    def __init__(self, learners: pd.DataFrame) -> None:
        self.course = dtype_of(learners["course"])
        self.learner = dtype_of(learners["learner"])
        self.width = len(self.learner.categories)
        self.size = len(self.course.categories) * self.width

    def of(self, frame: pd.DataFrame) -> np.ndarray:
        """The pair of each row of ``frame`` (-1 when not a known course and learner)."""
        return combine(
            (codes_in(frame["course"], self.course), len(self.course.categories)),
            (codes_in(frame["learner"], self.learner), self.width),
        )[0]

    def series(self, values: np.ndarray, present: np.ndarray, name: str) -> pd.Series:
        """``values`` (one per pair) of the ``present`` pairs, indexed by course, learner."""
        at = np.flatnonzero(present)
        course, learner = np.divmod(at, max(self.width, 1))
        index = pd.MultiIndex.from_arrays(
            [
                pd.Categorical.from_codes(course, dtype=self.course),
                pd.Categorical.from_codes(learner, dtype=self.learner),
            ],
            names=["course", "learner"],
        )
        return pd.Series(values[at], index=index, name=name)


def _waiting_for_hand_grading(data: ClassData) -> np.ndarray:
    """Per submission: a grade still waits for the teacher (its score is no result yet:
    the written answer counts 0 until she grades it)."""
    g = data.grades
    pending = g[g["needs_manual_grade"].astype(bool)]
    if pending.empty:
        return np.zeros(len(data.submissions), dtype=bool)
    key = ["course", "learner", "assignment"]
    dtypes = [dtype_of(pending[k]) for k in key]

    def keys(frame: pd.DataFrame) -> np.ndarray:
        return combine(
            *[(codes_in(frame[k], d), len(d.categories)) for k, d in zip(key, dtypes, strict=True)]
        )[0]

    waiting, mine = keys(pending), keys(data.submissions)
    return (mine >= 0) & np.isin(mine, waiting[waiting >= 0])


def _score_drops(data: ClassData, pairs: Pairs, last: int) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: mean of earlier scores minus mean of the ``last`` ones, in time order,
    and the mean of the ``last`` ones (NaN without ``last + 1`` scored activities)."""
    keys, stamps, scores = [], [], []
    first = quiz_first(data)
    if len(first):  # one score per (learner, lesson): its first attempts' mean, latest time
        lesson = first["lesson"].astype("category")
        group, size = combine(
            (pairs.of(first), pairs.size),
            (codes_in(lesson, lesson.dtype), len(lesson.cat.categories)),
        )
        uniq, at = compact(group, size)
        latest = np.full(len(uniq), NAT, dtype=np.int64)
        ok = at >= 0
        np.maximum.at(latest, at[ok], _ns(first["timestamp"])[ok])
        keys.append(uniq // len(lesson.cat.categories))
        stamps.append(latest)
        scores.append(reduce(first["value"].to_numpy(dtype=float), at, len(uniq), "mean"))
    subs = data.submissions
    if len(subs):
        s = subs[(subs["max_score"] > 0) & ~_waiting_for_hand_grading(data)]
        keys.append(pairs.of(s))
        stamps.append(_ns(s["timestamp"]))
        scores.append((s["score"] / s["max_score"]).to_numpy(dtype=float))
    out = np.full(pairs.size, np.nan)
    recent_mean = np.full(pairs.size, np.nan)
    if not keys:
        return out, recent_mean
    key, stamp, score = (np.concatenate(p) for p in (keys, stamps, scores))
    keep = ~np.isnan(score) & (key >= 0)
    key, stamp, score = key[keep], stamp[keep], score[keep]
    stamp[stamp == NAT] = np.iinfo(np.int64).max  # missing times last, as sort_values
    order = np.argsort(stamp, kind="stable")
    order = order[np.argsort(key[order], kind="stable")]  # by pair, in time order
    key, score = key[order], score[order]
    count = np.bincount(key, minlength=pairs.size)
    start = np.cumsum(count) - count
    rank = count[key] - 1 - (np.arange(len(key)) - start[key])  # 0 = most recent
    keep = count[key] > last
    key, score, recent = key[keep], score[keep], rank[keep] < last
    uniq, at = compact(key, pairs.size)
    before = reduce(np.where(recent, np.nan, score), at, len(uniq), "mean")
    after = reduce(np.where(recent, score, np.nan), at, len(uniq), "mean")
    out[uniq] = before - after
    recent_mean[uniq] = after
    return out, recent_mean


def _opened_and_done(
    status: pd.DataFrame,
    pairs: Pairs,
    adtype: pd.CategoricalDtype,
    wanted: tuple[str, ...],
    kind: str | None,
) -> tuple[np.ndarray, np.ndarray]:
    """(pair, activity code) of the status rows whose status is in ``wanted`` (and whose
    kind is ``kind`` when given)."""
    rows = status["status"].isin(wanted).to_numpy()
    if kind is not None:
        rows = rows & (status["kind"] == kind).to_numpy()
    part = status[rows]
    return pairs.of(part), codes_in(part["activity"], adtype)


def _unanswered(
    data: ClassData, status: pd.DataFrame, pairs: Pairs
) -> tuple[np.ndarray, np.ndarray]:
    """(questions due, questions answered among them) per pair: the questions of the
    lessons each learner opened."""
    ev = data.events
    rows = ((ev["verb"] == "answered") & (ev["object_type"] == "question")).to_numpy()
    answered = ev.loc[rows, ["course", "learner", "activity", "object_id"]]
    cdtype, adtype = pairs.course, dtype_of(status["activity"])
    n_c, n_a = len(cdtype.categories), len(adtype.categories)
    qdtype = pd.CategoricalDtype(
        pd.Index(dtype_of(ev["object_id"]).categories)
        .append(pd.Index(data.questions["question"], dtype=object))
        .unique()
    )
    n_q = len(qdtype.categories)
    q = data.questions
    bank, size = combine(
        (
            np.concatenate([codes_in(q["course"], cdtype), codes_in(answered["course"], cdtype)]),
            n_c,
        ),
        (
            np.concatenate([codes_in(q["lesson"], adtype), codes_in(answered["activity"], adtype)]),
            n_a,
        ),
        (
            np.concatenate(
                [codes_in(q["question"], qdtype), codes_in(answered["object_id"], qdtype)]
            ),
            n_q,
        ),
    )
    bank, _ = compact(bank, size)  # distinct (course, lesson, question)
    per_lesson = np.bincount(bank // n_q, minlength=n_c * n_a)
    who, lesson = _opened_and_done(
        status, pairs, adtype, ("started", "done", "late", "missed"), "lesson"
    )
    ok = (who >= 0) & (lesson >= 0)
    who, lesson = who[ok], lesson[ok]
    due = np.bincount(
        who, weights=per_lesson[(who // pairs.width) * n_a + lesson], minlength=pairs.size
    )
    opened = np.zeros(pairs.size * n_a + 1, dtype=bool)
    opened[who * n_a + lesson] = True
    done, dsize = combine(
        (pairs.of(answered), pairs.size), (codes_in(answered["object_id"], qdtype), n_q)
    )
    done, _ = compact(done, dsize)  # distinct (pair, question) answered
    # each answered question counts once per opened lesson of its course whose bank has it
    lessons = pd.DataFrame(
        {"cq": (bank // (n_a * n_q)) * n_q + bank % n_q, "lesson": (bank // n_q) % n_a}
    )
    hits = pd.DataFrame(
        {"cq": (done // n_q // pairs.width) * n_q + done % n_q, "pair": done // n_q}
    ).merge(lessons, on="cq")
    pair, hit = hits["pair"].to_numpy(), hits["lesson"].to_numpy()
    got = opened[pair * n_a + hit]
    return due, np.bincount(pair[got], minlength=pairs.size).astype(float)


def _reflections_missing(
    data: ClassData, status: pd.DataFrame, pairs: Pairs
) -> tuple[np.ndarray, np.ndarray]:
    """(completed activities, those without a reflection) per pair."""
    ev = data.events
    adtype = dtype_of(status["activity"])
    n_a = len(adtype.categories)
    refl = ev.loc[(ev["verb"] == "reflected").to_numpy(), ["course", "learner", "activity"]]
    r_key, size = combine((pairs.of(refl), pairs.size), (codes_in(refl["activity"], adtype), n_a))
    reflected = np.zeros(size + 1, dtype=bool)
    reflected[r_key[r_key >= 0]] = True
    who, act = _opened_and_done(status, pairs, adtype, ("done", "late"), None)
    key, _ = combine((who, pairs.size), (act, n_a))
    ok = who >= 0
    done = np.bincount(who[ok], minlength=pairs.size)
    missing = ok & ~reflected[np.where(key >= 0, key, size)]
    return done, np.bincount(who[missing], minlength=pairs.size)


def _by_learner(
    index: pd.MultiIndex, parts: list[tuple[pd.DataFrame, pd.Series]], how: str
) -> np.ndarray | pd.Series | None:
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
            acc += np.bincount(at, weights=values.to_numpy()[ok], minlength=size).astype(np.int64)
    mine = courses.codes.astype(np.int64) * width + learners.codes
    unknown = (courses.codes < 0) | (learners.codes < 0)
    picked = acc[np.where(unknown, 0, mine)]
    picked[unknown] = low if how == "max" else 0
    if how == "sum":
        return picked
    return pd.Series(
        pd.DatetimeIndex(picked.view("datetime64[ns]")).tz_localize("UTC"), index=index
    )


def at_risk(
    data: ClassData,
    thresholds: dict[str, Any] | None = None,
    now: pd.Timestamp | str | None = None,
    *,
    status: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every enrolled learner with the risk measures, the rules that fired (``reasons``:
    list of rule names), their explanation in the language in force (``why``; again in
    another language with :func:`explain`), ``n_reasons`` (rules that flag, the supporting
    one not counted) and ``at_risk``; learners most at risk first."""
    moment = now_or_default(now)
    limits = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    status = activity_status(data, moment) if status is None else status
    key = ["course", "learner"]
    if data.learners.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in RISK_COLUMNS})
    out = data.learners[key].drop_duplicates().set_index(key)
    latest = _by_learner(
        out.index, [(status, status["last_at"]), (data.events, data.events["timestamp"])], "max"
    )
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
    since = out["last_at"].fillna(
        pd.Series(
            starts.reindex(out.index.get_level_values("course").astype(object)).array,
            index=out.index,
        )
    )
    days = (moment - since).dt.total_seconds() / 86400.0
    out["days_inactive"] = days.fillna(math.inf).clip(lower=0)
    missed = _by_learner(out.index, [(status, status["status"] == "missed")], "sum")
    if missed is not None:
        out["missed"] = missed
        out["late"] = _by_learner(out.index, [(status, status["status"] == "late")], "sum")
    else:
        counts = (
            status.assign(missed=status["status"] == "missed", late=status["status"] == "late")
            .groupby(key)[["missed", "late"]]
            .sum()
        )
        out = out.join(counts)
    pairs = Pairs(data.learners)
    mine = pairs.of(out.index.to_frame(index=False))
    known = mine >= 0
    at = np.where(known, mine, 0)

    def per_learner(values: np.ndarray, missing: float) -> np.ndarray:
        return np.where(known, values[at], missing)

    drops, recent = _score_drops(data, pairs, 2)
    out["score_drop"] = per_learner(drops, np.nan)
    out["recent_score"] = per_learner(recent, np.nan)
    due, got = _unanswered(data, status, pairs)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(due > 0, (due - got) / due, 0.0)
    out["unanswered"] = per_learner(share, 0.0)
    out["reflections_missing"] = per_learner(_reflections_missing(data, status, pairs)[1], 0)
    out[["missed", "late", "reflections_missing"]] = (
        out[["missed", "late", "reflections_missing"]].fillna(0).astype("int64")
    )
    fired = {}
    for rule, column in RULES.items():
        fired[rule] = out[column].to_numpy(dtype=float) >= float(limits[rule])
    fired["score_drop"] &= out["recent_score"].to_numpy(dtype=float) < float(
        limits["score_drop_below"]
    )
    flagged = np.zeros(len(out), dtype=bool)
    for rule, hit in fired.items():
        if rule not in SUPPORTING:
            flagged |= hit
    for rule in SUPPORTING:  # said only beside a reason of its own
        fired[rule] &= flagged
    names = list(RULES)
    hits = zip(*[fired[rule].tolist() for rule in names], strict=True)
    out["reasons"] = [[rule for rule, hit in zip(names, row, strict=True) if hit] for row in hits]
    out["n_reasons"] = np.add.reduce(
        [fired[r].astype(np.int64) for r in names if r not in SUPPORTING], dtype=np.int64
    )
    out["at_risk"] = flagged
    out["why"] = explain(out)
    out = out.reset_index()[RISK_COLUMNS]
    return out.sort_values(
        ["n_reasons", "days_inactive"], ascending=[False, False], kind="stable"
    ).reset_index(drop=True)
