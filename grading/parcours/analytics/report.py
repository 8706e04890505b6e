"""Per-learner and per-question results, and the full class report.

- :func:`learner_report`: one row per learner and course — progress, quiz mean, each
  assignment's score, lateness, risk.
- :func:`assignment_report`: one row per submission — the score the learner got (after
  the late penalty, as their feedback shows it), the raw score, the penalty, and how
  late (hours and days).
- :func:`question_report`: one row per question — quiz questions (from events) and graded
  cells (from the gradebook): learners, mean score, first-try success, attempts, time.
  (Per-question results are what ``nbgrader export`` does not give: nbgrader #938.)
- :func:`class_report`: everything a dashboard shows, computed once.
- :func:`write_report`: csv (two files), json (one object) or xlsx (two sheets).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import BadInputError
from .codes import codes_in, combine, compact, reduce
from .frames import ClassData

QUESTION_COLUMNS = [
    "course",
    "activity",
    "title",
    "question",
    "kind",
    "learners",
    "mean_score",
    "first_try_success",
    "mean_attempts",
    "median_seconds",
    "max_score",
]


def learner_report(
    data: ClassData,
    now: pd.Timestamp | str | None = None,
    *,
    thresholds: dict[str, Any] | None = None,
    status: pd.DataFrame | None = None,
    risk: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per learner and course: ``course, learner, completion, completed, late, missed,
    quiz_mean, score`` (after late penalties), ``raw_score, penalty, max_score,
    <assignment>`` (score fraction per assignment, after its penalty), ``at_risk, why``
    (in the language in force)."""
    from .mastery import quiz_first
    from .progress import activity_status, progress_by_learner
    from .risk import at_risk

    status = activity_status(data, now) if status is None else status
    risk = at_risk(data, thresholds, now, status=status) if risk is None else risk
    prog = progress_by_learner(status)[
        ["course", "learner", "completion", "completed", "late", "missed"]
    ]
    first = quiz_first(data)
    quiz = first.groupby(["course", "learner"])["value"].mean().rename("quiz_mean")
    out = prog.merge(quiz.reset_index(), how="left")
    subs = data.submissions
    if len(subs):
        tot = (
            subs.rename(columns={"late_penalty": "penalty"})
            .groupby(["course", "learner"])[["score", "raw_score", "penalty", "max_score"]]
            .sum()
        )
        out = out.merge(tot.reset_index(), how="left")
        frac = subs.assign(f=subs["score"] / subs["max_score"].where(subs["max_score"] > 0))
        wide = frac.pivot_table(
            index=["course", "learner"], columns="assignment", values="f", aggfunc="mean"
        )
        order = [
            a
            for a in data.activities.loc[data.activities["kind"] == "assignment", "activity"]
            if a in wide.columns
        ]
        out = out.merge(wide[order].reset_index(), how="left")
    else:
        out["score"], out["raw_score"], out["penalty"], out["max_score"] = 0.0, 0.0, 0.0, 0.0
    out = out.merge(risk[["course", "learner", "at_risk", "why"]], how="left")
    return out.sort_values(["course", "learner"]).reset_index(drop=True)


ASSIGNMENT_COLUMNS = [
    "course",
    "learner",
    "assignment",
    "title",
    "timezone",
    "submitted_at",
    "deadline",
    "late",
    "late_hours",
    "late_days",
    "raw_score",
    "penalty",
    "score",
    "max_score",
    "fraction",
]


def assignment_report(data: ClassData) -> pd.DataFrame:
    """Per submission: ``course, learner, assignment``, ``timezone`` (the zone the
    assignment's dates were written in: files show ``submitted_at`` and ``deadline`` in
    it), ``submitted_at, deadline`` (the learner's own, with any extension),
    ``late, late_hours, late_days`` (how late: hours read better under a day),
    ``raw_score, penalty`` (the late penalty the pipeline wrote into the gradebook),
    ``score`` (raw score minus penalty: what the learner's feedback and dashboard show),
    ``max_score, fraction``."""
    subs = data.submissions
    if subs.empty:
        return pd.DataFrame(columns=ASSIGNMENT_COLUMNS)
    hours = subs["days_late"].astype(float) * 24
    out = pd.DataFrame(
        {
            "course": subs["course"],
            "learner": subs["learner"],
            "assignment": subs["assignment"],
            "submitted_at": subs["timestamp"],
            "deadline": subs["deadline"],
            "late": subs["late"].astype(bool),
            "late_hours": hours,
            "late_days": subs["days_late"].astype(float),
            "raw_score": subs["raw_score"],
            "penalty": subs["late_penalty"],
            "score": subs["score"],
            "max_score": subs["max_score"],
            "fraction": subs["score"] / subs["max_score"].where(subs["max_score"] > 0),
        }
    )
    from ..course.zones import zone_of

    def zone(course_id: str, assignment_id: str) -> str:
        course = data.courses.get(course_id)
        if course is None:
            return "UTC"
        known = {a.id: a for a in course.assignments}
        return zone_of(course, known.get(assignment_id))

    out["timezone"] = _per_activity(out["course"], out["assignment"], zone)
    out["title"] = titles(data, out["course"], out["assignment"])
    out["_o"] = _orders(data, out["course"], out["assignment"])
    return (
        out.sort_values(["course", "learner", "_o"])
        .drop(columns="_o")
        .reset_index(drop=True)[ASSIGNMENT_COLUMNS]
    )


