"""Write a synthetic cohort where the real readers find it: the event store's ``events``
table, and (fast path, for benchmarks) an nbgrader gradebook.

The gradebook's schema is made by nbgrader itself (``nbgrader.api.Gradebook``: its tables
and its alembic version), then filled by bulk SQL inserts — the same rows nbgrader's
autograder would write (one student, submitted assignment, submitted notebook and grade per
cell), thousands of times faster than grading notebooks. ``nbgrader export`` and the
formgrader read it like any other gradebook.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .generate import STORE_COLUMNS

if TYPE_CHECKING:
    from ..course.model import Course


def write_events(events: pd.DataFrame, path: Path | str) -> int:
    """Append event records (store columns) to the event store in the SQLite file at
    ``path`` (created if absent), through :class:`~parcours.store.sqlite.
    SQLiteEventStore` (its schema check, table and indexes). Returns the number of rows
    written."""
    from ..store.events import Event
    from ..store.sqlite import SQLiteEventStore

    frame = events[STORE_COLUMNS].astype(object)
    frame = frame.where(frame.notna(), None)
    for name in ("success", "attempt", "self_reported", "schema_version"):
        frame[name] = pd.Series(
            [None if pd.isna(v) else int(v) for v in frame[name]], index=frame.index, dtype=object
        )
    store = SQLiteEventStore(path)
    try:
        return store.record_many(
            Event(**dict(zip(STORE_COLUMNS, row, strict=True)))
            for row in frame.itertuples(index=False, name=None)
        )
    finally:
        store.close()


def _naive_utc(stamps: pd.Series) -> list[str]:
    """SQLAlchemy's SQLite DATETIME text: naive UTC, microseconds."""
    return stamps.dt.tz_convert("UTC").dt.strftime("%Y-%m-%d %H:%M:%S.%f").tolist()


def _uid(rng: np.random.Generator, k: int) -> list[str]:
    return [uuid.UUID(bytes=rng.bytes(16), version=4).hex for _ in range(k)]


def create_gradebook(path: Path | str, course_id: str) -> None:
    """An empty gradebook made by nbgrader (tables and alembic version)."""
    from nbgrader.api import Gradebook

    # nbgrader runs `alembic` as a subprocess to stamp the schema: it must be on PATH
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Gradebook(f"sqlite:///{Path(path).resolve()}", course_id=course_id).close()


def write_gradebook(
    path: Path | str,
    course: Course,
    plans: pd.DataFrame,
    students: Sequence[str] | None = None,
    *,
    cells_per_assignment: int = 5,
    seed: int = 2026,
) -> dict[str, int]:
    """Fill a new nbgrader gradebook at ``path`` with ``plans`` (see
    :class:`~parcours.cohort.generate.Cohort`): each cell right with probability
    ``fraction_correct``; the last cell of each assignment is a written answer graded by
    hand (``q<n>-redaction``), which the teacher has graded for about half of the
    submissions — the others wait (``needs_manual_grade``), as in a real class. Returns
    row counts."""
    rng = np.random.default_rng(seed)
    path = Path(path)
    if path.exists():
        path.unlink()
    create_gradebook(path, course.id)
    everyone = sorted(set(students or []) | set(plans["student_id"]))
    assignments = [a for a in course.assignments if a.id in set(plans["assignment"])] or list(
        course.assignments
    )
    a_ids = dict(zip([a.id for a in assignments], _uid(rng, len(assignments)), strict=True))
    nb_ids = dict(zip(a_ids, _uid(rng, len(assignments)), strict=True))
    cells: dict[str, list[tuple[str, str, float]]] = {}
    for a in assignments:
        ids = _uid(rng, cells_per_assignment)
        cells[a.id] = [
            (
                ids[i],
                f"q{i + 1}" + ("-redaction" if i == cells_per_assignment - 1 else ""),
                round(a.points / cells_per_assignment, 4),
            )
            for i in range(cells_per_assignment)
        ]
    # in UTC first: assignments in zones of their own make no one datetime dtype
    dues = _naive_utc(
        pd.Series([pd.Timestamp(course.due(a)).tz_convert("UTC") for a in assignments])
    )
    p = plans[plans["assignment"].isin(a_ids)].reset_index(drop=True)
    sa_ids, sn_ids = _uid(rng, len(p)), _uid(rng, len(p))
    stamps = _naive_utc(p["submit_at"])
    grade_rows: list[tuple[str, str, str, float | None, float | None, None, int]] = []
    frac = p["fraction_correct"].to_numpy()
    # one pass per cell position: cell_list[j] is that cell of submission j's assignment
    by_position = zip(*[cells[a] for a in p["assignment"]], strict=True) if len(p) else []
    for position, cell_list in enumerate(by_position):
        right = rng.random(len(p)) < frac
        ids = _uid(rng, len(p))
        manual = position == cells_per_assignment - 1
        graded = rng.random(len(p)) < 0.5
        for j in range(len(p)):
            cid, _name, maxs = cell_list[j]
            score = maxs if right[j] else 0.0
            if not manual:
                grade_rows.append((ids[j], sn_ids[j], cid, score, None, None, 0))
            elif graded[j]:  # graded by hand: half the points for a partly right answer
                grade_rows.append((ids[j], sn_ids[j], cid, None, score or maxs / 2, None, 0))
            else:  # waiting for the teacher
                grade_rows.append((ids[j], sn_ids[j], cid, None, None, None, 1))
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.executemany(
            "INSERT INTO student (id, first_name, last_name, email) VALUES (?, ?, ?, ?)",
            [(s, "", s, "") for s in everyone],
        )
        conn.executemany(
            "INSERT INTO assignment (id, name, duedate, course_id) VALUES (?, ?, ?, ?)",
            [(a_ids[a.id], a.id, d, course.id) for a, d in zip(assignments, dues, strict=True)],
        )
        conn.executemany(
            "INSERT INTO notebook (id, name, assignment_id) VALUES (?, ?, ?)",
            [(nb_ids[a], a, a_ids[a]) for a in a_ids],
        )
        conn.executemany(
            "INSERT INTO base_cell (id, name, notebook_id, type) VALUES (?, ?, ?, 'GradeCell')",
            [(c, name, nb_ids[a]) for a in cells for c, name, _ in cells[a]],
        )
        conn.executemany(
            "INSERT INTO grade_cells (id, max_score, cell_type) VALUES (?, ?, 'code')",
            [(c, m) for a in cells for c, _, m in cells[a]],
        )
        conn.executemany(
            "INSERT INTO submitted_assignment (id, assignment_id, student_id, "
            "timestamp, extension) VALUES (?, ?, ?, ?, NULL)",
            [
                (sa_ids[j], a_ids[a], s, stamps[j])
                for j, (a, s) in enumerate(zip(p["assignment"], p["student_id"], strict=True))
            ],
        )
        conn.executemany(
            "INSERT INTO submitted_notebook (id, assignment_id, notebook_id, "
            "flagged, late_submission_penalty) VALUES (?, ?, ?, 0, NULL)",
            [(sn_ids[j], sa_ids[j], nb_ids[a]) for j, a in enumerate(p["assignment"])],
        )
        conn.executemany(
            "INSERT INTO grade (id, notebook_id, cell_id, auto_score, "
            "manual_score, extra_credit, needs_manual_grade) VALUES "
            "(?, ?, ?, ?, ?, ?, ?)",
            grade_rows,
        )
    return {"students": len(everyone), "submissions": len(p), "grades": len(grade_rows)}
