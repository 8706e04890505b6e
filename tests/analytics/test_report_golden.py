"""Every figure of the class report on a fixed synthetic cohort, pinned.

A seeded cohort (:func:`parcours.cohort.make_cohort`: 24 learners and one who never
came, two modules, one assignment in a zone of its own and one with late penalties) is
written where the real readers find it (the SQLite event store, an nbgrader gradebook),
read by :func:`load_frames` (cold, then again from the caches it wrote beside the
stores) and reported by :func:`class_report`. Each table (columns, dtypes, every value,
floats to the last digit) must equal ``golden/class_report.json``: a faster report may
not change a figure unseen.

When a change of a figure is meant, refresh the file and review its diff::

    PARCOURS_UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/analytics/test_report_golden.py

The file also pins a digest of the cohort itself, so that a change of the generator
(:mod:`parcours.cohort.generate`) is told apart from a change of the report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from parcours.analytics import class_report, load_frames
from parcours.cohort import make_cohort, write_events, write_gradebook
from parcours.config import ParcoursConfig
from parcours.course.model import Course
from parcours.i18n import language

GOLDEN = Path(__file__).parent / "golden" / "class_report.json"
UPDATE = os.environ.get("PARCOURS_UPDATE_GOLDENS") == "1"
NOW = "2026-10-02T12:00:00+00:00"
SALT = "the golden cohort's salt"
REFRESH = "PARCOURS_UPDATE_GOLDENS=1 .venv/bin/python -m pytest " + str(
    Path(__file__).relative_to(Path(__file__).parents[2])
)


def golden_course() -> Course:
    """Two modules of two lessons and an assignment each (Europe/Paris; the second
    assignment's dates written in Cayenne time, the first one with late penalties)."""

    def lesson(m: int, i: int, skills: list[str]) -> dict[str, Any]:
        return {
            "id": f"m{m}-l{i}",
            "title": f"Leçon {m}.{i}",
            "notebook": f"lessons/{m}-{i}.ipynb",
            "objectives": ["o"],
            "skills": skills,
            "minutes": 15 + 10 * i,
        }

    return Course.model_validate(
        {
            "schema_version": 1,
            "id": "golden",
            "title": "Golden",
            "timezone": "Europe/Paris",
            "skills": [{"id": s, "label": s} for s in ("s1", "s2", "s3")],
            "modules": [
                {
                    "id": "m1",
                    "title": "Module 1",
                    "lessons": [lesson(1, 1, ["s1"]), lesson(1, 2, ["s2"])],
                },
                {
                    "id": "m2",
                    "title": "Module 2",
                    "lessons": [lesson(2, 1, ["s2", "s3"]), lesson(2, 2, ["s3"])],
                },
            ],
            "assignments": [
                {
                    "id": "devoir-1",
                    "title": "Devoir 1",
                    "source": "source/d1",
                    "module": "m1",
                    "opens": "2026-09-07T08:00:00",
                    "due": "2026-09-13T23:00:00",
                    "points": 10,
                    "skills": ["s1", "s2"],
                    "minutes": 60,
                    "late_policy": {"kind": "penalty", "per_day": 0.1, "cap": 0.5},
                },
                {
                    "id": "devoir-2",
                    "title": "Devoir 2",
                    "source": "source/d2",
                    "module": "m2",
                    "opens": "2026-09-21T08:00:00",
                    "due": "2026-09-27T23:00:00",
                    "timezone": "America/Cayenne",
                    "points": 6,
                    "skills": ["s3"],
                    "minutes": 90,
                },
            ],
        }
    )


def plain(value: Any) -> Any:
    """A value of a report's cell as JSON keeps it exactly (floats by their repr)."""
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return plain(value.item())
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)  # 'nan', 'inf': not numbers in JSON
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.isoformat()
    if isinstance(value, pd.Timedelta | dt.timedelta):
        return str(value)
    return value


def table(frame: pd.DataFrame) -> dict[str, Any]:
    """Columns, dtypes and rows of ``frame`` (its index is not part of a report)."""
    columns = [str(c) for c in frame.columns]
    rows = [[plain(v) for v in row] for row in frame.astype(object).itertuples(index=False)]
    return {"columns": columns, "dtypes": [str(d) for d in frame.dtypes], "rows": rows}


def digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