def question_report(data: ClassData) -> pd.DataFrame:
    """Per question: ``course, activity, question, kind`` ('quiz' | 'cell'), ``learners,
    mean_score`` (quiz: first attempts; cell: score / max), ``first_try_success,
    mean_attempts, median_seconds, max_score`` (cells)."""
    parts = []
    ev = data.events
    rows = ((ev["verb"] == "answered") & (ev["object_type"] == "question")).to_numpy()
    if rows.any():
        parts.append(_quiz_questions(data, ev[rows]))
    if len(data.grades):
        parts.append(_graded_cells(data.grades))
    if not parts:
        return pd.DataFrame(columns=QUESTION_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["title"] = titles(data, out["course"], out["activity"])
    out = out[QUESTION_COLUMNS]
    out["_o"] = _orders(data, out["course"], out["activity"])
    return out.sort_values(["course", "_o", "question"]).drop(columns="_o").reset_index(drop=True)


def titles(data: ClassData, courses: pd.Series, activities: pd.Series) -> list[str]:
    """The manifest's title of each (course, activity): what a person reads instead of
    the id ('' for an activity the manifest does not know)."""
    known = {
        (str(c), str(a)): str(t)
        for c, a, t in zip(
            data.activities["course"],
            data.activities["activity"],
            data.activities["title"],
            strict=True,
        )
    }
    return _per_activity(courses, activities, lambda c, a: known.get((str(c), str(a)), ""))


def _orders(data: ClassData, courses: pd.Series, activities: pd.Series) -> list[Any]:
    """Each (course, activity)'s place in its course (10**6 when the manifest does not
    know it: last)."""
    order = data.activities.set_index(["course", "activity"])["order"]
    return _per_activity(courses, activities, lambda c, a: order.get((c, a), 10**6))


def _per_activity(
    courses: pd.Series, activities: pd.Series, value: Callable[[Any, Any], Any]
) -> list[Any]:
    """``value(course, activity)`` of each row, worked out once per distinct pair (a
    class has thousands of rows per activity; missing labels are passed as they are)."""
    course, course_labels = pd.factorize(courses, use_na_sentinel=False)
    activity, activity_labels = pd.factorize(activities, use_na_sentinel=False)
    width = max(len(activity_labels), 1)
    pair, pairs = pd.factorize(course.astype(np.int64) * width + activity)
    values = [value(course_labels[k // width], activity_labels[k % width]) for k in pairs]
    return [values[i] for i in pair.tolist()]


def _groups(
    frame: pd.DataFrame, keys: list[str]
) -> tuple[list[tuple[np.ndarray, int]], list[pd.CategoricalDtype]]:
    """(codes, count) and dtype of each categorical column of ``keys``."""
    dtypes = [frame[k].astype("category").dtype for k in keys]
    return [
        (codes_in(frame[k], d), len(d.categories)) for k, d in zip(keys, dtypes, strict=True)
    ], dtypes


def _decode(
    groups: np.ndarray,
    parts: list[tuple[np.ndarray, int]],
    dtypes: list[pd.CategoricalDtype],
    names: list[str],
    frame: pd.DataFrame,
) -> dict[str, Any]:
    """The key columns of combined keys ``groups`` (categoricals where ``frame``'s are)."""
    out: dict[str, Any] = {}
    rest = groups
    for (_, width), dtype, name in zip(parts[::-1], dtypes[::-1], names[::-1], strict=True):
        rest, mine = np.divmod(rest, width)
        column = pd.Series(pd.Categorical.from_codes(mine, dtype=dtype))
        if isinstance(frame[name].dtype, pd.CategoricalDtype):
            out[name] = column
        else:  # labels, their dtype inferred as a groupby on them infers it
            out[name] = pd.Series(column.to_numpy(dtype=object))
    return {name: out[name] for name in names}


def _distinct_learners(group: np.ndarray, n_groups: int, learner: pd.Series) -> np.ndarray:
    """Distinct learners per group (``groupby(...)["learner"].nunique()``)."""
    codes = codes_in(learner, learner.astype("category").dtype)
    width = int(codes.max()) + 1 if len(codes) else 1
    pair, size = combine((group, n_groups), (codes, width))
    uniq, _ = compact(pair, size)
    return np.bincount(uniq // width, minlength=n_groups)


def _quiz_questions(data: ClassData, answers: pd.DataFrame) -> pd.DataFrame:
    """Quiz questions (first attempts, attempts per learner, median time), on codes."""
    from .mastery import quiz_first

    key = ["course", "lesson", "object_id"]
    parts, dtypes = _groups(answers, key)
    group, size = combine(*parts)
    first = quiz_first(data)
    f_group, _ = combine(
        *[(codes_in(first[k], d), n) for k, d, (_, n) in zip(key, dtypes, parts, strict=True)]
    )
    groups, at = compact(f_group, size)  # the questions with first attempts
    n = len(groups)
    lut = np.full(size + 1, -1, dtype=np.int64)
    lut[groups] = np.arange(n)
    a_at = lut[np.where(group >= 0, group, size)]
    ok = at >= 0
    learners = _distinct_learners(at[ok], n, first["learner"][ok])
    attempts = np.bincount(a_at[a_at >= 0], minlength=n)
    answered = _distinct_learners(a_at[a_at >= 0], n, answers["learner"][a_at >= 0])
    with np.errstate(divide="ignore", invalid="ignore"):
        tries = np.where(answered > 0, attempts / answered, np.nan)
    q = pd.DataFrame(_decode(groups, parts, dtypes, key, answers))
    q["learners"] = learners.astype(np.int64)
    q["mean_score"] = reduce(first["value"].to_numpy(dtype=float), at, n, "mean")
    q["first_try_success"] = reduce(first["success"].to_numpy(dtype=float), at, n, "mean")
    q["mean_attempts"] = tries
    q["median_seconds"] = reduce(answers["duration_s"].to_numpy(dtype=float), a_at, n, "median")
    q = q.rename(columns={"lesson": "activity", "object_id": "question"})
    return q.assign(kind="quiz", max_score=float("nan"))


def _graded_cells(grades: pd.DataFrame) -> pd.DataFrame:
    """Graded cells (score fraction, full marks, learners), on codes."""
    f = (grades["score"] / grades["max_score"].where(grades["max_score"] > 0)).to_numpy()
    question = _joined(grades["notebook"], grades["cell"])
    names = pd.Index(question.dropna().unique()).sort_values()
    key = ["course", "assignment"]
    parts, dtypes = _groups(grades, key)
    q_code = (
        names.get_indexer(question.astype(object)) if len(names) else np.full(len(question), -1)
    )
    group, size = combine(*parts, (q_code.astype(np.int64), max(len(names), 1)))
    groups, at = compact(group, size)
    n = len(groups)
    cols = _decode(groups // max(len(names), 1), parts, dtypes, key, grades)
    c = pd.DataFrame(cols)
    c["question"] = pd.Series(
        names.to_numpy()[groups % max(len(names), 1)] if len(names) else [], dtype=question.dtype
    )
    c["learners"] = _distinct_learners(at[at >= 0], n, grades["learner"][at >= 0]).astype(np.int64)
    c["mean_score"] = reduce(f, at, n, "mean")
    c["max_score"] = reduce(grades["max_score"].to_numpy(dtype=float), at, n, "max")
    c["first_try_success"] = reduce((f >= 1.0).astype(float), at, n, "mean")
    c = c.rename(columns={"assignment": "activity"})
    return c.assign(kind="cell", mean_attempts=float("nan"), median_seconds=float("nan"))


def _joined(notebook: pd.Series, cell: pd.Series) -> pd.Series:
    """``notebook + "/" + cell`` (missing when either is), each distinct pair joined once."""
    nb, nbs = pd.factorize(notebook)
    ce, ces = pd.factorize(cell)
    pair, pairs = pd.factorize(nb.astype(np.int64) * len(ces) + ce)
    names = np.array(
        [f"{nbs[k // len(ces)]}/{ces[k % len(ces)]}" if k >= 0 else "" for k in pairs], dtype=object
    )[pair]
    text = all(isinstance(s.dtype, pd.StringDtype) for s in (notebook, cell))
    out = pd.Series(names, index=notebook.index, dtype="str" if text else object)
    return out.where((nb >= 0) & (ce >= 0))


@dataclass
class ClassReport:
    """Every table of the coordinator's view, computed once from one :class:`ClassData`."""

    status: pd.DataFrame
    learners: pd.DataFrame
    assignments: pd.DataFrame
    activities: pd.DataFrame
    modules: pd.DataFrame
    kpis: pd.DataFrame
    trend: pd.DataFrame
    risk: pd.DataFrame
    funnel: pd.DataFrame
    mastery: pd.DataFrame
    daily_load: pd.DataFrame
    weekly_load: pd.DataFrame
    questions: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """Name -> frame, in declaration order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def class_report(
    data: ClassData,
    now: pd.Timestamp | str | None = None,
    *,
    thresholds: dict[str, Any] | None = None,
    validated_at: float | None = None,
) -> ClassReport:
    """The full class report: status, progress (learners, activities, modules), KPIs and
    trend, risk, funnel, mastery, workload, per-question results."""
    from .dropout import funnel
    from .kpi import VALIDATED_AT, kpi_trend, kpis
    from .mastery import skill_mastery
    from .progress import (
        activity_status,
        now_or_default,
        progress_by_activity,
        progress_by_module,
    )
    from .risk import at_risk
    from .workload import daily_load, weekly_load

    moment = now_or_default(now)
    v = VALIDATED_AT if validated_at is None else validated_at
    status = activity_status(data, moment)
    mastery = skill_mastery(data)
    risk = at_risk(data, thresholds, moment, status=status)
    daily = daily_load(data)
    return ClassReport(
        status=status,
        learners=learner_report(data, moment, status=status, risk=risk),
        assignments=assignment_report(data),
        activities=progress_by_activity(status),
        modules=progress_by_module(status),
        kpis=kpis(data, moment, validated_at=v, mastery=mastery),
        trend=kpi_trend(data, validated_at=v),
        risk=risk,
        funnel=funnel(status),
        mastery=mastery,
        daily_load=daily,
        weekly_load=weekly_load(daily, data),
        questions=question_report(data),
    )


FORMATS = ("csv", "json", "xlsx")


#: decimals kept in files (shares and scores: 0.167, not 0.16666666666666666)
DECIMALS = 3


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists to text, datetimes to ISO 8601 text with the offset (in the row's
    ``timezone`` when the table has one, else as stored) and numbers rounded to
    :data:`DECIMALS` decimals, for files a spreadsheet opens."""
    from ..course.zones import iso

    out = frame.copy()
    zones = out["timezone"] if "timezone" in out.columns else pd.Series("", index=out.index)
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            out[name] = [
                # rounded in UTC: a zoned wall clock may repeat an hour (display._local)
                None if pd.isna(v) else iso(v.tz_convert("UTC").floor("us").to_pydatetime(), z)
                for v, z in zip(col, zones, strict=True)
            ]
        elif col.dtype == object and col.map(lambda v: isinstance(v, list | tuple)).any():
            out[name] = col.map(lambda v: ";".join(v) if isinstance(v, list | tuple) else v)
        elif pd.api.types.is_float_dtype(col.dtype):
            out[name] = col.round(DECIMALS)
    return out


def write_report(tables: dict[str, pd.DataFrame], fmt: str, out: Path) -> list[Path]:
    """Write ``tables`` as ``fmt``; csv writes one file per table (``<stem>-<name>.csv``),
    json one object of lists, xlsx one sheet per table. Returns the files written."""
    from ..i18n import _

    if fmt not in FORMATS:
        raise BadInputError(
            _("the report format '{format}' is not known: use one of {known}.").format(
                format=fmt, known=", ".join(FORMATS)
            )
        ).about("format")
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        written = []
        for name, frame in tables.items():
            path = out.with_name(f"{out.stem}-{name}.csv")
            _plain(frame).to_csv(path, index=False)
            written.append(path)
        return written
    if fmt == "json":
        import json

        payload = {
            name: _plain(frame).astype(object).where(frame.notna(), None).to_dict("records")
            for name, frame in tables.items()
        }
        out.write_text(
            json.dumps(payload, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
        return [out]
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for name, frame in tables.items():
            _plain(frame).to_excel(writer, sheet_name=name[:31], index=False)
    return [out]
