"""autograde() on a real Dask cluster (``distributed.LocalCluster``, 2 worker processes of
one thread): the same gradebook rows and folders as the local backend, hostile work graded
on the workers, a dead worker retried, an unusable scheduler refused before anything."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from distributed.diagnostics.plugin import SchedulerPlugin
from parcours.errors import SchedulerError
from parcours.pipeline.autograde import Limits, autograde

from .kit import ASSIGNMENT, COURSE, RIGHT, Course, answered, gradebook_rows, sha256
from .test_autograde import config_for, fill, limits_for


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    """Two worker processes of one thread each; their warm fork servers serve every test."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    ) as local:
        yield local


def twin_of(course: Course, tmp_path: Path) -> Course:
    """A copy of ``course`` (submissions and gradebook) under another data dir."""
    root = tmp_path / "twin-data" / "courses" / course.root.name
    shutil.copytree(course.root, root, symlinks=True)
    nbconfig = root / "nbgrader_config.py"
    nbconfig.write_text(nbconfig.read_text().replace(str(course.root), str(root)))
    return Course(root, root / course.release.relative_to(course.root))


def folder_contents(course: Course, learner: str) -> dict[str, object]:
    """autograded/<learner>/<assignment>/: file -> bytes; the result without what varies
    per run (timings, the sandbox's cgroup names and hidden paths)."""
    folder = course.root / "autograded" / learner / ASSIGNMENT
    found: dict[str, object] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        found[str(path.relative_to(folder))] = path.read_bytes()
    result = json.loads(found.pop("parcours-result.json"))  # type: ignore[arg-type]
    result.pop("timestamp", None)
    for nb in result["notebooks"]:
        for name in ("run_s", "wall_s"):
            nb.pop(name)
        sandbox = nb.pop("sandbox")  # timings, cgroup names and hidden paths vary per run
        nb["sandbox"] = {
            "keys": sorted(sandbox),
            "user": sandbox.get("user"),
            "network": sandbox.get("network"),
        }
    found["parcours-result.json"] = result
    return found


def test_same_rows_and_folders_as_local_backend(course, server, cluster, tmp_path):
    shas = fill(course, 4)
    course.submit("zz-broken", b'{"cells": [')
    (course.root / "submitted" / "l00" / ASSIGNMENT / "notes.txt").write_text("mes notes")
    twin = twin_of(course, tmp_path)
    local = autograde(
        config_for(twin),
        COURSE,
        ASSIGNMENT,
        workers=2,
        progress=False,
        limits=limits_for(twin),
        server=server,
    )
    remote = autograde(
        config_for(course),
        COURSE,
        ASSIGNMENT,
        progress=False,
        limits=limits_for(course),
        scheduler=cluster.scheduler_address,
    )
    assert remote.workers == 2 and len(remote.graded) == 5
    assert remote.exit_status == local.exit_status == 3
    assert set(remote.problems) == set(local.problems) == {"zz-broken"}
    rows = gradebook_rows(course.db_url)
    assert len(rows) == 5 * 4 and rows == gradebook_rows(twin.db_url)
    for learner in [*shas, "zz-broken"]:
        assert folder_contents(course, learner) == folder_contents(twin, learner)
    assert (course.root / "autograded" / "l00" / ASSIGNMENT / "notes.txt").is_file()
    assert (course.root / "autograded" / "l01" / ASSIGNMENT / "ventes.csv").is_file()
    for learner, sha in shas.items():
        assert sha256(course.root / "submitted" / learner / ASSIGNMENT / "devoir.ipynb") == sha
    # the journal is kept by the parent: a rerun skips everything, --force regrades
    again = autograde(
        config_for(course),
        COURSE,
        ASSIGNMENT,
        progress=False,
        limits=limits_for(course),
        scheduler=cluster.scheduler_address,
    )
    assert not again.graded and len(again.skipped) == 5
    forced = autograde(
        config_for(course),
        COURSE,
        ASSIGNMENT,
        progress=False,
        force=True,
        limits=limits_for(course),
        scheduler=cluster.scheduler_address,
        learners=["l01"],
    )
    assert [r.learner for r in forced.graded] == ["l01"] and gradebook_rows(course.db_url) == rows


