"""A cell that ignores the interrupt in an infinite loop costs its own question only: it
is killed with its sandbox, the cells before it run again in a new one (the state before
it, files included), and the later questions get their points (issue 13, item 7a)."""

from __future__ import annotations

import json
import time

from parcours.pipeline.autograde import autograde, grade_notebook

from .kit import ASSIGNMENT, COURSE, RIGHT, answered, gradebook_rows
from .test_autograde import config_for
from .test_grade_notebook import limits_for, scores, spec_of


def no_sandbox_processes_left(server) -> bool:
    """No process of this fork server's sandboxes is left (waits for their exits, at
    most 10 s). Counts only the server's descendants: other sessions on the machine
    grade as the same sandbox user."""
    import psutil

    def sandboxed() -> list[psutil.Process]:
        found = []
        for proc in psutil.Process(server.process.pid).children(recursive=True):
            try:
                if proc.username() == "nobody":
                    found.append(proc)
            except psutil.NoSuchProcess:
                pass
        return found

    _gone, alive = psutil.wait_procs(sandboxed(), timeout=10)
    return not alive and not sandboxed()


#: q2's answer: defines a name, changes the data, then loops ignoring SIGINT and
#: swallowing every exception (the watchdog's too): only a kill stops it
STUBBORN = (
    "import signal\n"
    "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
    "defined_by_the_stubborn_cell = True\n"
    "open('written_by_the_stubborn_cell.txt', 'w').write('x')\n"
    "ventes['montant'] = 0\n"
    "while True:\n"
    "    try:\n"
    "        while True:\n"
    "            pass\n"
    "    except BaseException:\n"
    "        pass"
)
#: after q2: what the interpreter's state is once resumed
PROBE = (
    "print('stubborn name:', 'defined_by_the_stubborn_cell' in globals())\n"
    "print('stubborn file:', __import__('os').path.exists('written_by_the_stubborn_cell.txt'))\n"
    "print('total:', ventes['montant'].sum())\n"
    "print('sigint:', __import__('signal').getsignal(__import__('signal').SIGINT).__name__)"
)


def stubborn_notebook(release) -> dict:
    nb = answered(release, {**RIGHT, "q2": STUBBORN})
    at = next(
        i
        for i, c in enumerate(nb["cells"])
        if c["metadata"].get("nbgrader", {}).get("grade_id") == "q2_test"
    )
    probe = {
        "cell_type": "code",
        "execution_count": None,
        "id": "probe",
        "metadata": {},
        "outputs": [],
        "source": PROBE,
    }
    nb["cells"].insert(at + 1, probe)
    return nb


def test_stubborn_cell_scores_0_and_later_questions_score(template_course, server):
    course = template_course
    limits = limits_for(course, cell_timeout_s=2, kill_grace_s=1.0)
    started = time.monotonic()
    result = grade_notebook(
        spec_of(course),
        json.dumps(stubborn_notebook(course.release)).encode(),
        limits,
        files=course.root / "source" / ASSIGNMENT,
        server=server,
    )
    took = time.monotonic() - started

    assert scores(result) == {"q1_test": 2.0, "q2_test": 0.0, "q3_test": 2.0, "q4": None}
    assert result.score == 4.0
    [problem] = [p for p in result.problems if p.code != "sandbox"]
    assert problem.code == "cell-timeout" and problem.cell == "q2"
    assert "ignored the interrupt: killed; the notebook went on from the state before" in (
        problem.message
    )
    cells = {c.get("id"): c for c in result.notebook_json["cells"]}
    q2 = next(
        c for c in cells.values() if c["metadata"].get("nbgrader", {}).get("grade_id") == "q2"
    )
    assert [o["ename"] for o in q2["outputs"]] == ["CellTimeoutError"]
    # the state is the one before q2: its name and its change of the data are gone
    text = "".join(o.get("text", "") for o in cells["probe"]["outputs"])
    assert "stubborn name: False" in text and "total: 60" in text
    assert "stubborn file: False" in text  # the files as they were before it
    assert "sigint: on_sigint" in text  # the next cells can be interrupted again
    assert took < 30  # the interrupt, the grace, the kill and the rest: no long wait
    assert no_sandbox_processes_left(server)


def test_stubborn_cell_through_autograde_keeps_later_points(course, server):
    course.submit("tetu", stubborn_notebook(course.release))
    course.submit("sage", answered(course.release, RIGHT))
    limits = limits_for(course, cell_timeout_s=2, kill_grace_s=1.0)
    report = autograde(
        config_for(course),
        COURSE,
        ASSIGNMENT,
        workers=2,
        progress=False,
        limits=limits,
        server=server,
    )
    assert report.exit_status == 3  # graded, with a problem listed for tetu
    rows = gradebook_rows(course.db_url)
    assert rows[("tetu", "devoir", "q1_test")] == (2.0, False, 2.0)
    assert rows[("tetu", "devoir", "q2_test")] == (0.0, False, 0.0)
    assert rows[("tetu", "devoir", "q3_test")] == (2.0, False, 2.0)
    assert rows[("sage", "devoir", "q2_test")] == (3.0, False, 3.0)
    assert no_sandbox_processes_left(server)


def test_death_in_the_last_cell_is_reported_at_once(template_course, server):
    """A death in the last cell is reported at once, not after the cell's limit."""
    course = template_course
    nb = answered(course.release, RIGHT)
    nb["cells"].append(
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "last",
            "metadata": {},
            "outputs": [],
            "source": "import ctypes\nctypes.string_at(0)",
        }
    )
    limits = limits_for(course, cell_timeout_s=20, kill_grace_s=1.0)
    started = time.monotonic()
    result = grade_notebook(
        spec_of(course),
        json.dumps(nb).encode(),
        limits,
        files=course.root / "source" / ASSIGNMENT,
        server=server,
    )
    assert time.monotonic() - started < 15  # not after the cell's 20 s limit
    [problem] = [p for p in result.problems if p.code != "sandbox"]
    assert problem.code == "killed" and "killed by signal SIGSEGV" in problem.message
    assert scores(result) == {"q1_test": 2.0, "q2_test": 3.0, "q3_test": 2.0, "q4": None}
    assert no_sandbox_processes_left(server)


#: q1's answer, then children that hold every process the sandbox may have
FILL_PROCESSES = RIGHT["q1"] + (
    "\nimport os, time\n"
    "while True:\n"
    "    try:\n"
    "        if os.fork() == 0:\n"
    "            time.sleep(600)\n"
    "            os._exit(0)\n"
    "    except OSError:\n"
    "        break"
)


def test_cells_run_when_the_process_limit_is_reached(template_course, server):
    """Once student code holds every process the sandbox may have, cells still run."""
    course = template_course
    nb = answered(course.release, {**RIGHT, "q1": FILL_PROCESSES})
    result = grade_notebook(
        spec_of(course),
        json.dumps(nb).encode(),
        limits_for(course, processes=16),
        files=course.root / "source" / ASSIGNMENT,
        server=server,
    )
    assert scores(result) == {"q1_test": 2.0, "q2_test": 3.0, "q3_test": 2.0, "q4": None}
    assert no_sandbox_processes_left(server)
