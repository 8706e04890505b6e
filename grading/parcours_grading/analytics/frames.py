"""Load a class into tidy pandas frames: the contract between the data and every analysis.

:func:`load_frames` reads the course manifests, the event store (one SQL query) and each
course's nbgrader gradebook (one SQL query per table, never an ORM loop) into a
:class:`ClassData`. Every learner id is pseudonymous (``p-`` + 16 hex digits, made by
:func:`parcours_grading.store.ids.pseudonymize` with ``ParcoursConfig.pseudonym_salt``);
the nbgrader id is kept only in ``learners.student_id`` for teacher actions (group release).
All times are ``datetime64[ns, UTC]``.

Frames and their columns (the dashboards rely on these names):

``learners`` — one row per learner and course they appear in
    ``course, learner, student_id`` (``student_id`` is '' for learners only seen in events)

``activities`` — lessons and assignments of every course, in course order
    ``course, activity, kind`` ('lesson' | 'assignment'), ``title, module, order`` (0-based
    position in the course), ``minutes`` (estimated), ``opens, due`` (assignments: from the
    manifest; lessons: the window of their module's assignments — earliest opening, latest
    due date — or NaT when the module has none), ``points`` (NaN for lessons),
    ``skills`` (tuple of skill ids)

``questions`` — quiz questions from ``courses/<id>/quizzes/<lesson>.yaml`` (answers are not read)
    ``course, lesson, question, type, skills`` (tuple; the lesson's skills when the
    question names none)

``events`` — the event store's ``events`` table (schema v1), ``actor`` renamed ``learner``
    ``id, timestamp, learner, verb, course, object_type, object_id, lesson, score, success,
    duration_s, attempt, response, extra, self_reported``

``grades`` — one row per graded cell of each submitted notebook
    ``course, learner, assignment, notebook, cell, cell_type, max_score, auto_score,
    manual_score, extra_credit, score`` (nbgrader's rule: manual else auto, plus extra
    credit, else 0), ``needs_manual_grade, comment`` (manual comment, else the automatic one)

``submissions`` — one row per submitted assignment
    ``course, learner, assignment, timestamp, due`` (manifest due date, else nbgrader's),
    ``extension`` (timedelta, NaT if none), ``deadline`` (due + extension), ``late`` (bool),
    ``days_late`` (float, 0 when on time), ``score, max_score, late_penalty, feedback_at``
    (when the feedback HTML was produced; NaT when none yet)

``extensions`` — ``course, learner, assignment, until`` (the learner's own deadline)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import DataError
from ..store.ids import is_pseudonym, pseudonymize

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course

LEARNER_COLUMNS = ["course", "learner", "student_id"]
ACTIVITY_COLUMNS = [
    "course", "activity", "kind", "title", "module", "order", "minutes", "opens", "due",
    "points", "skills",
]
QUESTION_COLUMNS = ["course", "lesson", "question", "type", "skills"]
EVENT_COLUMNS = [
    "id", "timestamp", "learner", "verb", "course", "object_type", "object_id", "lesson",
    "score", "success", "duration_s", "attempt", "response", "extra", "self_reported",
]
GRADE_COLUMNS = [
    "course", "learner", "assignment", "notebook", "cell", "cell_type", "max_score",
    "auto_score", "manual_score", "extra_credit", "score", "needs_manual_grade", "comment",
]
SUBMISSION_COLUMNS = [
    "course", "learner", "assignment", "timestamp", "due", "extension", "deadline", "late",
    "days_late", "score", "max_score", "late_penalty", "feedback_at",
]
EXTENSION_COLUMNS = ["course", "learner", "assignment", "until"]
#: files the pipeline may write under ``<data_dir>/courses/<id>/`` (all optional)
EXTENSION_FILES = ("extensions.json", "extensions.csv")


@dataclass
class ClassData:
    """Everything the analytics need about one or several courses (see module docstring)."""

    courses: dict[str, Course]
    learners: pd.DataFrame
    activities: pd.DataFrame
    questions: pd.DataFrame
    events: pd.DataFrame
    grades: pd.DataFrame
    submissions: pd.DataFrame
    extensions: pd.DataFrame = field(default_factory=lambda: empty(EXTENSION_COLUMNS))

    def course_ids(self) -> list[str]:
        """The ids of the courses loaded, in the order given."""
        return list(self.courses)


def empty(columns: Sequence[str]) -> pd.DataFrame:
    """An empty frame with these columns."""
    return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})


def utc(values: Any) -> pd.Series:
    """Any datetimes (ISO text, naive UTC, aware) as ``datetime64[ns, UTC]``."""
    return pd.to_datetime(pd.Series(values), utc=True, format="ISO8601").astype(
        "datetime64[ns, UTC]"
    )


# -- manifests ---------------------------------------------------------------------------
def activities_frame(courses: Iterable[Course]) -> pd.DataFrame:
    """Lessons and assignments of ``courses`` in course order (columns: see module doc)."""
    rows: list[dict[str, Any]] = []
    for course in courses:
        windows: dict[str, tuple[dt.datetime, dt.datetime]] = {}
        for a in course.assignments:
            opens, due = course.opens(a), course.due(a)
            if a.module in windows:
                lo, hi = windows[a.module]
                windows[a.module] = (min(lo, opens), max(hi, due))
            else:
                windows[a.module] = (opens, due)
        order = 0
        for module in course.modules:
            lo, hi = windows.get(module.id, (None, None))
            for lesson in module.lessons:
                rows.append(dict(
                    course=course.id, activity=lesson.id, kind="lesson", title=lesson.title,
                    module=module.id, order=order, minutes=lesson.minutes, opens=lo, due=hi,
                    points=float("nan"), skills=tuple(lesson.skills),
                ))
                order += 1
            for a in course.assignments:
                if a.module == module.id:
                    rows.append(_assignment_row(course, a, order))
                    order += 1
        known = {m.id for m in course.modules}
        for a in course.assignments:
            if a.module not in known:
                rows.append(_assignment_row(course, a, order))
                order += 1
    if not rows:
        return empty(ACTIVITY_COLUMNS)
    frame = pd.DataFrame(rows, columns=ACTIVITY_COLUMNS)
    frame["opens"] = utc(frame["opens"])
    frame["due"] = utc(frame["due"])
    frame["order"] = frame["order"].astype("int64")
    frame["minutes"] = frame["minutes"].astype("float64")
    return frame


def _assignment_row(course: Course, a: Any, order: int) -> dict[str, Any]:
    return dict(
        course=course.id, activity=a.id, kind="assignment", title=a.title, module=a.module,
        order=order, minutes=a.minutes, opens=course.opens(a), due=course.due(a),
        points=float(a.points), skills=tuple(a.skills),
    )


def questions_frame(courses: Iterable[Course]) -> pd.DataFrame:
    """Quiz questions of each lesson, from the course's quiz banks (answers not read)."""
    import yaml

    rows = []
    for course in courses:
        for lesson in course.lessons:
            path = course.folder / "quizzes" / f"{lesson.id}.yaml"
            if not path.is_file():
                continue
            try:
                bank = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except (OSError, yaml.YAMLError) as exc:
                raise DataError(
                    f"{path}: the quiz bank cannot be read ({exc}). Run 'parcours check "
                    f"{course.id}' to find the problem."
                ) from exc
            for q in bank.get("questions") or []:
                if isinstance(q, dict) and q.get("id"):
                    rows.append(dict(
                        course=course.id, lesson=lesson.id, question=str(q["id"]),
                        type=str(q.get("type", "")),
                        skills=tuple(q.get("skills") or lesson.skills),
                    ))
    return pd.DataFrame(rows, columns=QUESTION_COLUMNS) if rows else empty(QUESTION_COLUMNS)


