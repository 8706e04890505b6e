"""autograde(): nbgrader's gradebook rows and folders, in parallel, resumable, like nbgrader."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

from parcours.config import load_config
from parcours.pipeline.autograde import Limits, autograde

from .kit import (
    ASSIGNMENT,
    COURSE,
    PARTIAL,
    RIGHT,
    Course,
    answered,
    gradebook_rows,
    nbgrader,
    sha256,
)


def config_for(course: Course):
    return load_config(data_dir=str(course.root.parent.parent))


def limits_for(course: Course) -> Limits:
    return Limits(cell_timeout_s=5, notebook_timeout_s=30, hidden_paths=(str(course.root),))


def fill(course: Course, count: int) -> dict[str, str]:
    """``count`` learners: right, partial and blank answers in turn; returns learner -> sha."""
    kinds = [RIGHT, PARTIAL, {}]
    shas = {}
    for i in range(count):
        path = course.submit(f"l{i:02d}", answered(course.release, kinds[i % 3]))
        shas[f"l{i:02d}"] = sha256(path)
    return shas


def test_autograde_writes_nbgrader_rows_and_folders(course, server):
    shas = fill(course, 3)
    report = autograde(
        config_for(course),
        COURSE,
        ASSIGNMENT,
        workers=2,
        progress=False,
        limits=limits_for(course),
        server=server,
    )
    assert report.exit_status == 0 and len(report.graded) == 3
    rows = gradebook_rows(course.db_url)
    assert rows[("l00", "devoir", "q2_test")] == (3.0, False, 3.0)
    assert rows[("l00", "devoir", "q4")] == (None, True, 0.0)  # written answer: teacher grades it
    assert rows[("l01", "devoir", "q3_test")] == (1.0, False, 1.0)  # partial credit
    assert rows[("l02", "devoir", "q4")] == (0.0, False, 0.0)  # no response
    for learner, sha in shas.items():
        folder = course.root / "autograded" / learner / ASSIGNMENT
        assert (folder / "devoir.ipynb").is_file() and (folder / "ventes.csv").is_file()
        assert (folder / "timestamp.txt").is_file()
        result = json.loads((folder / "parcours-result.json").read_text())
        assert result["schema_version"] == 1 and result["status"] == "ok"
        assert sha256(course.root / "submitted" / learner / ASSIGNMENT / "devoir.ipynb") == sha
    # again: nothing to do; --force: graded again, same rows
    again = autograde(
        config_for(course),
        COURSE,
        ASSIGNMENT,
        progress=False,
        limits=limits_for(course),
        server=server,
    )
    assert again.skipped == ["l00", "l01", "l02"] and not again.graded
    forced = autograde(
        config_for(course),
        COURSE,
        ASSIGNMENT,
        progress=False,
        force=True,
        limits=limits_for(course),
        server=server,
    )
    assert len(forced.graded) == 3 and gradebook_rows(course.db_url) == rows


def test_manual_grade_survives_regrading(course, server):
    from nbgrader.api import Gradebook

    fill(course, 1)
    autograde(
        config_for(course),
        COURSE,
        ASSIGNMENT,
        progress=False,
        limits=limits_for(course),
        server=server,
    )
    with Gradebook(course.db_url) as gb:
        grade = gb.find_grade("q4", "devoir", ASSIGNMENT, "l00")
        grade.manual_score = 1.0
        gb.db.commit()
    autograde(
        config_for(course),
        COURSE,
        ASSIGNMENT,
        progress=False,
        force=True,
        limits=limits_for(course),
        server=server,
    )
    assert gradebook_rows(course.db_url)[("l00", "devoir", "q4")] == (None, True, 1.0)


def test_same_scores_as_nbgrader_autograde(course, server, tmp_path):
    fill(course, 3)
    course.submit("l03", answered(course.release, {"q1": "def moyenne(s):\n    return 2"}))
    twin = tmp_path / "twin"
    shutil.copytree(course.root, twin, symlinks=True)
    (twin / "nbgrader_config.py").write_text(
        (twin / "nbgrader_config.py").read_text().replace(str(course.root), str(twin))
    )
    done = nbgrader("autograde", ASSIGNMENT, cwd=twin)
    assert done.returncode == 0, done.stderr[-3000:]
    autograde(
        config_for(course),
        COURSE,
        ASSIGNMENT,
        progress=False,
        limits=limits_for(course),
        server=server,
    )
    theirs = gradebook_rows(f"sqlite:///{twin / 'gradebook.db'}")
    assert len(theirs) == 16
    assert gradebook_rows(course.db_url) == theirs


RESUME = """
import sys
from parcours.config import load_config
from parcours.pipeline.autograde import Limits, autograde
autograde(load_config(data_dir=sys.argv[1]), sys.argv[2], sys.argv[3], workers=2,
          progress=False, batch_size=1, limits=Limits(cell_timeout_s=5, notebook_timeout_s=30))
"""


def test_resume_after_kill_9(course, server):
    fill(course, 12)
    journal = course.root / ".parcours" / f"autograde-{ASSIGNMENT}.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-c", RESUME, str(course.root.parent.parent), COURSE, ASSIGNMENT],
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and len(journal.read_text().splitlines()) >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the run and its fork server, mid-way
    proc.wait()
    before = {json.loads(line)["learner"] for line in journal.read_text().splitlines()}
    assert 3 <= len(before) < 12
    report = autograde(
        config_for(course),
        COURSE,
        ASSIGNMENT,
        progress=False,
        limits=limits_for(course),
        server=server,
    )
    assert set(report.skipped) == before  # nothing graded twice
    assert {r.learner for r in report.graded} == {f"l{i:02d}" for i in range(12)} - before
    rows = gradebook_rows(course.db_url)
    assert len(rows) == 12 * 4  # nothing lost
    expected = {0: 7.0, 1: 3.0, 2: 0.0}
    for i in range(12):
        total = sum(v[2] for k, v in rows.items() if k[0] == f"l{i:02d}")
        assert total == expected[i % 3]
    lines = journal.read_text().splitlines()
    assert len({json.loads(x)["learner"] for x in lines}) == 12


def test_cli_exit_status_lists_problems(course, capsys):
    from parcours.cli import main

    from .kit import FIXTURES

    shas = fill(course, 2)
    broken = course.submit("zz-broken", b'{"cells": [')
    shas["zz-broken"] = sha256(broken)
    data_dir = str(course.root.parent.parent)
    folder = str(FIXTURES / "cours-test")
    args = ["autograde", folder, ASSIGNMENT, "--data-dir", data_dir, "--no-progress"]
    assert main(args) == 3
    out = capsys.readouterr().out
    assert "zz-broken" in out and "invalid JSON at byte 11" in out
    for learner, sha in shas.items():  # the learners' originals, byte for byte
        assert sha256(course.root / "submitted" / learner / ASSIGNMENT / "devoir.ipynb") == sha
    assert broken.read_bytes() == b'{"cells": ['
    rows = gradebook_rows(course.db_url)
    assert {k[2]: v for k, v in rows.items() if k[0] == "zz-broken"}["q1_test"] == (0.0, False, 0.0)
    # everything graded now: nothing to do, exit 0
    assert main(args) == 0
    # errors of the command itself: unknown assignment -> 2, no traceback
    assert main(["autograde", folder, "nope", "--data-dir", data_dir, "--no-progress"]) == 2
    assert "Traceback" not in capsys.readouterr().err
