"""Skill mastery per learner with its uncertainty: a Beta-Binomial model.

Why this model: classes are small and evidence per learner and skill is thin (a handful
of quiz questions, a few graded cells). A Beta posterior says how much we know as well as
what we know — two right answers out of two give a mean of 0.75 with a wide interval
(0.37–0.98 for a 90 % interval), not a certain 100 %. It needs no fitting across the
class (unlike IRT or an Elo rating with item difficulties), is exact, vectorised, and
explainable to a teacher: "3.5 points of success out of 5 pieces of evidence".

Evidence, per learner and skill:

- each quiz question's **first attempt** (later attempts come after the feedback and the
  explanation, so they measure reading the explanation): success = its ``score`` (0..1,
  else ``success``); the question's skills from its quiz bank, else its lesson's skills;
- each **graded cell** of a submitted assignment: success = ``score / max_score``; the
  assignment's skills (the manifest names skills per assignment, not per cell).

Each piece of evidence is one trial with a fractional success ``s`` in [0, 1]. With prior
``Beta(a, b)`` (default ``Beta(1, 1)``, uniform: no opinion before evidence; pass e.g.
``prior=(2, 2)`` to shrink more towards 0.5), the posterior after ``n`` trials with total
success ``S`` is ``Beta(a + S, b + n - S)``: ``mean = (a + S) / (a + b + n)`` and the
90 % credible interval is its 5 % and 95 % quantiles.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .frames import ClassData

#: default prior: Beta(1, 1), uniform
PRIOR = (1.0, 1.0)
#: credible interval reported (90 %)
LEVEL = 0.90
EVIDENCE_COLUMNS = ["course", "learner", "skill", "source", "item", "timestamp", "success"]
MASTERY_COLUMNS = ["course", "learner", "skill", "n", "successes", "mean", "low", "high"]


def first_attempts(events: pd.DataFrame) -> pd.DataFrame:
    """Quiz answers that are each learner's first attempt at each question, with a
    ``value`` column (score, else success), in time order."""
    rows = np.flatnonzero(
        ((events["verb"] == "answered") & (events["object_type"] == "question")).to_numpy()
    )
    answers = events[["course", "learner", "object_id", "attempt", "timestamp"]].iloc[rows]
    if not len(answers):
        return events.iloc[:0].assign(value=events["score"].iloc[:0])
    # by attempt then time (missing ones last, ties in event order), the first per
    # (course, learner, question), then in time order: positions only, one take at the end
    stamps = _ns_last(answers["timestamp"])
    order = np.lexsort((stamps, answers["attempt"].to_numpy(dtype=float)))
    ranked = answers.iloc[order]
    first = order[~ranked.duplicated(["course", "learner", "object_id"], keep="first").to_numpy()]
    first = first[np.argsort(stamps[first], kind="stable")]
    out = events.iloc[rows[first]]
    return out.assign(value=out["score"].fillna(out["success"]))


def _ns_last(stamps: pd.Series) -> np.ndarray:
    """Datetimes as int64 nanoseconds with NaT after every time (sorts last)."""
    ns = (
        stamps.array.asi8.copy()
        if hasattr(stamps.array, "asi8")
        else pd.to_datetime(stamps, utc=True).array.asi8.copy()
    )
    ns[ns == np.iinfo(np.int64).min] = np.iinfo(np.int64).max
    return ns


def quiz_first(data: ClassData) -> pd.DataFrame:
    """:func:`first_attempts` of ``data.events``, computed once per ClassData."""
    return data.memo("first_attempts", lambda: first_attempts(data.events))


def _explode(
    frame: pd.DataFrame,
    group: np.ndarray,
    table: list[tuple[str, ...]],
    skills: pd.CategoricalDtype,
) -> pd.DataFrame:
    """One row per (row, skill) of ``frame``, row i having the skills ``table[group[i]]``
    (vectorised: one pass per skill position, not per row; ``skill`` a categorical of
    ``skills``)."""
    parts = []
    where = {name: i for i, name in enumerate(skills.categories)}
    for k in range(max((len(t) for t in table), default=0)):
        code = np.array(
            [where[t[k]] if len(t) > k and t[k] != "" else -1 for t in table], dtype=np.int64
        )[group]
        keep = code >= 0
        parts.append(frame[keep].assign(skill=pd.Categorical.from_codes(code[keep], dtype=skills)))
    if not parts:
        return frame.iloc[:0].assign(skill=pd.Categorical([], dtype=skills))
    return pd.concat(parts, ignore_index=True)


def evidence(data: ClassData) -> pd.DataFrame:
    """Every piece of evidence on a skill: ``course, learner, skill, source`` ('quiz' |
    'cell'), ``item`` (question id or graded cell name), ``timestamp, success``."""
    return data.memo("evidence", lambda: _evidence(data))


def _evidence(data: ClassData) -> pd.DataFrame:
    parts = []
    skills = pd.CategoricalDtype(
        pd.Index(
            sorted(
                {
                    s
                    for column in (data.questions["skills"], data.activities["skills"])
                    for t in column
                    for s in t
                    if s != ""
                }
            ),
            dtype=object,
        )
    )
    sources = pd.CategoricalDtype(pd.Index(["cell", "quiz"], dtype=object))
    first = quiz_first(data).dropna(subset=["value"])
    if len(first):
        by_question = {
            (r.course, r.question): tuple(r.skills) for r in data.questions.itertuples(index=False)
        }
        by_lesson = {
            (r.course, r.activity): tuple(r.skills) for r in data.activities.itertuples(index=False)
        }
        # one lookup per distinct (course, question, lesson), not per answer
        keys = first.groupby(["course", "object_id", "lesson"], observed=True, sort=False)
        group = keys.ngroup().to_numpy()
        table = [
            by_question.get((c, q)) or by_lesson.get((c, lesson), ())
            for c, q, lesson in keys.size().index
        ]
        q = pd.DataFrame(
            {
                "course": first["course"].array,
                "learner": first["learner"].array,
                "source": pd.Categorical.from_codes(np.ones(len(first), np.int8), dtype=sources),
                "item": first["object_id"].to_numpy(),
                "timestamp": first["timestamp"].array,
                "success": first["value"].clip(0, 1).to_numpy(),
            }
        )
        parts.append(_explode(q, group, table, skills))
    grades = data.grades
    if len(grades):
        by_assignment = {
            (r.course, r.activity): tuple(r.skills)
            for r in data.activities.itertuples(index=False)
            if r.kind == "assignment"
        }
        g = grades[grades["max_score"] > 0]
        key = ["course", "learner", "assignment"]
        subs = data.submissions[[*key, "timestamp"]].drop_duplicates(key, keep="last")
        when = g[key].merge(subs, on=key, how="left")["timestamp"]
        c = pd.DataFrame(
            {
                "course": g["course"].array,
                "learner": g["learner"].array,
                "source": pd.Categorical.from_codes(np.zeros(len(g), np.int8), dtype=sources),
                "item": g["cell"].to_numpy(),
                "timestamp": when.array,
                "success": (g["score"] / g["max_score"]).clip(0, 1).to_numpy(),
            }
        )
        keys = g.groupby(["course", "assignment"], sort=False)
        table = [by_assignment.get(k, ()) for k in keys.size().index]
        parts.append(_explode(c, keys.ngroup().to_numpy(), table, skills))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in EVIDENCE_COLUMNS})
    out = pd.concat(parts, ignore_index=True)[EVIDENCE_COLUMNS]
    for name in ("course", "learner", "skill", "source"):
        out[name] = as_category(out[name])
    return out


def as_category(values: pd.Series) -> pd.Series:
    """``values.astype("category")`` as if from text — the categories used, sorted —
    computed on the codes when ``values`` is already a categorical (no text hashed)."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return values.astype("category")
    codes = values.cat.codes.to_numpy()
    cats = values.cat.categories
    positions = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(cats)))
    kept, inverse = np.unique(cats[positions].to_numpy(dtype=object), return_inverse=True)
    lut = np.full(len(cats) + 1, -1, dtype=np.int64)
    lut[positions] = inverse
    dtype = pd.CategoricalDtype(pd.Index(list(kept)))
    return pd.Series(
        pd.Categorical.from_codes(lut[codes], dtype=dtype), index=values.index, name=values.name
    )