# -- event store -------------------------------------------------------------------------
_EVENT_SQL = (
    "SELECT id, timestamp, actor AS learner, verb, course, object_type, object_id, lesson, "
    "score, success, duration_s, attempt, response, extra, self_reported FROM events"
)


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///path`` URL, or None for another database."""
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///"))
    return None


def read_events(url: str, courses: Sequence[str] | None = None) -> pd.DataFrame:
    """The events of ``courses`` (all when None) from the event store at ``url``, in one
    query. A missing store gives an empty frame (no learner has done anything yet)."""
    path = sqlite_path(url)
    if path is None:
        raise DataError(f"events_url {url!r}: only sqlite:/// event stores can be read here.")
    if not path.is_file():
        return events_frame(empty(EVENT_COLUMNS))
    sql, params = _EVENT_SQL, ()
    if courses:
        sql += f" WHERE course IN ({','.join('?' * len(courses))})"
        params = tuple(courses)
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            cursor = conn.execute(sql, params)
            frame = pd.DataFrame.from_records(cursor.fetchall(), columns=EVENT_COLUMNS)
    except sqlite3.Error as exc:
        raise DataError(
            f"{path}: the event store cannot be read ({exc}). Check that it is an event "
            "store (table 'events') and that it is not being replaced."
        ) from exc
    return events_frame(frame)


