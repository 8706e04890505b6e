"""A killed run leaves nothing behind: no grading process outlives ``kill -9`` of
``parcours autograde`` and its process group (the fork server lives in its own session),
and a crash between a batch's gradebook commit and its journal lines is resumed with the
same gradebook and nothing journalled graded again."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from parcours.pipeline.autograde import autograde
from parcours.pipeline.autograde.cgroups import ROOT as CGROUPS
from parcours.pipeline.autograde.collector import AutogradeReport

from .kit import ASSIGNMENT, COURSE, FIXTURES, Course, answered, gradebook_rows
from .test_autograde import config_for, fill, limits_for


@pytest.fixture
def signals() -> Iterator[Path]:
    """A FIFO the sandboxed student code can open: it writes a line there once it runs.

    The sandbox sees nothing of the machine but the system and the Python environment,
    read-only (sandbox.py, rootfs.py): the FIFO is made in this virtual environment, and a
    FIFO opens for writing on a read-only mount (nothing is written to the file system)."""
    folder = Path(tempfile.mkdtemp(prefix="parcours-signals-", dir=sys.prefix))
    folder.chmod(0o755)
    fifo = folder / "running"
    os.mkfifo(fifo)
    fifo.chmod(0o666)
    yield fifo
    fifo.unlink()
    folder.rmdir()


def await_lines(fifo: Path, count: int, timeout: float) -> list[str]:
    """``count`` lines written to ``fifo``, awaited (not polled) for at most ``timeout`` s."""
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    keep_open = os.open(fifo, os.O_WRONLY)  # no EOF between two writers
    data = b""
    try:
        while data.count(b"\n") < count:
            ready, _, _ = select.select([reader], [], [], timeout)
            assert ready, f"student code did not start within {timeout} s: {data!r}"
            data += os.read(reader, 4096)
    finally:
        os.close(keep_open)
        os.close(reader)
    return data.decode().splitlines()


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those still running (a zombie waits for a reaper: it runs nothing)."""
    living = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                living.append(process)
        except psutil.NoSuchProcess:
            continue
    return living


def test_nothing_outlives_a_run_killed_with_kill_9(
    course: Course, signals: Path, isolated_jupyter: Path
) -> None:
    # the limits must not end the sandboxes before the test does
    (isolated_jupyter / "config" / "jupyter_config.py").write_text(
        "c.ParcoursConfig.cell_timeout = 600\nc.ParcoursConfig.notebook_timeout = 900\n"
    )
    # a detached grandchild dies with its sandbox's PID namespace, which needs root
    detached = os.geteuid() == 0
    stubborn = (
        "import subprocess, time\n"
        + ("subprocess.Popen(['sleep', '900'], start_new_session=True)\n" if detached else "")
        + f"with open({str(signals)!r}, 'w') as fifo:\n"
        "    fifo.write('running\\n')\n"
        "time.sleep(900)\n"
        "def moyenne(s):\n    return s.mean()"
    )
    for learner in ("l00", "l01"):
        course.submit(learner, answered(course.release, {"q1": stubborn}))
    command = [sys.executable, "-m", "parcours.cli", "autograde",
               str(FIXTURES / COURSE), ASSIGNMENT, "--workers", "2",
               "--data-dir", str(course.root.parent.parent)]  # fmt: skip
    run = subprocess.Popen(command, start_new_session=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    processes: list[psutil.Process] = []
    supervisors: list[int] = []
    try:
        assert await_lines(signals, 2, timeout=300) == ["running", "running"]
        processes = [psutil.Process(run.pid), *psutil.Process(run.pid).children(recursive=True)]
        names = [p.name() for p in processes]
        (server,) = [p for p in processes if "forkserver" in " ".join(p.cmdline())
                     and p.ppid() == run.pid]  # fmt: skip
        supervisors = [p.pid for p in server.children()]
        # the run, its fork server, and per notebook a supervisor, a runner (and a sleep)
        assert names.count("sleep") == (2 if detached else 0), names
        assert len(processes) >= (8 if detached else 6), names
    finally:
        os.killpg(run.pid, signal.SIGKILL)  # the run and its process group, not the server
        run.wait()
    psutil.wait_procs(alive(processes), timeout=20)
    left = alive(processes)
    assert left == [], [(p.pid, p.name(), p.cmdline()[:3]) for p in left]
    # and the sandboxes' control groups (where the host makes them) are gone with them
    for supervisor in supervisors:
        pattern = f"parcours/sandbox-{supervisor}-*"
        assert [*CGROUPS.glob(pattern), *CGROUPS.glob(f"*/{pattern}")] == []


CRASH_AFTER_COMMIT = """
import os, signal, sys
from parcours.config import load_config
from parcours.pipeline.autograde import Limits, autograde

def crash(learners):
    print(" ".join(learners), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

autograde(load_config(data_dir=sys.argv[1]), sys.argv[2], sys.argv[3], workers=2,
          progress=False, batch_size=1, on_committed=crash,
          limits=Limits(cell_timeout_s=5, notebook_timeout_s=30))
"""


def test_crash_between_gradebook_commit_and_journal_resumes_with_the_same_rows(
    course: Course, server: object
) -> None:
    fill(course, 6)
    journal = course.root / ".parcours" / f"autograde-{ASSIGNMENT}.jsonl"
    crashed = subprocess.run(
        [sys.executable, "-c", CRASH_AFTER_COMMIT, str(course.root.parent.parent), COURSE,
         ASSIGNMENT],
        capture_output=True, text=True, timeout=300, start_new_session=True,
    )  # fmt: skip
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-2000:]
    # the first batch committed: the learners whose results were ready together (one, or
    # two when both workers finished at once)
    committed = set(crashed.stdout.split())
    assert committed and {k[0] for k in gradebook_rows(course.db_url)} == committed
    assert not journal.exists() or journal.read_text() == ""

    report = autograde_again(course, server)
    assert report.skipped == []  # nothing journalled: everything graded (once) here
    assert sorted(r.learner for r in report.graded) == [f"l{i:02d}" for i in range(6)]
    rows = gradebook_rows(course.db_url)
    assert len(rows) == 6 * 4  # one row per learner and grade cell: no duplicate
    expected = {0: 7.0, 1: 3.0, 2: 0.0}
    for i in range(6):
        assert sum(v[2] for k, v in rows.items() if k[0] == f"l{i:02d}") == expected[i % 3]
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    assert sorted(line["learner"] for line in lines) == [f"l{i:02d}" for i in range(6)]
    # and a third run grades nothing
    assert autograde_again(course, server).skipped == [f"l{i:02d}" for i in range(6)]


def autograde_again(course: Course, server: object) -> AutogradeReport:
    return autograde(config_for(course), COURSE, ASSIGNMENT, progress=False,
                     limits=limits_for(course), server=server)  # fmt: skip
