"""One control group per sandbox: the runner is inside it before student code runs, its
limits are the configured ones, and it is gone once the notebook is graded."""

from __future__ import annotations

import json
from pathlib import Path

from parcours.pipeline.autograde import cgroups, grade_notebook

from .kit import ASSIGNMENT, RIGHT, answered
from .test_grade_notebook import limits_for, scores, spec_of

PROBE = """
import pathlib
print("groups", pathlib.Path("/proc/self/cgroup").read_text().replace("\\n", ";"))
"""


def test_student_code_runs_inside_its_own_group(template_course, server) -> None:
    course = template_course
    nb = answered(course.release, {**RIGHT, "q1": RIGHT["q1"] + "\n" + PROBE})
    limits = limits_for(course, processes=48)
    result = grade_notebook(
        spec_of(course),
        json.dumps(nb).encode(),
        limits,
        files=course.root / "source" / ASSIGNMENT,
        server=server,
    )
    assert scores(result)["q1_test"] == 2.0
    groups = result.sandbox["cgroups"]
    probe, _why = cgroups.create(2**26, 8)  # can this host's root make groups at all?
    cgroups.remove(probe)
    if not probe:  # then the report says why, and the rlimits alone applied
        assert isinstance(groups, str)
        assert "rlimits only" in groups or groups == "cgroups need root"
        return
    assert isinstance(groups, list) and groups, groups  # available, so used
    cell = next(
        c
        for c in result.notebook_json["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id") == "q1"
    )
    text = "".join(o.get("text", "") for o in cell["outputs"])
    name = Path(groups[0]).name
    assert name.startswith("sandbox-") and f"parcours/{name}" in text  # inside, before code
    for group in groups:
        assert not Path(group).exists()  # removed once graded


def test_limits_written_for_v1_and_v2_layouts(tmp_path: Path) -> None:
    v1 = tmp_path / "v1"
    for controller in ("memory", "pids"):
        (v1 / controller).mkdir(parents=True)
        (v1 / controller / "cgroup.procs").write_text("")
    made, why = cgroups.create(3 * 2**20, 17, root=v1)
    assert why == "" and len(made) == 2
    assert (Path(made[0]) / "memory.limit_in_bytes").read_text() == str(3 * 2**20)
    assert (Path(made[1]) / "pids.max").read_text() == "17"

    v2 = tmp_path / "v2"
    v2.mkdir()
    (v2 / "cgroup.controllers").write_text("cpu memory pids")
    (v2 / "cgroup.subtree_control").write_text("")
    (v2 / "parcours").mkdir()
    (v2 / "parcours" / "cgroup.subtree_control").write_text("")
    made, why = cgroups.create(5 * 2**20, 9, root=v2)
    assert why == "" and len(made) == 1
    assert (Path(made[0]) / "memory.max").read_text() == str(5 * 2**20)
    assert (Path(made[0]) / "pids.max").read_text() == "9"
    assert (v2 / "cgroup.subtree_control").read_text() == "+memory +pids"


def test_missing_controller_means_rlimits_only(tmp_path: Path) -> None:
    (tmp_path / "memory").mkdir()
    (tmp_path / "memory" / "cgroup.procs").write_text("")
    made, why = cgroups.create(2**20, 8, root=tmp_path)
    assert made == [] and "rlimits only" in why and "pids" in why


#: the first answer, then every process the sandbox may have, held for a while
HOLD_PROCESSES = RIGHT["q1"] + (
    "\nimport os, time\n"
    "while True:\n"
    "    try:\n"
    "        if os.fork() == 0:\n"
    "            time.sleep(60)\n"
    "            os._exit(0)\n"
    "    except OSError:\n"
    "        break\n"
    "time.sleep(4)"
)


def _nobody_processes() -> int:
    import pwd

    uid = pwd.getpwnam("nobody").pw_uid
    count = 0
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and entry.stat().st_uid == uid:
                count += 1
        except OSError:
            continue
    return count


def test_a_learner_holding_her_processes_costs_another_learner_nothing(
    template_course, server
) -> None:
    """Two notebooks graded at once, both sandboxes as ``nobody``: while one holds every
    process its sandbox may have, the other's cells and test cells still run (on
    session 10's code the second lost every test: ``RLIMIT_NPROC`` counted both sandboxes'
    processes together, so her forks failed)."""
    import threading
    import time

    probe, _why = cgroups.create(2**26, 8)
    cgroups.remove(probe)
    assert probe, "this test needs the control groups root makes on this machine"
    course = template_course
    limits = limits_for(course, processes=16)
    held: dict[str, object] = {}

    def greedy() -> None:
        nb = answered(course.release, {**RIGHT, "q1": HOLD_PROCESSES})
        held["result"] = grade_notebook(
            spec_of(course),
            json.dumps(nb).encode(),
            limits,
            files=course.root / "source" / ASSIGNMENT,
            server=server,
        )

    before = _nobody_processes()
    thread = threading.Thread(target=greedy)
    thread.start()
    deadline = time.monotonic() + 30
    while _nobody_processes() < before + limits.processes - 2:  # no event for a fork
        assert time.monotonic() < deadline, "the greedy notebook never held its processes"
        assert thread.is_alive(), held
        time.sleep(0.05)
    honest = grade_notebook(
        spec_of(course),
        json.dumps(answered(course.release, RIGHT)).encode(),
        limits,
        files=course.root / "source" / ASSIGNMENT,
        server=server,
    )
    thread.join()
    assert scores(honest) == {"q1_test": 2.0, "q2_test": 3.0, "q3_test": 2.0, "q4": None}, [
        (p.code, p.message) for p in honest.problems
    ]
    assert scores(held["result"])["q2_test"] == 3.0  # hers too, once her cell has ended


def test_the_runner_joins_every_group_it_was_given() -> None:
    """``join`` moves a single-threaded process through v1's ``tasks`` file (no RCU grace
    period): it must still land in every group, memory and pids alike."""
    import os

    made, _why = cgroups.create(2**26, 8)
    if not made:
        return  # no groups on this host: the report says why (test above)
    try:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # a fresh fork, single-threaded like the runner
            cgroups.join(made)
            os.write(write, Path("/proc/self/cgroup").read_bytes())
            os._exit(0)
        os.close(write)
        os.waitpid(pid, 0)
        lines = os.read(read, 65536).decode().splitlines()
        os.close(read)
        for group in made:  # .../<hierarchy>/parcours/sandbox-...: "N:<hierarchy>:/parcours/..."
            rel = "/" + "/".join(Path(group).parts[-2:])
            assert any(line.endswith(":" + rel) for line in lines), (group, lines)
    finally:
        cgroups.remove(made)
