"""Per-learner and per-question results, and the full class report.

- :func:`learner_report`: one row per learner and course — progress, quiz mean, each
  assignment's score, lateness, risk.
- :func:`question_report`: one row per question — quiz questions (from events) and graded
  cells (from the gradebook): learners, mean score, first-try success, attempts, time.
  (Per-question results are what ``nbgrader export`` does not give: nbgrader #938.)
- :func:`class_report`: everything a dashboard shows, computed once.
- :func:`write_report`: csv (two files), json (one object) or xlsx (two sheets).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import BadInputError
from .frames import ClassData

QUESTION_COLUMNS = ["course", "activity", "question", "kind", "learners", "mean_score",
                    "first_try_success", "mean_attempts", "median_seconds", "max_score"]


def learner_report(
    data: ClassData, now: pd.Timestamp | str | None = None, *,
    thresholds: dict[str, Any] | None = None, status: pd.DataFrame | None = None,
    risk: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per learner and course: ``course, learner, completion, completed, late, missed,
    quiz_mean, score, max_score, <assignment>`` (score fraction per assignment),
    ``at_risk, why_fr, why_en``."""
    from .mastery import quiz_first
    from .progress import activity_status, progress_by_learner
    from .risk import at_risk

    status = activity_status(data, now) if status is None else status
    risk = at_risk(data, thresholds, now, status=status) if risk is None else risk
    prog = progress_by_learner(status)[["course", "learner", "completion", "completed",
                                        "late", "missed"]]
    first = quiz_first(data)
    quiz = first.groupby(["course", "learner"])["value"].mean().rename("quiz_mean")
    out = prog.merge(quiz.reset_index(), how="left")
    subs = data.submissions
    if len(subs):
        tot = subs.groupby(["course", "learner"])[["score", "max_score"]].sum().reset_index()
        out = out.merge(tot, how="left")
        frac = subs.assign(f=subs["score"] / subs["max_score"].where(subs["max_score"] > 0))
        wide = frac.pivot_table(index=["course", "learner"], columns="assignment", values="f",
                                aggfunc="mean")
        order = [a for a in data.activities.loc[data.activities["kind"] == "assignment",
                                                "activity"] if a in wide.columns]
        out = out.merge(wide[order].reset_index(), how="left")
    else:
        out["score"], out["max_score"] = 0.0, 0.0
    out = out.merge(risk[["course", "learner", "at_risk", "why_fr", "why_en"]], how="left")
    return out.sort_values(["course", "learner"]).reset_index(drop=True)


def question_report(data: ClassData) -> pd.DataFrame:
    """Per question: ``course, activity, question, kind`` ('quiz' | 'cell'), ``learners,
    mean_score`` (quiz: first attempts; cell: score / max), ``first_try_success,
    mean_attempts, median_seconds, max_score`` (cells)."""
    parts = []
    ev = data.events
    answers = ev.loc[(ev["verb"] == "answered") & (ev["object_type"] == "question"),
                     ["course", "lesson", "object_id", "learner", "duration_s"]]
    if len(answers):
        from .mastery import quiz_first

        first = quiz_first(data)
        key = ["course", "lesson", "object_id"]
        g1 = first.groupby(key).agg(learners=("learner", "nunique"),
                                    mean_score=("value", "mean"),
                                    first_try_success=("success", "mean"))
        tries = answers.groupby([*key, "learner"]).size().groupby(key).mean()
        secs = answers.groupby(key)["duration_s"].median()
        q = g1.assign(mean_attempts=tries, median_seconds=secs).reset_index()
        q = q.rename(columns={"lesson": "activity", "object_id": "question"})
        parts.append(q.assign(kind="quiz", max_score=float("nan")))
    grades = data.grades
    if len(grades):
        f = grades["score"] / grades["max_score"].where(grades["max_score"] > 0)
        g = grades[["course", "assignment", "learner", "max_score"]].assign(
            question=_joined(grades["notebook"], grades["cell"]), f=f, full=f >= 1.0)
        c = g.groupby(["course", "assignment", "question"]).agg(
            learners=("learner", "nunique"), mean_score=("f", "mean"),
            max_score=("max_score", "max"), first_try_success=("full", "mean"))
        c = c[["learners", "mean_score", "max_score", "first_try_success"]]
        c = c.reset_index().rename(columns={"assignment": "activity"})
        parts.append(c.assign(kind="cell", mean_attempts=float("nan"),
                              median_seconds=float("nan")))
    if not parts:
        return pd.DataFrame(columns=QUESTION_COLUMNS)
    out = pd.concat(parts, ignore_index=True)[QUESTION_COLUMNS]
    order = data.activities.set_index(["course", "activity"])["order"]
    out["_o"] = [order.get((c, a), 10**6) for c, a in zip(out["course"], out["activity"],
                                                        strict=True)]
    return out.sort_values(["course", "_o", "question"]).drop(columns="_o").reset_index(
        drop=True)


def _joined(notebook: pd.Series, cell: pd.Series) -> pd.Series:
    """``notebook + "/" + cell`` (missing when either is), each distinct pair joined once."""
    nb, nbs = pd.factorize(notebook)
    ce, ces = pd.factorize(cell)
    pair, pairs = pd.factorize(nb.astype(np.int64) * len(ces) + ce)
    names = np.array([f"{nbs[k // len(ces)]}/{ces[k % len(ces)]}" if k >= 0 else ""
                      for k in pairs], dtype=object)[pair]
    text = all(isinstance(s.dtype, pd.StringDtype) for s in (notebook, cell))
    out = pd.Series(names, index=notebook.index, dtype="str" if text else object)
    return out.where((nb >= 0) & (ce >= 0))


@dataclass
class ClassReport:
    """Every table of the coordinator's view, computed once from one :class:`ClassData`."""

    status: pd.DataFrame
    learners: pd.DataFrame
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
    data: ClassData, now: pd.Timestamp | str | None = None, *,
    thresholds: dict[str, Any] | None = None, validated_at: float | None = None,
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


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists to text and datetimes to ISO text, for files a spreadsheet opens."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            out[name] = col.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
        elif col.dtype == object and col.map(lambda v: isinstance(v, list | tuple)).any():
            out[name] = col.map(lambda v: ";".join(v) if isinstance(v, list | tuple) else v)
    return out


def write_report(tables: dict[str, pd.DataFrame], fmt: str, out: Path) -> list[Path]:
    """Write ``tables`` as ``fmt``; csv writes one file per table (``<stem>-<name>.csv``),
    json one object of lists, xlsx one sheet per table. Returns the files written."""
    if fmt not in FORMATS:
        raise BadInputError(f"--format {fmt}: use one of {', '.join(FORMATS)}.")
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
        out.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str),
                       encoding="utf-8")
        return [out]
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for name, frame in tables.items():
            _plain(frame).to_excel(writer, sheet_name=name[:31], index=False)
    return [out]