def test_hostile_submission_times_out_on_a_worker(course, cluster):
    fill(course, 2)
    looping = answered(course.release, {**RIGHT, "q1": "while True:\n    pass"})
    course.submit("zz-loop", looping)
    limits = Limits(
        cell_timeout_s=2, notebook_timeout_s=30, kill_grace_s=1, hidden_paths=(str(course.root),)
    )
    report = autograde(
        config_for(course),
        COURSE,
        ASSIGNMENT,
        progress=False,
        limits=limits,
        scheduler=cluster.scheduler_address,
    )
    assert len(report.graded) == 3 and set(report.problems) == {"zz-loop"}
    assert [p.code for p in report.problems["zz-loop"]] == ["cell-timeout"]
    assert "timed out" in report.problems["zz-loop"][0].message
    rows = gradebook_rows(course.db_url)
    assert rows[("l00", "devoir", "q2_test")] == (3.0, False, 3.0)
    assert rows[("zz-loop", "devoir", "q1_test")][0] == 0.0  # q1 never defined
    assert rows[("zz-loop", "devoir", "q2_test")] == (3.0, False, 3.0)  # graded on


def grade_killing_a_worker(course: Course, cluster) -> object:
    """autograde() with a slow learner 'zz-slow'; kill -9 of the worker process grading
    it, mid-task (the nanny restarts that worker). Returns the report."""
    from distributed import Client

    fill(course, 3)
    slow = answered(course.release, {**RIGHT, "q1": "import time\ntime.sleep(3)\n" + RIGHT["q1"]})
    course.submit("zz-slow", slow)
    limits = Limits(cell_timeout_s=10, notebook_timeout_s=60, hidden_paths=(str(course.root),))
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["report"] = autograde(
                config_for(course),
                COURSE,
                ASSIGNMENT,
                progress=False,
                limits=limits,
                scheduler=cluster.scheduler_address,
            )
        except Exception as exc:  # handed to the test's thread, which asserts on it
            outcome["error"] = exc

    with Client(cluster.scheduler_address, set_as_default=False) as client:
        pids = client.run(os.getpid)
        sent: list[str] = []
        handed = threading.Event()

        def on_event(event: tuple[float, dict[str, str]]) -> None:
            sent.append(event[1]["worker"])
            handed.set()

        client.subscribe_topic(SlowTaskSent.topic, on_event)
        client.register_plugin(SlowTaskSent())
        try:
            thread = threading.Thread(target=run)
            thread.start()
            assert handed.wait(timeout=120), outcome  # the slow task reached a worker
            os.kill(pids[sent[0]], signal.SIGKILL)
            thread.join(timeout=300)
        finally:
            client.unregister_scheduler_plugin(SlowTaskSent.name)
            client.unsubscribe_topic(SlowTaskSent.topic)
        assert not thread.is_alive() and "error" not in outcome, outcome
    return outcome["report"]


class SlowTaskSent(SchedulerPlugin):
    """Scheduler plugin: says (an event on :attr:`topic`) which worker the first task of
    learner 'zz-slow' was sent to."""

    name = "parcours-test-slow-task-sent"
    topic = "parcours-test-slow-task"

    def __init__(self) -> None:
        self.done = False

    async def start(self, scheduler: Any) -> None:
        self.scheduler = scheduler

    def transition(self, key: Any, start: str, finish: str, *args: Any, **kwargs: Any) -> None:
        if self.done or finish != "processing" or "zz-slow" not in str(key):
            return
        self.done = True
        worker = self.scheduler.tasks[key].processing_on
        self.scheduler.log_event(self.topic, {"worker": worker.address})


