"""Recorded events to a learning record store as xAPI 1.0.3 statements (``parcours lrs``),
against a loopback LRS that checks what an LRS checks (tests/lti/mocklrs.py): each event
held exactly once, whatever fails in between (the LRS down, an answer lost, the sender
killed mid-run)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from parcours.cli import main
from parcours.config import ParcoursConfig, load_config
from parcours.lti.lrs import lrs_status, sync_statements
from parcours.lti.xapi import statement, statement_id
from parcours.store import open_store
from parcours.store.events import Event

from tests.lti.mocklrs import PASSWORD, USER, MockLrs, problems

HOME = "https://parcours.example.org"


@pytest.fixture
def lrs() -> Iterator[MockLrs]:
    server = MockLrs()
    server.start()
    yield server
    server.stop()


def project(folder: Path, lrs: MockLrs, password: str = PASSWORD) -> Path:
    """A project whose jupyter_config.py names the LRS, as an administrator writes it."""
    (folder / "courses").mkdir(parents=True)
    (folder / "jupyter_config.py").write_text(
        f"c.ParcoursConfig.data_dir = {str(folder / 'data')!r}\n"
        f"c.ParcoursConfig.lrs_url = {lrs.url!r}\n"
        f"c.ParcoursConfig.lrs_user = {USER!r}\n"
        f"c.ParcoursConfig.lrs_password = {password!r}\n"
        f"c.ParcoursConfig.lrs_home_page = {HOME!r}\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def config(tmp_path: Path, lrs: MockLrs) -> ParcoursConfig:
    return load_config(project(tmp_path / "project", lrs))


def record(config: ParcoursConfig, count: int, course: str = "c1", start: int = 0) -> list[Event]:
    """``count`` events of varied kinds (:data:`KINDS`), recorded in the project's event
    store."""
    kinds = KINDS
    events = [
        Event.make(actor=f"p-{(start + i) % 7:016x}", course=course, **kinds[i % len(kinds)])
        for i in range(count)
    ]
    with open_store(config.events_url) as store:
        store.record_many(events)
    return events


#: one event of each kind Parcours records and forwards
KINDS: list[dict[str, Any]] = [
    dict(verb="answered", object_type="question", object_id="q1", lesson="l01",
         score=1.0, success=True, response={"choice": "b"}, duration_s=12.5, attempt=1),
    dict(verb="opened", object_type="lesson", object_id="l01", lesson="l01"),
    dict(verb="completed", object_type="lesson", object_id="l01", lesson="l01",
         duration_s=600.0),
    dict(verb="submitted", object_type="assignment", object_id="devoir-a"),
    dict(verb="reflected", object_type="assignment", object_id="devoir-a",
         extra={"difficulties": "Ma voisine <b>Jeanne</b> m'a aidée"}),
]  # fmt: skip


def test_statements_follow_the_profile() -> None:
    answered = Event.make(
        actor="p-0000000000000001", verb="answered", course="c1", object_type="question",
        object_id="q1", lesson="l01", score=0.5, success=False, response=["a", "c"],
        duration_s=3.25, attempt=2,
    )  # fmt: skip
    made = statement(answered, HOME)
    assert problems(made) == []
    assert made["id"] == statement_id(answered.id) == statement(answered, HOME)["id"]
    assert made["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": HOME, "name": "p-0000000000000001"},
    }
    assert made["verb"]["id"] == "http://adlnet.gov/expapi/verbs/answered"
    assert made["object"]["id"] == f"{HOME}/courses/c1/questions/q1"
    assert made["result"] == {
        "score": {"scaled": 0.5},
        "success": False,
        "duration": "PT3.25S",
        "response": '["a", "c"]',
    }
    context = made["context"]["contextActivities"]
    assert context["grouping"] == [{"objectType": "Activity", "id": f"{HOME}/courses/c1"}]
    assert context["parent"] == [{"objectType": "Activity", "id": f"{HOME}/courses/c1/lessons/l01"}]
    assert made["timestamp"] == answered.timestamp
    # what a learner wrote in her reflection stays in Parcours
    reflected = Event.make(
        actor="p-1", verb="reflected", course="c1", object_type="assignment",
        object_id="devoir-a", extra={"difficulties": "Jeanne Dupont m'a aidée"},
    )  # fmt: skip
    assert "Jeanne" not in json.dumps(statement(reflected, HOME))


def test_each_event_sent_once_in_batches(config: ParcoursConfig, lrs: MockLrs) -> None:
    events = record(config, 25)
    report = sync_statements(config, batch=10)
    assert (report.stored, report.known, report.waiting, report.error) == (25, 0, 0, "")
    assert [len(post) for post in lrs.posts] == [10, 10, 5]
    assert set(lrs.statements) == {statement_id(e.id) for e in events}
    assert sync_statements(config, batch=10).stored == 0  # nothing new: nothing posted
    assert len(lrs.posts) == 3
    record(config, 4, course="c2", start=30)
    report = sync_statements(config, "c2", batch=10)
    assert report.stored == 4 and len(lrs.statements) == 29
    assert lrs_status(config)["stored"] == 29


def test_lrs_down_then_back_nothing_lost_nothing_twice(
    config: ParcoursConfig, lrs: MockLrs
) -> None:
    events = record(config, 30)
    waits: list[float] = []
    lrs.fail_next = 2  # two 503s, then the LRS answers: backoff 1 s, then 2 s
    report = sync_statements(config, batch=10, backoff=1.0, wait=waits.append)
    assert waits == [1.0, 2.0] and report.retries == 2 and report.stored == 30

    more = record(config, 20, start=40)
    lrs.fail_next = 100  # down for good: the run gives up after its tries, keeps the rest
    report = sync_statements(config, batch=10, tries=3, wait=waits.append)
    assert report.stored == 0 and report.waiting == 20 and "503" in report.error
    status = lrs_status(config)
    assert status["waiting"] == 20 and "503" in status["last_error"]

    lrs.fail_next = 0
    lrs.lose_next = 1  # the first batch stored, its answer lost: sent again, not twice
    report = sync_statements(config, batch=10, wait=waits.append)
    assert (report.stored, report.known, report.waiting) == (10, 10, 0)
    assert set(lrs.statements) == {statement_id(e.id) for e in events + more}
    assert lrs_status(config)["last_error"] == ""


def test_a_conflicting_statement_is_set_aside(config: ParcoursConfig, lrs: MockLrs) -> None:
    events = record(config, 5)
    clash = statement_id(events[2].id)
    lrs.statements[clash] = {"id": clash, "note": "another statement with this id"}
    report = sync_statements(config)
    assert (report.stored, report.conflicts) == (4, 1)
    assert lrs.statements[clash]["note"]  # the LRS's own statement left as it was
    assert sync_statements(config).conflicts == 0  # never sent again
    assert lrs_status(config)["conflicts"] == 1


def test_wrong_password_stops_at_once(tmp_path: Path, lrs: MockLrs) -> None:
    config = load_config(project(tmp_path / "p", lrs, password="wrong"))
    record(config, 3)
    waits: list[float] = []
    report = sync_statements(config, wait=waits.append)
    assert waits == [] and report.waiting == 3 and not lrs.statements
    assert "401" in report.error and "lrs_password" in report.error


def test_killed_mid_run_resumes_without_duplicates(
    tmp_path: Path, lrs: MockLrs, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = project(tmp_path / "project", lrs)
    config = load_config(folder)
    events = record(config, 30)
    lrs.hold_at = 2  # the second batch stored, its answer held: the sender is killed then
    command = [sys.executable, "-m", "parcours.cli", "lrs", "sync", "--batch", "10"]
    sender = subprocess.Popen(
        [*command, "--root", str(folder)],
        env={**os.environ, "PARCOURS_ROOT": str(folder)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert lrs.held.wait(60), sender.communicate(timeout=5)
        sender.send_signal(signal.SIGKILL)
        sender.wait(10)
    finally:
        lrs.release()
        if sender.poll() is None:
            sender.kill()
    assert len(lrs.statements) == 20  # two batches held by the LRS, one recorded as sent

    assert main(["lrs", "sync", "--batch", "10", "--root", str(folder), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "10 stored, 10 already in the LRS" in out
    assert set(lrs.statements) == {statement_id(e.id) for e in events}
    # the first batch was never posted again; the second (unrecorded) once more
    assert [len(post) for post in lrs.posts] == [10, 10, 10, 10]
    assert lrs.posts[1] == lrs.posts[2]

    assert main(["lrs", "status", "--json", "--root", str(folder)]) == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["stored"], status["known"], status["waiting"]) == (20, 10, 0)
    assert main(["lrs", "status", "--root", str(folder), "--lang", "fr"]) == 0
    assert "en attente" in capsys.readouterr().out


def test_no_lrs_configured_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "p" / "courses").mkdir(parents=True)
    (tmp_path / "p" / "jupyter_config.py").write_text("", encoding="utf-8")
    assert main(["lrs", "sync", "--root", str(tmp_path / "p"), "--lang", "en"]) == 2
    assert "c.ParcoursConfig.lrs_url" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["lrs", "--help", "--lang", "fr"])
    assert "apprenants" in capsys.readouterr().out
