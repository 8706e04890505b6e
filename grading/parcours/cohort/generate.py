"""Synthetic learners with realistic behaviour, as event records and submission plans.

Each learner has a profile drawn from a seeded generator:

- ``ability`` (Beta(5, 3), mean ≈ 0.62) and a per-skill deviation (normal, sd 0.6 on the
  logit scale): varied skill, strengths and gaps;
- ``procrastination`` (Beta(2, 3)): how far into an activity's window they start, and
  the chance of handing an assignment in late (about one submission in ten, the most
  procrastinating more often, each assignment drawn on its own);
- ``dropout_at``: 15 % of learners stop for good at some activity (more often early and
  at assignments), the others go to the end;
- ``diligence`` (Beta(3, 2)): the chance of writing a reflection (asked before each
  hand-in, so more often on assignments — about three in four — than on lessons — about
  one in two); ``satisfaction`` (1..5, linked to ability) for module ratings.

When: a module's lessons are spread over the weeks before its assignments are due, one
after the other (from the end of the previous module, or the course's ``starts``), and
each assignment is worked on in its own window. A learner who has not dropped out is
therefore active most weeks, as in a real class (the weekly active share moves smoothly,
down only as learners drop out), and a week is now and then skipped (a lesson done a few
days after its slot).

Per lesson a learner who reaches it: ``opened`` (with the A/B ``version`` in ``extra``
when the lesson has versions), one ``answered`` per question (a second attempt after a
wrong first one), ``completed``, maybe ``reflected`` and, at a module's last lesson, maybe
``rated``. Per assignment: ``opened``, maybe ``reflected``, and a line in the submission
plan (submit time, late or not, expected fraction correct) that the demo turns into a
real notebook graded by the real pipeline. Events after ``start + weeks`` are cut (a
course in progress).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..analytics.abtest import ab_version
from ..analytics.manifests import activities_frame, questions_frame
from ..store.events import COLUMNS
from ..store.ids import pseudonymize

if TYPE_CHECKING:
    from ..course.model import Course

#: the event store's columns (:data:`parcours.store.events.COLUMNS`)
STORE_COLUMNS = list(COLUMNS)
PLAN_COLUMNS = ["student_id", "learner", "assignment", "submit_at", "late", "fraction_correct"]
DIFFICULTIES = [
    "Je ne savais pas par où commencer",
    "Syntaxe de pandas",
    "Comprendre la consigne",
    "Manque de temps",
    "",
]
#: share of learners who stop for good before the end
DROPOUT_SHARE = 0.15
HELP = [["notes de cours"], ["forum"], ["un pair"], ["documentation pandas"], []]


@dataclass
class Cohort:
    """A synthetic class: profiles, events (store schema) and submission plans."""

    course_id: str
    #: ``student_id, learner, ability, procrastination, dropout_at, diligence,
    #: satisfaction`` (and ``skill:<id>`` columns: per-skill ability, 0..1)
    learners: pd.DataFrame
    #: event records with the store's columns (``actor``, ISO ``timestamp``)
    events: pd.DataFrame
    #: ``student_id, learner, assignment, submit_at, late, fraction_correct``
    plans: pd.DataFrame


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def make_cohort(
    course: Course,
    n_learners: int,
    seed: int = 2026,
    weeks: float | None = None,
    *,
    salt: str,
    start: dt.datetime | None = None,
    questions_per_lesson: int = 3,
    id_prefix: str = "learner",
) -> Cohort:
    """A seeded synthetic cohort of ``n_learners`` for ``course``.

    Lessons without a quiz bank get ``questions_per_lesson`` synthetic questions
    (``<lesson>-q1`` ...). Activities without dates are spread a week apart from
    ``start`` (default: the first opening of an assignment, else the course's ``starts``;
    the demo gives the course's first morning). With ``weeks``, only what happens in the
    first ``weeks`` weeks after ``start`` is kept.
    """
    rng = np.random.default_rng(seed)
    n = int(n_learners)
    acts = activities_frame([course])
    bank = questions_frame([course])
    base = _course_start(course, acts, start)
    acts = _fill_windows(acts, base)
    slots = _lesson_slots(course, acts, base)
    cutoff = base + pd.Timedelta(weeks=weeks) if weeks is not None else None

    students = np.array([f"{id_prefix}{i:05d}" for i in range(n)], dtype=object)
    learners = np.array([pseudonymize(s, salt) for s in students], dtype=object)
    ability = rng.beta(5, 3, n)
    skills = [s.id for s in course.skills] or ["_"]
    skill_ab = {s: _expit(_logit(ability) + rng.normal(0, 0.6, n)) for s in skills}
    procrast = rng.beta(2, 3, n)
    diligence = rng.beta(3, 2, n)
    n_acts = len(acts)
    drops = rng.random(n) < DROPOUT_SHARE
    # early activities and assignments are where learners stop most
    weights = (
        np.array(
            [
                (1.0 / (1 + i * 0.15)) * (2.0 if k == "assignment" else 1.0)
                for i, k in enumerate(acts["kind"])
            ]
        )
        if n_acts
        else np.ones(1)
    )
    dropout_at = np.where(
        drops, rng.choice(max(n_acts, 1), n, p=weights / weights.sum()), n_acts + 1
    ).astype(int)
    satisfaction = np.clip(np.rint(1 + 4 * rng.beta(2 + 4 * ability, 2)), 1, 5).astype(int)
    profiles = pd.DataFrame(
        {
            "student_id": students,
            "learner": learners,
            "ability": ability,
            "procrastination": procrast,
            "dropout_at": dropout_at,
            "diligence": diligence,
            "satisfaction": satisfaction,
            **{f"skill:{s}": skill_ab[s] for s in skills if s != "_"},
        }
    )

    cols: dict[str, list[np.ndarray]] = {
        c: []
        for c in (
            "ts",
            "who",
            "verb",
            "otype",
            "oid",
            "lesson",
            "score",
            "success",
            "dur",
            "attempt",
            "extra",
        )
    }
    plans = []

    def emit(
        mask: np.ndarray,
        ts: np.ndarray,
        verb: str,
        otype: str,
        oid: str,
        lesson: str,
        score: np.ndarray | None = None,
        dur: np.ndarray | None = None,
        attempt: int | None = None,
        extra: np.ndarray | str = "{}",
    ) -> None:
        k = int(mask.sum())
        if not k:
            return
        cols["ts"].append(ts[mask])
        cols["who"].append(learners[mask])
        cols["verb"].append(np.full(k, verb, dtype=object))
        cols["otype"].append(np.full(k, otype, dtype=object))
        cols["oid"].append(np.full(k, oid, dtype=object))
        cols["lesson"].append(np.full(k, lesson, dtype=object))
        cols["score"].append(score[mask] if score is not None else np.full(k, np.nan))
        cols["success"].append(
            (score[mask] >= 1).astype(float) if score is not None else np.full(k, np.nan)
        )
        cols["dur"].append(dur[mask] if dur is not None else np.full(k, np.nan))
        cols["attempt"].append(np.full(k, np.nan if attempt is None else attempt))
        cols["extra"].append(
            extra[mask] if isinstance(extra, np.ndarray) else np.full(k, extra, dtype=object)
        )

    last_lesson_of_module = {m.lessons[-1].id for m in course.modules}
    for _, act in acts.iterrows():
        reached = dropout_at > act["order"]
        opens, due = act["opens"].value, act["due"].value
        if act["kind"] == "lesson":  # its own slot in the weeks before the module's due
            opens, due = slots[act["activity"]]
        span = max(due - opens, 3600 * 10**9)
        jitter = rng.normal(0, 0.12, n)
        # now and then a lesson slips a few days past its slot (a week skipped)
        slip = np.where(rng.random(n) < 0.08, rng.uniform(0.3, 0.8, n), 0.0)
        frac = np.clip(procrast * 0.85 + jitter, 0.0, 0.97) + slip
        if act["kind"] == "assignment":
            frac = np.clip(procrast * 0.9 + jitter, 0.0, 0.95)
        start_at = (opens + frac * span).astype("int64")
        skills_here = [s for s in act["skills"] if s in skill_ab] or skills
        p_skill = (
            np.mean([skill_ab[s] for s in skills_here], axis=0)
            if "_" not in skills_here
            else ability
        )
        t = start_at.copy()
        if act["kind"] == "lesson":
            lesson = act["activity"]
            versions = sorted(course.lesson(lesson).versions)
            extra_open: np.ndarray | str = "{}"
            boost = np.zeros(n)
            if versions:
                chosen = np.array([ab_version(w, lesson, versions, seed) for w in learners])
                extra_open = np.array([json.dumps({"version": v}) for v in chosen], dtype=object)
                boost = np.where(chosen == versions[-1], 0.3, 0.0)
            emit(reached, t, "opened", "lesson", lesson, lesson, extra=extra_open)
            qs = bank.loc[bank["lesson"] == lesson, "question"].tolist() or [
                f"{lesson}-q{i + 1}" for i in range(questions_per_lesson)
            ]
            for q in qs:
                difficulty = rng.normal(0, 0.7)
                p1 = _expit(_logit(p_skill) + boost - difficulty)
                ok1 = (rng.random(n) < p1).astype(float)
                answered = reached & (rng.random(n) < 0.92)
                dur1 = rng.lognormal(3.4, 0.6, n)
                t = t + (dur1 * 1e9).astype("int64") + rng.integers(10, 120, n) * 10**9
                emit(answered, t, "answered", "question", q, lesson, ok1, dur1, 1)
                retry = answered & (ok1 < 1)
                ok2 = (rng.random(n) < np.minimum(p1 + 0.3, 0.97)).astype(float)
                dur2 = rng.lognormal(3.0, 0.5, n)
                t = t + (dur2 * 1e9).astype("int64")
                emit(retry, t, "answered", "question", q, lesson, ok2, dur2, 2)
            finished = reached & (rng.random(n) < 0.95)
            t = t + rng.integers(60, 600, n) * 10**9
            emit(finished, t, "completed", "lesson", lesson, lesson, dur=(t - start_at) / 1e9)
            kind = "lesson"
        else:
            lesson = act["activity"]
            emit(reached, t, "opened", "assignment", lesson, lesson)
            finished = reached.copy()
            work = rng.lognormal(np.log(act["minutes"] * 60 * 1.3), 0.4, n)
            late = rng.random(n) < 0.03 + 0.35 * procrast**2
            late_push = np.where(late, 3600 + rng.exponential(1.5 * 86400, n), 0.0)
            submit = np.maximum(
                t + (work * 1e9).astype("int64"),
                np.where(late_push > 0, due + (late_push * 1e9).astype("int64"), 0),
            ).astype("int64")
            submit = np.where(
                late_push > 0, submit, np.minimum(submit, due - rng.integers(600, 7200, n) * 10**9)
            )
            submit = np.maximum(submit, t + 600 * 10**9)
            frac = np.clip(p_skill + rng.normal(0, 0.1, n), 0, 1)
            keep = finished if cutoff is None else finished & (submit <= cutoff.value)
            plans.append(
                pd.DataFrame(
                    {
                        "student_id": students[keep],
                        "learner": learners[keep],
                        "assignment": lesson,
                        "submit_at": pd.to_datetime(submit[keep], utc=True),
                        "late": submit[keep] > due,
                        "fraction_correct": frac[keep],
                    }
                )
            )
            t = submit - rng.integers(60, 900, n) * 10**9
            kind = "assignment"
        asked = 0.45 + 0.5 * diligence if act["kind"] == "assignment" else 0.15 + 0.6 * diligence
        refl = finished & (rng.random(n) < asked)
        minutes = np.maximum(
            1, np.rint(act["minutes"] * rng.lognormal(0.15, 0.35, n) * (1.4 - 0.6 * ability))
        ).astype(int)
        conf = np.clip(np.rint(1 + 4 * ability + rng.normal(0, 0.7, n)), 1, 5).astype(int)
        pick = rng.integers(0, len(DIFFICULTIES), n)
        extras = np.array(
            [
                json.dumps(
                    {
                        "minutes": int(m),
                        "difficulties": DIFFICULTIES[d],
                        "help": HELP[d],
                        "confidence": int(c),
                    },
                    ensure_ascii=False,
                )
                if r
                else "{}"
                for m, d, c, r in zip(minutes, pick, conf, refl, strict=True)
            ],
            dtype=object,
        )
        emit(refl, t + 30 * 10**9, "reflected", kind, lesson, lesson, extra=extras)
        if kind == "lesson" and lesson in last_lesson_of_module:
            rate = finished & (rng.random(n) < 0.6)
            nps = np.clip(np.rint(satisfaction * 2 + rng.normal(0, 1, n)), 0, 10).astype(int)
            ext = np.array(
                [
                    json.dumps({"rating": int(s), "nps": int(p), "comment": ""}) if r else "{}"
                    for s, p, r in zip(satisfaction, nps, rate, strict=True)
                ],
                dtype=object,
            )
            emit(rate, t + 60 * 10**9, "rated", "module", act["module"], lesson, extra=ext)

    events = _assemble_events(cols, course.id, rng)
    if cutoff is not None and len(events):
        events = events[events["_ts"] <= cutoff.value]
    events = events.drop(columns="_ts").reset_index(drop=True)
    plan = pd.concat(plans, ignore_index=True) if plans else pd.DataFrame(columns=PLAN_COLUMNS)
    return Cohort(course.id, profiles, events, plan[PLAN_COLUMNS])


def _lesson_slots(
    course: Course, acts: pd.DataFrame, base: pd.Timestamp
) -> dict[str, tuple[int, int]]:
    """Lesson id -> (start, end) in ns: the time a learner of average pace gives it. A
    module's lessons share, in order, the time from the end of the previous module (the
    course's ``starts``, else ``base``, for the first) to a day before its first due date
    (its window's end when it has no assignment)."""
    day = pd.Timedelta(days=1)
    begin = base
    if course.starts is not None:
        starts = pd.Timestamp(course.starts).tz_localize(course.timezone).tz_convert("UTC")
        starts += pd.Timedelta(hours=8)  # the first morning, not its midnight
        begin = min(begin, starts)
    slots: dict[str, tuple[int, int]] = {}
    for module in course.modules:
        mine = acts[(acts["module"] == module.id)]
        lessons = mine[mine["kind"] == "lesson"]
        work = mine[mine["kind"] == "assignment"]
        end = (work["due"].min() - day) if len(work) else lessons["due"].max()
        if pd.isna(end) or end <= begin:
            end = begin + pd.Timedelta(days=7 * max(len(lessons), 1))
        step = (end - begin) / max(len(lessons), 1)
        for i, lesson in enumerate(lessons["activity"]):
            slots[lesson] = ((begin + step * i).value, (begin + step * (i + 1)).value)
        later = work["due"].max() if len(work) else end
        begin = max(end, later) if not pd.isna(later) else end
    return slots


def _course_start(course: Course, acts: pd.DataFrame, start: dt.datetime | None) -> pd.Timestamp:
    if start is not None:
        stamp = pd.Timestamp(start)
        return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    if acts["opens"].notna().any():
        return acts["opens"].min()
    if course.starts is not None:
        return pd.Timestamp(course.starts).tz_localize(course.timezone).tz_convert("UTC")
    return pd.Timestamp("2026-09-07T08:00:00Z")


def _fill_windows(acts: pd.DataFrame, base: pd.Timestamp) -> pd.DataFrame:
    """Activities without dates get one week each, in course order, from ``base``."""
    acts = acts.copy()
    week = pd.Timedelta(days=7)
    missing = acts["due"].isna()
    acts.loc[missing, "opens"] = [base + week * i for i in acts.loc[missing, "order"]]
    acts.loc[missing, "due"] = [base + week * (i + 1) for i in acts.loc[missing, "order"]]
    acts["opens"] = acts["opens"].fillna(acts["due"] - week)
    return acts


def _assemble_events(
    cols: dict[str, list[np.ndarray]], course_id: str, rng: np.random.Generator
) -> pd.DataFrame:
    if not cols["ts"]:
        return pd.DataFrame(columns=[*STORE_COLUMNS, "_ts"])
    ts = np.concatenate(cols["ts"]).astype("int64")
    k = len(ts)
    hi = rng.integers(0, 2**63 - 1, k, dtype=np.int64)
    lo = rng.integers(0, 2**63 - 1, k, dtype=np.int64)
    ids = np.char.add(
        np.char.zfill(np.char.mod("%x", hi).astype(str), 16),
        np.char.zfill(np.char.mod("%x", lo).astype(str), 16),
    )
    stamps = np.char.add(np.datetime_as_string(ts.astype("datetime64[ns]"), unit="us"), "+00:00")
    frame = pd.DataFrame(
        {
            "id": ids.astype(object),
            "schema_version": 1,
            "timestamp": stamps.astype(object),
            "actor": np.concatenate(cols["who"]),
            "verb": np.concatenate(cols["verb"]),
            "course": course_id,
            "object_type": np.concatenate(cols["otype"]),
            "object_id": np.concatenate(cols["oid"]),
            "lesson": np.concatenate(cols["lesson"]),
            "score": np.concatenate(cols["score"]),
            "success": np.concatenate(cols["success"]),
            "response": None,
            "duration_s": np.round(np.concatenate(cols["dur"]), 3),
            "attempt": np.concatenate(cols["attempt"]),
            "extra": np.concatenate(cols["extra"]),
            "self_reported": 1,
            "_ts": ts,
        }
    )
    return frame.sort_values("_ts", kind="stable")
