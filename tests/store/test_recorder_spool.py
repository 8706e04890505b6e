"""A store that is missing, locked or corrupt never loses an answer: it is spooled, the
outcome says so, and the next successful write flushes it."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from parcours.errors import EventStoreError
from parcours.store import Event, open_store
from parcours.store.spool import Spool
from parcours_lab.recorder import Recorder


def answer(qid: str) -> Event:
    return Event.make(
        actor="p-00000000000000aa", verb="answered", course="c1", object_type="question",
        object_id=qid, lesson="l01", score=0.0, success=False, response=[0], attempt=1,
    )  # fmt: skip


@pytest.fixture
def spool_dir(tmp_path: Path) -> Path:
    return tmp_path / "spool"


def test_locked_store_spools_then_flushes(tmp_path: Path, spool_dir: Path) -> None:
    path = tmp_path / "events.sqlite"
    open_store(f"sqlite:///{path}").count()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    recorder = Recorder(f"sqlite:///{path}", spool_dir=spool_dir, busy_timeout_ms=200, enabled=True)
    first = recorder.record(answer("q1"))
    assert first.status == "spooled" and first.spooled == 1
    assert "locked" in first.reason
    assert [e.object_id for e in Spool(spool_dir).pending()] == ["q1"]
    holder.execute("ROLLBACK")
    holder.close()
    second = recorder.record(answer("q2"))
    assert second.status == "stored" and second.stored == 2
    assert sorted(e.object_id for e in open_store(f"sqlite:///{path}").read()) == ["q1", "q2"]
    assert Spool(spool_dir).pending_files() == []


def test_corrupt_store_spools_until_replaced(tmp_path: Path, spool_dir: Path) -> None:
    path = tmp_path / "events.sqlite"
    path.write_bytes(b"this is not a database, just garbage " * 200)
    recorder = Recorder(f"sqlite:///{path}", spool_dir=spool_dir, enabled=True)
    outcome = recorder.record(answer("q1"))
    assert outcome.status == "spooled"
    assert "endommagé" in outcome.reason and str(path) in outcome.reason
    assert recorder.record(answer("q2")).status == "spooled"
    path.rename(tmp_path / "events.sqlite.damaged")  # what the message tells the admin to do
    outcome = recorder.record(answer("q3"))
    assert outcome.status == "stored" and outcome.stored == 3
    assert open_store(f"sqlite:///{path}").count() == 3


def test_missing_store_folder_spools_and_a_later_process_flushes(
    tmp_path: Path, spool_dir: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store's folder should be")
    broken = Recorder(f"sqlite:///{blocker}/events.sqlite", spool_dir=spool_dir, enabled=True)
    assert broken.record(answer("q1")).status == "spooled"
    good_url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    later = Recorder(good_url, spool_dir=spool_dir, enabled=True)
    assert later.record(answer("q2")).stored == 2
    assert open_store(good_url).count() == 2


def test_store_and_spool_both_unwritable_raise_loudly(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    recorder = Recorder(f"sqlite:///{blocker}/e.sqlite", spool_dir=blocker / "spool", enabled=True)
    with pytest.raises(EventStoreError, match="PAS été enregistrés"):
        recorder.record(answer("q1"))


def test_events_off_records_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARCOURS_EVENTS", "off")
    url = f"sqlite:///{tmp_path / 'e.sqlite'}"
    recorder = Recorder(url, spool_dir=tmp_path / "spool")
    assert recorder.record(answer("q1")).status == "disabled"
    assert not (tmp_path / "e.sqlite").exists()


def test_batched_recorder_writes_on_flush_and_close(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'e.sqlite'}"
    recorder = Recorder(url, spool_dir=tmp_path / "spool", batch_size=10, enabled=True)
    outcomes = [recorder.record(answer(f"q{i}")) for i in range(25)]
    assert [o.status for o in outcomes].count("stored") == 2
    recorder.close()
    assert open_store(url).count() == 25


# A flusher that claims a spool file, writes half of it to the store, says so on stdout and
# waits (for ever) for its stdin: the test kills it there.
DYING_FLUSHER = """
import sys
from parcours.store import open_store
from parcours.store.base import EventStore
from parcours.store.spool import Spool

class HalfThenHang(EventStore):
    def __init__(self, url):
        self.real = open_store(url)
    def record_many(self, events):
        events = list(events)
        self.real.record_many(events[: len(events) // 2])
        self.real.close()
        print("claimed", flush=True)
        sys.stdin.read()
    def read(self, where=None, **filters):
        return self.real.read(where, **filters)
    def count(self, where=None, **filters):
        return self.real.count(where, **filters)

Spool(sys.argv[1]).flush(HalfThenHang(sys.argv[2]))
"""


def test_claim_of_a_killed_flusher_is_flushed_again_exactly_once(
    tmp_path: Path, spool_dir: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    spooled = [answer(f"q{i}") for i in range(10)]
    Spool(spool_dir).append(spooled)
    flusher = subprocess.Popen(
        [sys.executable, "-c", DYING_FLUSHER, str(spool_dir), url],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert flusher.stdout is not None
        assert flusher.stdout.readline() == "claimed\n"
        # while its owner lives, the claim is left alone
        assert Spool(spool_dir).flush(open_store(url)) == 0
        assert [p.name.split(".")[-1] for p in Spool(spool_dir).pending_files()] == [
            f"flushing-{flusher.pid}"
        ]
        flusher.kill()
        assert flusher.wait(timeout=30) == -signal.SIGKILL
    finally:
        flusher.kill()
        flusher.wait()
        for pipe in (flusher.stdin, flusher.stdout):
            if pipe is not None:
                pipe.close()
    store = open_store(url)
    assert store.count() == 5  # what the killed flusher wrote
    assert Spool(spool_dir).flush(store) == 10
    assert sorted(e.id for e in store.read()) == sorted(e.id for e in spooled)
    assert Spool(spool_dir).pending_files() == []
    store.close()


def test_refused_flush_releases_its_claim_for_the_next_one(tmp_path: Path, spool_dir: Path) -> None:
    Spool(spool_dir).append([answer("q1"), answer("q2")])
    blocker = tmp_path / "file"
    blocker.write_text("a file where the store's folder should be")
    with pytest.raises(EventStoreError):
        Spool(spool_dir).flush(open_store(f"sqlite:///{blocker}/events.sqlite"))
    assert [e.object_id for e in Spool(spool_dir).pending()] == ["q1", "q2"]
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    recorder = Recorder(url, spool_dir=spool_dir, enabled=True)
    assert recorder.record(answer("q3")).stored == 3
    assert Spool(spool_dir).pending_files() == []
    recorder.close()


def test_on_a_hub_the_kernel_sends_through_the_service_even_with_a_database_url(
    isolated_jupyter: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``events_url`` may name the service's own PostgreSQL database in the one
    configuration file; a learner's kernel on the hub (``PARCOURS_SERVICE_URL`` set by the
    hub) still sends to the service, and never opens the database."""
    (isolated_jupyter / "config" / "jupyter_config.py").write_text(
        "c.ParcoursConfig.events_url = 'postgresql://parcours@127.0.0.1/parcours_events'\n",
        encoding="utf-8",
    )
    assert Recorder(enabled=True).url.startswith("postgresql://")  # the service itself
    service = "http://127.0.0.1:8002/services/parcours/"
    monkeypatch.setenv("PARCOURS_SERVICE_URL", service)
    recorder = Recorder(enabled=True)
    assert recorder.url == service
    assert type(recorder.store).__name__ == "HubEventStore"
