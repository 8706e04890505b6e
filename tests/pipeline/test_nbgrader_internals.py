"""Fails loudly when nbgrader changes what Parcours relies on without its API: the
gradebook columns read with raw SQL (analytics/gradebook.py) and the log lines parsed to
learn which learners a converter failed on (pipeline/gradebook.py). Both are produced by
nbgrader itself here: a gradebook built with its API, a real feedback run that fails for
one learner. pyproject.toml bounds nbgrader below 0.10 for the same reason; when
upgrading it, this test says what to port."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from parcours.analytics.gradebook import _GRADEBOOK_SQL, read_gradebook_tables
from parcours.pipeline.gradebook import (
    failed_learners,
    nbgrader_log,
    quiet_sqlalchemy,
    run_app,
)

from tests.postgres import Databases

from ..autograde.kit import ASSIGNMENT, RIGHT, answered, make_course, nbgrader

#: table -> columns Parcours reads from it (every name in _GRADEBOOK_SQL)
READ = {
    "student": {"id"},
    "assignment": {"id", "name", "duedate"},
    "notebook": {"id", "name", "assignment_id"},
    "base_cell": {"id", "name"},
    "grade_cells": {"id", "max_score", "cell_type"},
    "task_cells": {"id", "max_score"},
    "submitted_assignment": {"id", "assignment_id", "student_id", "timestamp", "extension"},
    "submitted_notebook": {"id", "assignment_id", "notebook_id", "late_submission_penalty"},
    "grade": {
        "notebook_id",
        "cell_id",
        "auto_score",
        "manual_score",
        "extra_credit",
        "needs_manual_grade",
    },
    "comment": {"notebook_id", "cell_id", "auto_comment", "manual_comment"},
}


def test_read_columns_cover_every_query() -> None:
    """READ lists every table and column the raw SQL names (kept in step with it)."""
    sql = " ".join(_GRADEBOOK_SQL.values())
    for table in READ:
        assert re.search(rf"\bFROM {table}\b|\bJOIN {table}\b", sql), table
    words = set(re.findall(r"\b[a-z_]+\b", sql))
    named = {c for cols in READ.values() for c in cols}
    assert named <= words


def test_gradebook_built_by_nbgrader_has_the_columns_read(databases: Databases) -> None:
    """On SQLite and on PostgreSQL (the database made by Parcours when missing)."""
    import datetime as dt

    from nbgrader.api import Gradebook
    from parcours.analytics.gradebook import _interval
    from parcours.pipeline.coursedir import ensure_gradebook_database
    from sqlalchemy import create_engine, inspect

    url = databases.gradebook_url.replace("{course}", "internals")
    ensure_gradebook_database(url)
    with quiet_sqlalchemy(), Gradebook(url) as gb:  # nbgrader's own SAWarning, as elsewhere
        gb.add_student("alice")
        gb.add_assignment("a1", duedate=dt.datetime(2026, 9, 1, 12))
        gb.add_notebook("nb", "a1")
        gb.add_grade_cell("q1", "nb", "a1", max_score=2, cell_type="code")
        gb.add_solution_cell("q1", "nb", "a1")
        gb.add_task_cell("t1", "nb", "a1", max_score=1, cell_type="markdown")
        gb.add_submission("a1", "alice", timestamp=dt.datetime(2026, 9, 1, 11))
        gb.find_submission("a1", "alice").extension = dt.timedelta(hours=36)
        gb.db.commit()

    engine = create_engine(url)
    found = {
        table: {c["name"] for c in inspect(engine).get_columns(table)}
        for table in inspect(engine).get_table_names()
    }
    engine.dispose()
    for table, columns in READ.items():
        assert table in found, f"nbgrader's gradebook has no table '{table}' any more"
        missing = columns - found[table]
        assert not missing, (
            f"nbgrader's table '{table}' lost {sorted(missing)}: port "
            "analytics/gradebook.py's _GRADEBOOK_SQL to its new schema"
        )
    tables = read_gradebook_tables(url)  # the queries themselves, as Parcours runs them
    assert set(tables) == set(_GRADEBOOK_SQL)
    assert len(tables["grade"]) == 2 and len(tables["grade_cells"]) == 2  # q1 + task t1
    assert sorted(tables["comment"]["cell"]) == ["q1", "t1"]  # solution and task cells
    assert sorted(tables["grade_cells"]["cell_type"]) == ["code", "task"]
    extension = _interval(tables["submitted_assignment"]["extension"])
    assert extension.tolist() == [pd.Timedelta(hours=36)]  # an interval on both databases


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory: pytest.TempPathFactory):
    """A real course autograded by nbgrader for two learners."""
    course = make_course(tmp_path_factory.mktemp("internals"))
    for learner in ("sage", "casse"):
        course.submit(learner, answered(course.release, RIGHT))
    done = nbgrader("autograde", ASSIGNMENT, "--create", cwd=course.root)
    assert done.returncode == 0, done.stderr[-3000:]
    return course


def test_failed_learners_reads_nbgrader_feedback_log(graded_course) -> None:
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    course = graded_course
    broken = course.root / "autograded" / "casse" / ASSIGNMENT / "devoir.ipynb"
    broken.write_text("{ not a notebook")
    config = Config()
    config.CourseDirectory.root = str(course.root)
    config.CourseDirectory.db_url = course.db_url
    config.CourseDirectory.assignment_id = ASSIGNMENT
    generator = GenerateFeedback(
        coursedir=CourseDirectory(config=config), config=config, log=nbgrader_log()
    )
    generator.force = True
    log = run_app(generator, "generate the feedback", per_learner=True)

    failed = failed_learners(log)
    assert set(failed) == {"casse"}, (
        "nbgrader's converter log changed: port pipeline/gradebook.py's _FAILED / "
        f"_TRACE_START to it. Log:\n{log[-3000:]}"
    )
    assert re.search(r"(Error|Exception)\b", failed["casse"]), failed
    assert (course.root / "feedback" / "sage" / ASSIGNMENT / "devoir.html").is_file()
    json.loads((course.root / "autograded" / "sage" / ASSIGNMENT / "devoir.ipynb").read_text())


def test_gradebook_models_without_nbgraders_server_extensions() -> None:
    """``parcours autograde`` opens the gradebook through ``nbgrader_api()``: nbgrader's
    models without its package ``__init__`` (its server extensions: tornado,
    jupyter_server, the exchange), and the package whole again as soon as anything asks
    it for more — checked in a fresh interpreter, where import state is clean."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from parcours.pipeline.nbgradermodels import nbgrader_api\n"
        "api = nbgrader_api()\n"
        "assert hasattr(api, 'Gradebook') and hasattr(api, 'SubmittedNotebook')\n"
        "print(sorted(m for m in sys.modules if m.startswith(('nbgrader.server_extensions',"
        " 'nbgrader.exchange', 'jupyter_server'))))\n"
        "import nbgrader, nbgrader.api\n"
        "print(nbgrader.__version__, nbgrader._jupyter_server_extension_points(),"
        " nbgrader.api is api, 'nbgrader.server_extensions.formgrader' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    light, whole = done.stdout.splitlines()
    assert light == "[]", light
    version, *rest = whole.split(" ", 1)
    assert re.fullmatch(r"0\.9\.\d+", version)
    assert rest == ["[{'module': 'nbgrader'}] True True"], whole
