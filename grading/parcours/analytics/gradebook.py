"""Reading nbgrader's gradebook (one SQL query per table) and the pipeline's records
(extensions, teacher-side receipt times, feedback files) into the frames of
:mod:`.frames`."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import DataError
from ..i18n import _
from ..store.ids import is_pseudonym, pseudonymize
from .eventframes import sqlite_path
from .tidy import empty, utc

if TYPE_CHECKING:
    from ..course.model import Course

LEARNER_COLUMNS = ["course", "learner", "student_id"]
GRADE_COLUMNS = [
    "course",
    "learner",
    "assignment",
    "notebook",
    "cell",
    "cell_type",
    "max_score",
    "auto_score",
    "manual_score",
    "extra_credit",
    "score",
    "needs_manual_grade",
    "comment",
]
SUBMISSION_COLUMNS = [
    "course",
    "learner",
    "assignment",
    "timestamp",
    "due",
    "extension",
    "deadline",
    "late",
    "days_late",
    "score",
    "raw_score",
    "max_score",
    "late_penalty",
    "feedback_at",
]
EXTENSION_COLUMNS = ["course", "learner", "assignment", "until"]
#: files the pipeline may write under ``<data_dir>/courses/<id>/`` (all optional)
EXTENSION_FILES = ("extensions.json", "extensions.csv")

# -- nbgrader gradebook ------------------------------------------------------------------
_GRADEBOOK_SQL = {
    "student": "SELECT id FROM student",
    "assignment": "SELECT id, name, duedate FROM assignment",
    "notebook": "SELECT id, name, assignment_id FROM notebook",
    # task cells are graded too (nbgrader sums both into a notebook's score); cell_type is
    # an enum on PostgreSQL, which 'task' is not one of: compared as text on both databases
    "grade_cells": "SELECT g.id, b.name, g.max_score, CAST(g.cell_type AS TEXT) AS cell_type "
    "FROM grade_cells g JOIN base_cell b ON b.id = g.id UNION ALL SELECT t.id, b.name, "
    "t.max_score, 'task' FROM task_cells t JOIN base_cell b ON b.id = t.id",
    "submitted_assignment": "SELECT id, assignment_id, student_id, timestamp, extension "
    "FROM submitted_assignment",
    "submitted_notebook": "SELECT id, assignment_id, notebook_id, late_submission_penalty "
    "FROM submitted_notebook",
    "grade": "SELECT notebook_id, cell_id, auto_score, manual_score, extra_credit, "
    "needs_manual_grade FROM grade",
    # comments sit on solution cells, which share the grade cell's name
    "comment": "SELECT c.notebook_id, b.name AS cell, c.auto_comment, c.manual_comment "
    "FROM comment c JOIN base_cell b ON b.id = c.cell_id",
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
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
                for name, sql in _GRADEBOOK_SQL.items():
                    cursor = conn.execute(sql)
                    cols = [d[0] for d in cursor.description]
                    tables[name] = pd.DataFrame.from_records(cursor.fetchall(), columns=cols)
        except sqlite3.Error as exc:
            raise DataError(
                _(
                    "{path}: the nbgrader gradebook cannot be read ({error}). Is it a "
                    "gradebook made by nbgrader 0.9 ('nbgrader db upgrade' migrates an older "
                    "one)?"
                ).format(path=path, error=exc)
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
    except (SQLAlchemyError, pd.errors.DatabaseError) as exc:
        raise DataError(
            _("gradebook {url!r} cannot be read ({error}).").format(url=url, error=exc)
        ) from exc
    return tables


def _interval(values: pd.Series) -> pd.Series:
    """SQLAlchemy stores an Interval in SQLite as a datetime after the epoch (PostgreSQL
    has a real interval type: read as timedeltas)."""
    if pd.api.types.is_timedelta64_dtype(values) or any(
        isinstance(v, dt.timedelta) for v in values
    ):
        return pd.to_timedelta(values).astype("timedelta64[ns]")
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
    received: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(learners, grades, submissions) of one course from its gradebook ``tables``.

    ``received`` (``student_id, assignment, received``: the teacher-side receipt times the
    pipeline records at collect) replaces nbgrader's timestamp, which the learner's side
    wrote and which cannot be trusted for lateness."""
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
    comment = comment.dropna(subset=["comment"]).drop_duplicates(["sn_id", "cell"])
    grade = grade.merge(comment[["sn_id", "cell", "comment"]], on=["sn_id", "cell"], how="left")
    grade = grade.merge(
        sub_n[["sn_id", "notebook", "assignment", "learner"]], on="sn_id", how="left"
    )
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
    per_sa = (
        grade.merge(sub_n[["sn_id", "sa_id"]], on="sn_id")
        .groupby("sa_id")[["score", "max_score"]]
        .sum()
    )
    penalty = sub_n.groupby("sa_id")["late_submission_penalty"].sum(min_count=1)
    subs = sub_a.set_index("sa_id").join(per_sa).join(penalty.rename("late_penalty"))
    subs = subs.reset_index()
    subs["course"] = course.id
    subs["timestamp"] = utc(subs["timestamp"].to_numpy()) if len(subs) else utc([])
    if received is not None and len(received) and len(subs):
        got = received.rename(columns={"student_id": "_sid"})
        got["_sid"] = got["_sid"].astype(str)
        subs["_sid"] = subs["student_id"].astype(str)
        subs = subs.merge(got, on=["_sid", "assignment"], how="left")
        subs["timestamp"] = subs["received"].fillna(subs["timestamp"])
    manifest_due = {a.id: course.due(a) for a in course.assignments}
    book_due = utc(subs["duedate"].to_numpy()) if len(subs) else utc([])
    subs["due"] = utc(subs["assignment"].map(manifest_due).to_numpy()).fillna(book_due)
    subs["extension"] = _interval(subs["extension"])
    subs["deadline"] = subs["due"] + subs["extension"].fillna(pd.Timedelta(0))
    overdue = (subs["timestamp"] - subs["deadline"]).dt.total_seconds() / 86400.0
    subs["late"] = overdue.gt(0).fillna(False).astype(bool)
    subs["days_late"] = overdue.clip(lower=0).fillna(0.0)
    subs["raw_score"] = subs["score"].fillna(0.0)
    subs["max_score"] = subs["max_score"].fillna(0.0)
    # the penalty the pipeline wrote (pipeline.gradebook.apply_late_penalties), taken off
    # as nbgrader's feedback takes it off (GetGrades: score - late_submission_penalty)
    subs["late_penalty"] = pd.to_numeric(subs["late_penalty"], errors="coerce").fillna(0.0)
    subs["score"] = (subs["raw_score"] - subs["late_penalty"]).clip(lower=0.0)
    subs["feedback_at"] = utc([None] * len(subs))
    if feedback_times is not None and not feedback_times.empty:
        fb = feedback_times.assign(learner=feedback_times["student_id"].map(ids))
        subs = subs.drop(columns="feedback_at").merge(
            fb[["learner", "assignment", "feedback_at"]],
            on=["learner", "assignment"],
            how="left",
        )
    return learners, grades, subs[SUBMISSION_COLUMNS].reset_index(drop=True)