def write_golden(pinned: dict[str, Any]) -> None:
    """One row a line, so that a refresh shows as a readable diff."""
    lines = ["{", f' "cohort": {json.dumps(pinned["cohort"])},', ' "tables": {']
    names = list(pinned["tables"])
    for i, name in enumerate(names):
        t = pinned["tables"][name]
        lines.append(f"  {json.dumps(name)}: {{")
        lines.append(f'   "columns": {json.dumps(t["columns"], ensure_ascii=False)},')
        lines.append(f'   "dtypes": {json.dumps(t["dtypes"])},')
        rows = [f"    {json.dumps(r, ensure_ascii=False)}" for r in t["rows"]]
        lines.append('   "rows": [' + ("\n" + ",\n".join(rows) + "\n   ]" if rows else "]"))
        lines.append("  }" + ("," if i < len(names) - 1 else ""))
    lines += [" }", "}", ""]
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text("\n".join(lines), encoding="utf-8")


def differences(expected: dict[str, Any], got: dict[str, Any], most: int = 8) -> list[str]:
    """What differs, table by table: columns, dtypes, row counts, then the first cells."""
    out = []
    for name in sorted(set(expected) | set(got)):
        want, have = expected.get(name), got.get(name)
        if want is None or have is None:
            out.append(f"{name}: table {'added' if want is None else 'gone'}")
            continue
        for part in ("columns", "dtypes"):
            if want[part] != have[part]:
                out.append(f"{name}: {part} {want[part]} -> {have[part]}")
        if len(want["rows"]) != len(have["rows"]):
            out.append(f"{name}: {len(want['rows'])} rows -> {len(have['rows'])}")
        if want["columns"] != have["columns"]:
            continue
        cells = [
            f"{name} row {i} {col}: {a!r} -> {b!r}"
            for i, (w, h) in enumerate(zip(want["rows"], have["rows"], strict=False))
            for col, a, b in zip(want["columns"], w, h, strict=True)
            if a != b
        ]
        out += cells[:most] + (
            [f"{name}: {len(cells) - most} more cells"] if len(cells) > most else []
        )
    return out


@pytest.fixture(scope="module")
def cohort_files(tmp_path_factory):
    """The cohort in a real event store and gradebook; its digest."""
    folder = tmp_path_factory.mktemp("golden")
    course = golden_course()
    config = ParcoursConfig(
        root=str(folder),
        data_dir=str(folder / "data"),
        courses_dir=str(folder / "courses"),
        pseudonym_salt=SALT,  # the events' and the gradebook's learners are one
    )
    cohort = make_cohort(course, 24, seed=11, questions_per_lesson=2, salt=SALT)
    write_events(cohort.events, folder / "data" / "events.sqlite")
    gradebook = config.course_root(course.id) / "gradebook.db"
    # and one learner enrolled who never came (inactive since the course opened)
    students = [*cohort.learners["student_id"], "learner-silent"]
    write_gradebook(gradebook, course, cohort.plans, students=students, seed=11)
    # the pipeline's late penalties (apply_late_penalties), on the late hand-ins of the
    # assignment whose policy has them: a score after penalty differs from the raw score
    with closing(sqlite3.connect(gradebook)) as conn, conn:
        conn.execute(
            "UPDATE submitted_notebook SET late_submission_penalty = 1.5 WHERE assignment_id IN "
            "(SELECT sa.id FROM submitted_assignment sa JOIN assignment a "
            "ON sa.assignment_id = a.id WHERE a.name = 'devoir-1' "
            "AND sa.timestamp > '2026-09-13 21:00:00')"
        )
    cohort_digest = {
        "events": digest(cohort.events),
        "plans": digest(cohort.plans),
        "learners": digest(cohort.learners),
    }
    return config, course, cohort_digest


def report_tables(config: ParcoursConfig, course: Course) -> dict[str, Any]:
    with language("en"):
        report = class_report(load_frames(config, [course]), NOW)
    return {name: table(frame) for name, frame in report.tables().items()}


def test_the_class_report_of_a_fixed_cohort_keeps_every_figure(cohort_files):
    config, course, cohort_digest = cohort_files
    cold = report_tables(config, course)  # from the stores; writes the caches beside them
    if UPDATE:
        write_golden({"cohort": cohort_digest, "tables": cold})
    pinned = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert pinned["cohort"] == cohort_digest, (
        "the synthetic cohort itself changed (parcours.cohort.generate?), not the report: "
        f"if that change is meant, refresh the golden report with `{REFRESH}` and review it"
    )
    assert not (diff := differences(pinned["tables"], cold)), (
        "the class report changed:\n"
        + "\n".join(diff)
        + f"\nif that is meant, refresh it with `{REFRESH}` and review the diff"
    )
    warm = report_tables(config, course)  # from the caches written by the first load
    assert not (diff := differences(pinned["tables"], warm)), "\n".join(diff)
    assert all(pinned["tables"][name]["rows"] for name in pinned["tables"]), "an empty table"