def events_frame(records: pd.DataFrame | Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Events (store rows, with ``actor`` or ``learner``) as the ``events`` frame."""
    frame = records.copy() if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))
    if "actor" in frame.columns and "learner" not in frame.columns:
        frame = frame.rename(columns={"actor": "learner"})
    for name in EVENT_COLUMNS:
        if name not in frame.columns:
            frame[name] = None
    frame = frame[EVENT_COLUMNS]
    frame["timestamp"] = utc(frame["timestamp"]) if len(frame) else utc([])
    for name in ("score", "success", "duration_s", "attempt", "self_reported"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    for name in ("learner", "verb", "course", "object_type", "object_id", "lesson"):
        frame[name] = frame[name].fillna("").astype(str)
    return frame.reset_index(drop=True)


# -- nbgrader gradebook ------------------------------------------------------------------
_GRADEBOOK_SQL = {
    "student": "SELECT id FROM student",
    "assignment": "SELECT id, name, duedate FROM assignment",
    "notebook": "SELECT id, name, assignment_id FROM notebook",
    "grade_cells": "SELECT g.id, b.name, g.max_score, g.cell_type FROM grade_cells g "
    "JOIN base_cell b ON b.id = g.id",
    "submitted_assignment": "SELECT id, assignment_id, student_id, timestamp, extension "
    "FROM submitted_assignment",
    "submitted_notebook": "SELECT id, assignment_id, notebook_id, late_submission_penalty "
    "FROM submitted_notebook",
    "grade": "SELECT notebook_id, cell_id, auto_score, manual_score, extra_credit, "
    "needs_manual_grade FROM grade",
    "comment": "SELECT notebook_id, cell_id, auto_comment, manual_comment FROM comment",
}


def read_gradebook_tables(url: str) -> dict[str, pd.DataFrame]:
    """nbgrader's tables, one SQL query each (sqlite3 for SQLite, SQLAlchemy otherwise).
    An absent SQLite file gives empty tables (nothing collected yet)."""
    path = sqlite_path(url)
    tables: dict[str, pd.DataFrame] = {}
    if path is not None:
        if not path.is_file():
            return {}
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
                for name, sql in _GRADEBOOK_SQL.items():
                    cursor = conn.execute(sql)
                    cols = [d[0] for d in cursor.description]
                    tables[name] = pd.DataFrame.from_records(cursor.fetchall(), columns=cols)
        except sqlite3.Error as exc:
            raise DataError(
                f"{path}: the nbgrader gradebook cannot be read ({exc}). Is it a gradebook "
                "made by nbgrader 0.9 ('nbgrader db upgrade' migrates an older one)?"
            ) from exc
        return tables
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            for name, sql in _GRADEBOOK_SQL.items():
                tables[name] = pd.read_sql_query(sql, conn)
        engine.dispose()
    except SQLAlchemyError as exc:
        raise DataError(f"gradebook {url!r} cannot be read ({exc}).") from exc
    return tables


def _interval(values: pd.Series) -> pd.Series:
    """SQLAlchemy stores an Interval in SQLite as a datetime after the epoch."""
    epoch = pd.Timestamp("1970-01-01")
    parsed = pd.to_datetime(values, errors="coerce", format="ISO8601")
    if parsed.dt.tz is not None:
        parsed = parsed.dt.tz_localize(None)
    return (parsed - epoch).astype("timedelta64[ns]")


def gradebook_frames(
    tables: dict[str, pd.DataFrame],
    course: Course,
    salt: str,
    *,
    feedback_times: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(learners, grades, submissions) of one course from its gradebook ``tables``."""
    if not tables or tables["student"].empty:
        return empty(LEARNER_COLUMNS), empty(GRADE_COLUMNS), empty(SUBMISSION_COLUMNS)
    students = tables["student"]["id"].astype(str)
    ids = {sid: pseudonymize(sid, salt) for sid in students}
    learners = pd.DataFrame(
        {"course": course.id, "learner": students.map(ids), "student_id": students}
    )
    assignment = tables["assignment"].rename(columns={"id": "assignment_id", "name": "assignment"})
    sub_a = tables["submitted_assignment"].rename(columns={"id": "sa_id"})
    sub_a = sub_a.merge(assignment, on="assignment_id", how="left")
    sub_a["learner"] = sub_a["student_id"].astype(str).map(ids)
    sub_n = tables["submitted_notebook"].rename(
        columns={"id": "sn_id", "assignment_id": "sa_id", "notebook_id": "nb_id"}
    )
    notebook = tables["notebook"].rename(
        columns={"id": "nb_id", "name": "notebook", "assignment_id": "nb_assignment"}
    )
    sub_n = sub_n.merge(notebook[["nb_id", "notebook"]], on="nb_id", how="left")
    sub_n = sub_n.merge(sub_a[["sa_id", "assignment", "learner"]], on="sa_id", how="left")
    cells = tables["grade_cells"].rename(columns={"id": "cell_id", "name": "cell"})
    grade = tables["grade"].rename(columns={"notebook_id": "sn_id"})
    grade = grade.merge(cells, on="cell_id", how="inner")
    comment = tables["comment"].rename(columns={"notebook_id": "sn_id"})
    comment["comment"] = comment["manual_comment"].where(
        comment["manual_comment"].notna() & (comment["manual_comment"] != ""),
        comment["auto_comment"],
    )
    grade = grade.merge(comment[["sn_id", "cell_id", "comment"]], on=["sn_id", "cell_id"],
                        how="left")
    grade = grade.merge(sub_n[["sn_id", "notebook", "assignment", "learner"]], on="sn_id",
                        how="left")
    for name in ("max_score", "auto_score", "manual_score", "extra_credit"):
        grade[name] = pd.to_numeric(grade[name], errors="coerce").astype("float64")
    bonus = grade["extra_credit"].fillna(0.0)
    grade["score"] = (grade["manual_score"] + bonus).where(
        grade["manual_score"].notna(), (grade["auto_score"] + bonus).fillna(0.0)
    )
    grade["needs_manual_grade"] = grade["needs_manual_grade"].astype(bool)
    grade["course"] = course.id
    grades = grade[GRADE_COLUMNS].reset_index(drop=True)

    # submissions: scores summed over cells, penalties over notebooks
    per_sa = grade.merge(sub_n[["sn_id", "sa_id"]], on="sn_id").groupby("sa_id")[
        ["score", "max_score"]
    ].sum()
    penalty = sub_n.groupby("sa_id")["late_submission_penalty"].sum(min_count=1)
    subs = sub_a.set_index("sa_id").join(per_sa).join(penalty.rename("late_penalty"))
    subs = subs.reset_index()
    subs["course"] = course.id
    subs["timestamp"] = utc(subs["timestamp"].to_numpy()) if len(subs) else utc([])
    manifest_due = {a.id: course.due(a) for a in course.assignments}
    book_due = utc(subs["duedate"].to_numpy()) if len(subs) else utc([])
    subs["due"] = utc(subs["assignment"].map(manifest_due).to_numpy()).fillna(book_due)
    subs["extension"] = _interval(subs["extension"])
    subs["deadline"] = subs["due"] + subs["extension"].fillna(pd.Timedelta(0))
    overdue = (subs["timestamp"] - subs["deadline"]).dt.total_seconds() / 86400.0
    subs["late"] = overdue.gt(0).fillna(False).astype(bool)
    subs["days_late"] = overdue.clip(lower=0).fillna(0.0)
    subs["score"] = subs["score"].fillna(0.0)
    subs["max_score"] = subs["max_score"].fillna(0.0)
    subs["late_penalty"] = pd.to_numeric(subs["late_penalty"], errors="coerce").fillna(0.0)
    subs["feedback_at"] = utc([None] * len(subs))
    if feedback_times is not None and not feedback_times.empty:
        fb = feedback_times.assign(learner=feedback_times["student_id"].map(ids))
        subs = subs.drop(columns="feedback_at").merge(
            fb[["learner", "assignment", "feedback_at"]], on=["learner", "assignment"],
            how="left",
        )
    return learners, grades, subs[SUBMISSION_COLUMNS].reset_index(drop=True)


def feedback_times(course_root: Path) -> pd.DataFrame:
    """When feedback was produced for each (student_id, assignment): the newest ``.html``
    under ``<course_root>/feedback/<student>/<assignment>/`` (nbgrader's feedback folder)."""
    rows = []
    base = course_root / "feedback"
    if base.is_dir():
        for student in os.scandir(base):
            if not student.is_dir():
                continue
            for assignment in os.scandir(student.path):
                if not assignment.is_dir():
                    continue
                times = [
                    e.stat().st_mtime for e in os.scandir(assignment.path)
                    if e.name.endswith(".html")
                ]
                if times:
                    rows.append((student.name, assignment.name, max(times)))
    frame = pd.DataFrame(rows, columns=["student_id", "assignment", "feedback_at"])
    frame["feedback_at"] = pd.to_datetime(frame["feedback_at"], unit="s", utc=True).astype(
        "datetime64[ns, UTC]"
    )
    return frame


def read_extensions(course_root: Path, course_id: str, salt: str) -> pd.DataFrame:
    """Extensions the pipeline recorded under the course's runtime folder, if any.

    Accepted: ``extensions.json`` (a list of ``{learner|student, assignment, until}`` or a
    mapping ``{assignment: {learner: until}}``) or ``extensions.csv`` with those columns.
    """
    rows: list[dict[str, Any]] = []
    for name in EXTENSION_FILES:
        path = course_root / name
        if not path.is_file():
            continue
        try:
            if name.endswith(".csv"):
                rows += pd.read_csv(path, dtype=str).to_dict("records")
            else:
                data = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(data, dict):
                    data = data.get("extensions", data)
                if isinstance(data, dict):
                    for assignment, per in data.items():
                        for who, until in (per or {}).items():
                            until = until.get("until") if isinstance(until, dict) else until
                            rows.append({"learner": who, "assignment": assignment,
                                         "until": until})
                else:
                    rows += [dict(r) for r in data]
        except (OSError, ValueError, AttributeError, TypeError) as exc:
            raise DataError(
                f"{path}: the extensions record cannot be read ({exc}). Record extensions "
                "with 'parcours extend' rather than by hand."
            ) from exc
    if not rows:
        return empty(EXTENSION_COLUMNS)
    frame = pd.DataFrame(rows)
    who = frame.get("learner", frame.get("student", frame.get("student_id")))
    if who is None or "assignment" not in frame or "until" not in frame:
        raise DataError(f"{course_root}: extensions need learner, assignment and until.")
    frame["learner"] = [w if is_pseudonym(str(w)) else pseudonymize(str(w), salt) for w in who]
    frame["course"] = course_id
    frame["until"] = utc(frame["until"])
    return frame[EXTENSION_COLUMNS]


# -- everything --------------------------------------------------------------------------
def load_frames(
    config: ParcoursConfig, courses: Sequence[str | Course] | None = None
) -> ClassData:
    """Read manifests, events and gradebooks of ``courses`` (ids or Course objects; all the
    courses of ``config.courses_dir`` when None) into a :class:`ClassData`."""
    from ..course import find_course, list_courses, load_course

    if courses is None:
        loaded = list_courses(config.courses_dir)
    else:
        loaded = [
            c if not isinstance(c, str) else load_course(find_course(config.courses_dir, c))
            for c in courses
        ]
    if not loaded:
        raise DataError(
            f"{config.courses_dir}: no course found. Create courses/<id>/course.toml or "
            "pass --root to the project folder."
        )
    salt = config.pseudonym_salt
    ids = [c.id for c in loaded]
    events = read_events(config.events_url, ids)
    learner_parts, grade_parts, sub_parts, ext_parts = [], [], [], []
    for course in loaded:
        root = config.course_root(course.id)
        tables = read_gradebook_tables(config.gradebook_for(course.id))
        lrn, grd, sub = gradebook_frames(tables, course, salt, feedback_times=feedback_times(root))
        learner_parts.append(lrn)
        grade_parts.append(grd)
        sub_parts.append(sub)
        ext_parts.append(read_extensions(root, course.id, salt))
    return assemble(
        loaded, events, _concat(grade_parts, GRADE_COLUMNS), _concat(sub_parts, SUBMISSION_COLUMNS),
        learners=_concat(learner_parts, LEARNER_COLUMNS),
        extensions=_concat(ext_parts, EXTENSION_COLUMNS),
    )


def _concat(parts: list[pd.DataFrame], columns: Sequence[str]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else empty(columns)


def assemble(
    courses: Sequence[Course],
    events: pd.DataFrame,
    grades: pd.DataFrame | None = None,
    submissions: pd.DataFrame | None = None,
    *,
    learners: pd.DataFrame | None = None,
    extensions: pd.DataFrame | None = None,
) -> ClassData:
    """A :class:`ClassData` from frames already read (tests and the cohort use this).

    Learners seen only in events are added to ``learners`` with ``student_id`` ''.
    """
    known = learners if learners is not None else empty(LEARNER_COLUMNS)
    seen = events.loc[events["learner"] != "", ["course", "learner"]].drop_duplicates()
    if submissions is not None and len(submissions):
        seen = pd.concat([seen, submissions[["course", "learner"]]]).drop_duplicates()
    extra = seen.merge(known[["course", "learner"]], how="left", indicator=True)
    extra = extra[extra["_merge"] == "left_only"].drop(columns="_merge")
    extra["student_id"] = ""
    all_learners = pd.concat([known, extra], ignore_index=True) if len(extra) else known
    return ClassData(
        courses={c.id: c for c in courses},
        learners=all_learners[LEARNER_COLUMNS].reset_index(drop=True),
        activities=activities_frame(courses),
        questions=questions_frame(courses),
        events=events,
        grades=grades if grades is not None else empty(GRADE_COLUMNS),
        submissions=submissions if submissions is not None else empty(SUBMISSION_COLUMNS),
        extensions=extensions if extensions is not None else empty(EXTENSION_COLUMNS),
    )