# -- cache of the gradebook's frames -----------------------------------------------------
#: version of the cached frames' layout (bump it when gradebook_frames changes its output)
#: 2: a .npz file without pickle (analytics/framefile.py); 3: score after the late
#: penalty, raw_score before it
FRAMES_CACHE_VERSION = 3
FRAMES_CACHE_SUFFIX = f".frames-v{FRAMES_CACHE_VERSION}.npz"
_FRAME_NAMES = ("learners", "grades", "submissions")


def gradebook_fingerprint(path: Path) -> str | None:
    """What identifies the content of a SQLite gradebook file: SQLite's own file change
    counter (header bytes 24-27, incremented by every committed write in rollback-journal
    mode, nbgrader's), the size, the modification time and the inode. None when it
    cannot be trusted: WAL mode (the counter is not kept per commit), a hot journal (a
    write in progress), not a SQLite file."""
    try:
        with open(path, "rb") as f:
            head = f.read(100)
        if len(head) < 100 or not head.startswith(b"SQLite format 3\x00"):
            return None
        if head[18] == 2 or head[19] == 2:  # WAL
            return None
        if path.with_name(path.name + "-journal").exists():
            return None
        st = path.stat()
    except OSError:
        return None
    return f"{int.from_bytes(head[24:28], 'big')}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