def totals(course: Course) -> dict[str, float]:
    found: dict[str, float] = {}
    for (learner, _, _), (_, _, score) in gradebook_rows(course.db_url).items():
        found[learner] = found.get(learner, 0.0) + score
    return found


def journalled(course: Course) -> list[str]:
    journal = course.root / ".parcours" / f"autograde-{ASSIGNMENT}.jsonl"
    return [json.loads(line)["learner"] for line in journal.read_text().splitlines()]


def test_worker_killed_mid_task_is_retried(course, cluster):
    """The scheduler hands the task to another worker: nothing lost or recorded twice."""
    report = grade_killing_a_worker(course, cluster)
    assert len(report.graded) == 4 and not report.problems  # type: ignore[attr-defined]
    assert totals(course) == {"l00": 7.0, "l01": 3.0, "l02": 0.0, "zz-slow": 7.0}
    assert sorted(journalled(course)) == ["l00", "l01", "l02", "zz-slow"]


def test_task_failing_for_good_is_recorded_and_graded_next_run(course, cluster):
    """No retry left (allowed-failures 0): the notebook is recorded with the reason, its
    learner is not journalled, and the next run grades it."""
    scheduler = cluster.scheduler  # in this process: set the scheduler's own setting
    saved, scheduler.allowed_failures = scheduler.allowed_failures, 0
    try:
        report = grade_killing_a_worker(course, cluster)
    finally:
        scheduler.allowed_failures = saved
    # every notebook queued on the killed worker fails with it ('zz-slow' at least)
    failed = set(report.problems)  # type: ignore[attr-defined]
    assert len(report.graded) == 4 and "zz-slow" in failed  # type: ignore[attr-defined]
    for learner in failed:
        (problem,) = report.problems[learner]  # type: ignore[attr-defined]
        assert problem.code == "internal" and "KilledWorker" in problem.message
        assert cluster.scheduler_address in problem.message and "again" in problem.message
        result = course.root / "autograded" / learner / ASSIGNMENT / "parcours-result.json"
        assert "KilledWorker" in result.read_text()
    assert sorted(journalled(course)) == sorted({"l00", "l01", "l02", "zz-slow"} - failed)
    again = autograde(
        config_for(course),
        COURSE,
        ASSIGNMENT,
        progress=False,
        limits=limits_for(course),
        scheduler=cluster.scheduler_address,
    )
    assert {r.learner for r in again.graded} == failed and not again.problems
    assert len(again.skipped) == 4 - len(failed)
    assert totals(course) == {"l00": 7.0, "l01": 3.0, "l02": 0.0, "zz-slow": 7.0}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_scheduler_fails_fast_and_records_nothing(course, capsys):
    from parcours.cli import main

    from .kit import FIXTURES

    fill(course, 2)
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(SchedulerError) as caught:
        autograde(
            config_for(course),
            COURSE,
            ASSIGNMENT,
            progress=False,
            limits=limits_for(course),
            scheduler=address,
        )
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert address in message and "refused" in message and "Rien n'a été noté" in message
    args = [
        "autograde",
        str(FIXTURES / "cours-test"),
        ASSIGNMENT,
        "--data-dir",
        str(course.root.parent.parent),
        "--no-progress",
        "--scheduler",
        address,
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert address in err and "Traceback" not in err
    assert not gradebook_rows(course.db_url)
    assert not (course.root / ".parcours").exists() and not (course.root / "autograded").exists()


def test_cli_scheduler_option(course, cluster, capsys):
    from parcours.cli import main

    from .kit import FIXTURES

    fill(course, 2)
    args = [
        "autograde",
        str(FIXTURES / "cours-test"),
        ASSIGNMENT,
        "--data-dir",
        str(course.root.parent.parent),
        "--no-progress",
        "--scheduler",
        cluster.scheduler_address,
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "2 en parallèle" in out or "2 in parallel" in out
    assert len(gradebook_rows(course.db_url)) == 2 * 4
