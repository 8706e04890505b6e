"""Skill mastery per learner with its uncertainty: a Beta-Binomial model.

Why this model: classes are small and evidence per learner and skill is thin (a handful
of quiz questions, a few graded cells). A Beta posterior says how much we know as well as
what we know — two right answers out of two give a mean of 0.75 with a wide interval
(0.32–0.98 for a 90 % interval), not a certain 100 %. It needs no fitting across the
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
    ``value`` column (score, else success)."""
    answers = events[(events["verb"] == "answered") & (events["object_type"] == "question")]
    answers = answers.sort_values(["attempt", "timestamp"], na_position="last", kind="stable")
    first = answers.drop_duplicates(["course", "learner", "object_id"], keep="first")
    return first.assign(value=first["score"].fillna(first["success"])).sort_values(
        "timestamp", kind="stable"
    )


def evidence(data: ClassData) -> pd.DataFrame:
    """Every piece of evidence on a skill: ``course, learner, skill, source`` ('quiz' |
    'cell'), ``item`` (question or assignment/notebook/cell), ``timestamp, success``."""
    parts = []
    first = first_attempts(data.events)
    if len(first):
        skills = data.questions[["course", "question", "skills"]].rename(
            columns={"question": "object_id"}
        )
        lesson_skills = data.activities[data.activities["kind"] == "lesson"][
            ["course", "activity", "skills"]
        ].rename(columns={"activity": "lesson", "skills": "lesson_skills"})
        q = first.merge(skills, on=["course", "object_id"], how="left")
        q = q.merge(lesson_skills, on=["course", "lesson"], how="left")
        q["skills"] = q["skills"].where(q["skills"].notna(), q["lesson_skills"])
        q = q[q["skills"].notna()].explode("skills").dropna(subset=["skills", "value"])
        parts.append(pd.DataFrame({
            "course": q["course"], "learner": q["learner"], "skill": q["skills"],
            "source": "quiz", "item": q["object_id"], "timestamp": q["timestamp"],
            "success": q["value"].clip(0, 1),
        }))
    grades = data.grades
    if len(grades):
        skills = data.activities[data.activities["kind"] == "assignment"][
            ["course", "activity", "skills"]
        ].rename(columns={"activity": "assignment"})
        g = grades[grades["max_score"] > 0].merge(skills, on=["course", "assignment"])
        g = g.merge(
            data.submissions[["course", "learner", "assignment", "timestamp"]],
            on=["course", "learner", "assignment"], how="left",
        )
        g = g.explode("skills").dropna(subset=["skills"])
        parts.append(pd.DataFrame({
            "course": g["course"], "learner": g["learner"], "skill": g["skills"],
            "source": "cell", "item": g["assignment"] + "/" + g["notebook"] + "/" + g["cell"],
            "timestamp": g["timestamp"],
            "success": (g["score"] / g["max_score"]).clip(0, 1),
        }))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in EVIDENCE_COLUMNS})
    return pd.concat(parts, ignore_index=True)[EVIDENCE_COLUMNS]


def beta_posterior(
    n: pd.Series, successes: pd.Series, prior: tuple[float, float] = PRIOR,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Posterior ``mean, low, high`` of a Beta-Binomial model for each row."""
    from scipy.stats import beta

    a = prior[0] + successes.astype(float)
    b = prior[1] + n.astype(float) - successes.astype(float)
    tail = (1.0 - level) / 2.0
    return pd.DataFrame({
        "mean": a / (a + b),
        "low": beta.ppf(tail, a, b),
        "high": beta.ppf(1.0 - tail, a, b),
    }, index=n.index)


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
    ev = evidence(data)
    agg = ev.groupby(["course", "learner", "skill"], as_index=False).agg(
        n=("success", "size"), successes=("success", "sum")
    )
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