def _digest(*parts: object) -> str:
    import hashlib

    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, pd.DataFrame):
            part = (
                pd.util.hash_pandas_object(part, index=False).to_numpy().tobytes()
                if len(part)
                else b"-"
            )
        h.update(part if isinstance(part, bytes) else repr(part).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def cached_gradebook_frames(
    url: str,
    course: Course,
    salt: str,
    *,
    feedback_times: pd.DataFrame | None = None,
    received: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`gradebook_frames` of the gradebook at ``url``, kept in
    ``<gradebook>.frames-v3.npz`` beside a SQLite gradebook (no pickle: see
    :mod:`.framefile`) and reused while the gradebook (:func:`gradebook_fingerprint`),
    the salt, the course's due dates, the receipt times and the feedback times are
    unchanged. The gradebook stays the only source: the cache is rebuilt from it whenever
    anything differs, and never written when the gradebook changed while it was read."""
    from .framefile import load_frames, save_frames

    def compute() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        return gradebook_frames(
            read_gradebook_tables(url),
            course,
            salt,
            feedback_times=feedback_times,
            received=received,
        )

    path = sqlite_path(url)
    before = gradebook_fingerprint(path) if path is not None else None
    if path is None or before is None:
        return compute()
    key = _digest(
        FRAMES_CACHE_VERSION,
        pd.__version__,
        before,
        _digest(salt),
        course.id,  # the salt itself is not stored
        [(a.id, course.due(a).isoformat()) for a in course.assignments],
        received if received is not None else None,
        feedback_times if feedback_times is not None else None,
    )
    cache = path.with_name(path.name + FRAMES_CACHE_SUFFIX)
    held = load_frames(cache, key)  # None when absent, unreadable or stale
    if held is not None and tuple(held) == _FRAME_NAMES:
        return held["learners"], held["grades"], held["submissions"]
    frames = compute()
    if gradebook_fingerprint(path) == before:
        # a folder that cannot be written, or a column that cannot be stored, only
        # costs speed
        save_frames(cache, dict(zip(_FRAME_NAMES, frames, strict=True)), key, path.stat().st_mode)
        for old in (".frames-v1.pickle", ".frames-v2.npz"):  # earlier layouts
            path.with_name(path.name + old).unlink(missing_ok=True)
    return frames


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
                    e.stat().st_mtime
                    for e in os.scandir(assignment.path)
                    if e.name.endswith(".html")
                ]
                if times:
                    rows.append((student.name, assignment.name, max(times)))
    frame = pd.DataFrame(rows, columns=["student_id", "assignment", "feedback_at"])
    frame["feedback_at"] = pd.to_datetime(frame["feedback_at"], unit="s", utc=True).astype(
        "datetime64[ns, UTC]"
    )
    return frame


def read_received(course_root: Path) -> pd.DataFrame:
    """Teacher-side receipt times from the pipeline's ``submissions.json`` record
    (``student_id, assignment, received``); empty when there is none."""
    path = course_root / "submissions.json"
    rows = []
    if path.is_file():
        try:
            entries = json.loads(path.read_text(encoding="utf-8")).get("entries", {})
            for assignment, per in entries.items():
                for student, entry in per.items():
                    rows.append((student, assignment, entry["received"]))
        except (OSError, ValueError, AttributeError, KeyError, TypeError) as exc:
            raise DataError(
                _(
                    "{path}: the submissions record cannot be read ({error}). It is written "
                    "by 'parcours collect'; do not edit it by hand."
                ).format(path=path, error=exc)
            ) from exc
    frame = pd.DataFrame(rows, columns=["student_id", "assignment", "received"])
    frame["received"] = utc(frame["received"]) if rows else utc([])
    return frame


def read_extensions(course_root: Path, course_id: str, salt: str) -> pd.DataFrame:
    """Extensions the pipeline recorded under the course's runtime folder, if any.

    Accepted: ``extensions.json`` (the pipeline's record ``{"entries": {assignment:
    {learner: {"until": ...}}}}``, a mapping ``{assignment: {learner: until}}`` or a list
    of ``{learner, assignment, until}``) or ``extensions.csv`` with those columns.
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
                if isinstance(data, dict):  # the pipeline's record: {"entries": {...}}
                    data = data.get("entries", data.get("extensions", data))
                if isinstance(data, dict):
                    for assignment, per in data.items():
                        for who, until in (per or {}).items():
                            until = until.get("until") if isinstance(until, dict) else until
                            rows.append({"learner": who, "assignment": assignment, "until": until})
                else:
                    rows += [dict(r) for r in data]
        except (OSError, ValueError, AttributeError, TypeError) as exc:
            raise DataError(
                _(
                    "{path}: the extensions record cannot be read ({error}). Record "
                    "extensions with 'parcours extend' rather than by hand."
                ).format(path=path, error=exc)
            ) from exc
    if not rows:
        return empty(EXTENSION_COLUMNS)
    frame = pd.DataFrame(rows)
    who = frame.get("learner", frame.get("student", frame.get("student_id")))
    if who is None or "assignment" not in frame or "until" not in frame:
        raise DataError(
            _("{folder}: extensions need learner, assignment and until.").format(folder=course_root)
        )
    frame["learner"] = [w if is_pseudonym(str(w)) else pseudonymize(str(w), salt) for w in who]
    frame["course"] = course_id
    frame["until"] = utc(frame["until"])
    return frame[EXTENSION_COLUMNS]