def beta_posterior(
    n: pd.Series,
    successes: pd.Series,
    prior: tuple[float, float] = PRIOR,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Posterior ``mean, low, high`` of a Beta-Binomial model for each row."""
    from scipy.special import betaincinv  # the Beta quantile; scipy.stats takes 3x longer

    a = prior[0] + successes.astype(float)
    b = prior[1] + n.astype(float) - successes.astype(float)
    tail = (1.0 - level) / 2.0
    # learners share (a, b) pairs: each distinct pair's quantiles computed once
    if a.isna().any() or b.isna().any():
        at, da, db = np.arange(len(a)), a.to_numpy(dtype=float), b.to_numpy(dtype=float)
    else:
        at, distinct = pd.MultiIndex.from_arrays([a.to_numpy(), b.to_numpy()]).factorize()
        da = distinct.get_level_values(0).to_numpy(dtype=float)
        db = distinct.get_level_values(1).to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "mean": a / (a + b),
            "low": betaincinv(da, db, tail)[at],
            "high": betaincinv(da, db, 1.0 - tail)[at],
        },
        index=n.index,
    )


def skill_mastery(
    data: ClassData,
    prior: tuple[float, float] = PRIOR,
    level: float = LEVEL,
    *,
    complete: bool = True,
) -> pd.DataFrame:
    """Mastery per learner and skill: ``course, learner, skill, n`` (pieces of evidence),
    ``successes, mean, low, high`` (posterior mean and credible interval at ``level``).

    With ``complete`` every enrolled learner gets a row for every skill of their course;
    without evidence that row is the prior (n = 0).
    """
    agg = _evidence_counts(evidence(data))
    if complete:
        skills = pd.DataFrame(
            [(c.id, s.id) for c in data.courses.values() for s in c.skills],
            columns=["course", "skill"],
        )
        grid = data.learners[["course", "learner"]].drop_duplicates().merge(skills, on="course")
        agg = grid.merge(agg, on=["course", "learner", "skill"], how="outer")
    agg["n"] = agg["n"].fillna(0).astype("int64")
    agg["successes"] = agg["successes"].fillna(0.0).astype(float)
    post = beta_posterior(agg["n"], agg["successes"], prior, level)
    out = pd.concat([agg, post], axis=1)[MASTERY_COLUMNS]
    return out.sort_values(["course", "learner", "skill"]).reset_index(drop=True)


def _evidence_counts(ev: pd.DataFrame) -> pd.DataFrame:
    """``groupby(["course", "learner", "skill"], as_index=False)`` of the evidence with
    ``n`` (size) and ``successes`` (sum), on the integer codes of the keys."""
    from .codes import codes_in, combine, compact, dtype_of, reduce

    key = ["course", "learner", "skill"]
    if not len(ev) or not all(isinstance(ev[k].dtype, pd.CategoricalDtype) for k in key):
        return ev.groupby(key, as_index=False).agg(
            n=("success", "size"), successes=("success", "sum")
        )
    dtypes = [dtype_of(ev[k]) for k in key]
    parts = [(codes_in(ev[k], d), len(d.categories)) for k, d in zip(key, dtypes, strict=True)]
    group, size = combine(*parts)
    groups, at = compact(group, size)
    out: dict[str, object] = {}
    rest = groups
    for (_, width), dtype, name in zip(parts[::-1], dtypes[::-1], key[::-1], strict=True):
        rest, mine = np.divmod(rest, width)
        out[name] = pd.Categorical.from_codes(mine, dtype=dtype)
    frame = pd.DataFrame({name: out[name] for name in key})
    frame["n"] = np.bincount(at[at >= 0], minlength=len(groups)).astype(np.int64)
    frame["successes"] = reduce(ev["success"].to_numpy(dtype=float), at, len(groups), "sum")
    return frame
