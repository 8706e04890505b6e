"""The Parcours service at a deadline, in this process (no hub, no root): the service's
application on a loopback port, tokens checked by a stand-in for the hub, the bench's
project (bench/hub.py: two courses, the second graded on submit, four learners).

- a slow event store and a slow history (delays injected in test doubles) never hold up
  other learners: their requests are answered within 100 ms meanwhile;
- a history that fails never turns a submission that landed into an error: 201, the
  submission graded on submit, the entry kept for the teachers;
- a body that is JSON but not the object asked for answers 400, saying what to send.
"""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import json
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
LEARNERS = ["lrn0001", "lrn0002", "lrn0003", "lrn0004"]
TEACHER = "prof-demo"  # the demo course's teacher, so the bench courses'
#: a delay no answer to another learner may wait for
SLOW_S = 3.0


def bench() -> Any:
    """bench/hub.py as a module (its project, its submissions, its run)."""
    if "bench_hub" not in sys.modules:
        spec = importlib.util.spec_from_file_location("bench_hub", REPO / "bench" / "hub.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_hub"] = module  # its dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules["bench_hub"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, bytes, bytes]]:
    """(configuration, bench-a's submission, bench-b's submission)."""
    with pytest.MonkeyPatch.context() as env:
        base = tmp_path_factory.mktemp("service-deadline")
        for name in ("PARCOURS_ROOT", "JUPYTER_CONFIG_PATH", "PARCOURS_DATA_DIR"):
            env.setenv(name, "")  # what the project's loading sets, put back afterwards
        env.delenv("PARCOURS_SERVICE_URL", raising=False)
        env.delenv("JUPYTERHUB_API_TOKEN", raising=False)
        env.setenv("PARCOURS_DATA_DIR", str(base / "data"))
        bench_hub = bench()
        config = bench_hub.make_project(base, LEARNERS, {})
        released, answered = bench_hub.bodies(config)
        yield config, released, answered


class HubStandIn:
    """What the service asks the hub: the token is the person's name (every token good)."""

    access_scopes = frozenset({"access:services!service=parcours"})

    async def get_user(self, handler: Any, sync: bool = True) -> dict[str, Any]:
        from parcours.hub.classlist import CLASS

        token = handler.request.headers["Authorization"].split(" ", 1)[1]
        # the Parcours scopes the person holds, as the hub puts them in her token (from
        # the class list read once: the hub answers from its database, not by reading
        # rosters on the service's event loop, which held other learners up > 100 ms)
        person = CLASS.now(handler.config)[0].by_name.get(token)
        held = set(person.scopes) if person else set()
        return {"kind": "user", "name": token, "scopes": sorted(self.access_scopes | held)}

    def check_scopes(self, required: Any, model: dict[str, Any]) -> set[str]:
        return set(required) & set(model["scopes"])


class Service:
    """The service's application on a loopback port, and a client for it."""

    def __init__(self, port: int) -> None:
        from tornado.httpclient import AsyncHTTPClient

        self.base = f"http://127.0.0.1:{port}/services/parcours/"
        self.http = AsyncHTTPClient()

    async def call(
        self, who: str, method: str, path: str, body: bytes | None = None, **kw: Any
    ) -> tuple[int, Any, float]:
        """(status, decoded answer, seconds)."""
        started = time.perf_counter()
        answer = await self.http.fetch(
            self.base + path,
            method=method,
            body=body,
            headers={"Authorization": f"token {who}", **kw.pop("headers", {})},
            raise_error=False,
            request_timeout=120,
            **kw,
        )
        took = time.perf_counter() - started
        kind = answer.headers.get("Content-Type", "")
        data = json.loads(answer.body) if kind.startswith("application/json") else answer.body
        return answer.code, data, took


def run_service(config: Any, test: Callable[[Service], Awaitable[None]]) -> None:
    """Run ``test`` against the service's application, served by an event loop in a thread
    of its own (as the service's process: a blocked loop there shows here as a wait)."""
    from parcours.hub import service, service_app
    from tornado.httpserver import HTTPServer
    from tornado.testing import bind_unused_port

    ready = threading.Event()
    held: dict[str, Any] = {}

    async def serve() -> None:
        app = service_app.make_app(config, "/services/parcours/")
        service.ServiceHandler.hub_auth = HubStandIn()  # type: ignore[assignment]
        sock, held["port"] = bind_unused_port()
        server = HTTPServer(app)
        server.add_sockets([sock])
        held["loop"], held["stop"] = asyncio.get_running_loop(), asyncio.Event()
        ready.set()
        await held["stop"].wait()
        server.stop()

    # what is loaded stays out of the collector's full passes, as the service's warm-up
    # leaves it (service.warm_up): here they walk the whole test session's heap, and held
    # the service's answers for up to 0.9 s, which the service itself never does
    gc.freeze()
    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    assert ready.wait(30), "the service did not start"
    try:
        asyncio.run(test(Service(held["port"])))
    finally:
        held["loop"].call_soon_threadsafe(held["stop"].set)
        thread.join(30)
        gc.unfreeze()


class SlowHistory:
    """A history whose every write takes ``SLOW_S`` (a database far away), or fails."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.written: list[tuple[str, dict[str, str]]] = []
        #: released each time a slow call (history or store) begins
        self.entered = threading.Semaphore(0)

    def append(self, course: str, entry: dict[str, str]) -> None:
        from parcours.store.history import HistoryError

        self.entered.release()
        time.sleep(SLOW_S)
        if self.fail:
            raise HistoryError("the history's database does not answer (test)")
        self.written.append((course, entry))

    def entries(self, course: str) -> list[dict[str, str]]:
        self.entered.release()
        time.sleep(SLOW_S)
        return [e for c, e in self.written if c == course]


@pytest.fixture
def slow_world(monkeypatch: pytest.MonkeyPatch) -> SlowHistory:
    """A slow history, and an event store whose reads and writes each take ``SLOW_S``."""
    import parcours.store
    from parcours.hub import service
    from parcours.store import history

    slow = SlowHistory()
    monkeypatch.setattr(history, "open_history", lambda config: slow)
    monkeypatch.setattr(service, "_history_writer", None, raising=False)  # a new writer
    real_open = parcours.store.open_store

    class SlowStore:
        def __init__(self, url: str) -> None:
            self.store = real_open(url)

        def __enter__(self) -> SlowStore:
            return self

        def __exit__(self, *exc: object) -> None:
            self.store.close()

        def close(self) -> None:
            self.store.close()

        def read(self, *args: Any, **kwargs: Any) -> Any:
            slow.entered.release()
            time.sleep(SLOW_S)
            return self.store.read(*args, **kwargs)

        def record_many(self, events: Any) -> int:
            slow.entered.release()
            time.sleep(SLOW_S)
            return int(self.store.record_many(events))

        def record_batches(self, batches: Any) -> list[int]:
            slow.entered.release()
            time.sleep(SLOW_S)
            return list(self.store.record_batches(batches))

    monkeypatch.setattr(parcours.store, "open_store", SlowStore)
    from parcours.hub import learner_api

    monkeypatch.setattr(learner_api, "_events_writer", None)  # a writer on the slow store
    return slow


def test_slow_store_and_history_never_hold_up_other_learners(
    project: tuple[Any, bytes, bytes], slow_world: SlowHistory
) -> None:
    config, released, _answered = project
    events = json.dumps(bench().events_for(0)[0]).encode()

    async def test(service: Service) -> None:
        # warm: the class list read once, the first answers given
        assert (await service.call(LEARNERS[3], "GET", "api/courses"))[0] == 200
        slow = [
            service.call(LEARNERS[0], "GET", "api/events"),  # the store reads for SLOW_S
            service.call(LEARNERS[1], "POST", "api/events", events),  # writes for SLOW_S
            service.call(  # lands, then its history takes SLOW_S
                LEARNERS[2],
                "POST",
                "api/courses/bench-a/assignments/devoir-1",
                released,
                headers={"Content-Type": "application/gzip"},
            ),
        ]
        started = [asyncio.ensure_future(call) for call in slow]
        for _ in slow:  # the slow calls are in their store and history now
            assert await asyncio.to_thread(slow_world.entered.acquire, True, 30)
        meanwhile = []
        for path in ("api/courses", "api/courses/bench-a/deadlines", "api/courses"):
            status, _data, took = await service.call(LEARNERS[3], "GET", path)
            assert status == 200, (path, _data)
            meanwhile.append(took)
        assert max(meanwhile) < 0.1, meanwhile
        assert not all(call.done() for call in started), "the store was not slow"
        answers = await asyncio.gather(*started)
        assert [a[0] for a in answers] == [200, 200, 201], [a[:2] for a in answers]

    run_service(config, test)
    from parcours.hub import service

    assert service.history_writer(config).wait_idle(4 * SLOW_S)
    assert ("bench-a", "submitted") in {(c, e["what"]) for c, e in slow_world.written}


def test_a_failed_history_never_undoes_a_submission(
    project: tuple[Any, bytes, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    from parcours.hub import problems, service
    from parcours.store import history

    config, _released, answered = project
    failing = SlowHistory(fail=True)
    monkeypatch.setattr(history, "open_history", lambda config: failing)
    monkeypatch.setattr(service, "_history_writer", None, raising=False)
    monkeypatch.setattr(config, "history_attempts", 2)
    monkeypatch.setattr(config, "history_retry_s", 0.1)
    learner = LEARNERS[0]
    seen: dict[str, Any] = {}

    async def test(service_: Service) -> None:
        status, receipt, _ = await service_.call(
            learner,
            "POST",
            "api/courses/bench-b/assignments/devoir-1",
            answered,
            headers={"Content-Type": "application/gzip"},
        )
        assert status == 201, receipt
        assert receipt["graded_on_submit"] is True
        status, result, _ = await service_.call(
            learner, "GET", "api/courses/bench-b/assignments/devoir-1/result?wait=110"
        )
        assert status == 200, result
        seen["result"] = result
        done = threading.Event()
        await asyncio.to_thread(
            lambda: done.set() if service.history_writer(config).wait_idle(30) else None
        )
        assert done.is_set(), "the history writer kept trying"
        status, seen["problems"], _ = await service_.call(
            TEACHER, "GET", "api/courses/bench-b/problems"
        )
        assert status == 200
        status, _none, _ = await service_.call(learner, "GET", "api/courses/bench-b/problems")
        assert status == 403  # a learner does not read the teachers' problems

    run_service(config, test)
    assert seen["result"]["status"] in {"ok", "problems"}, seen["result"]  # graded
    assert seen["result"]["notebooks"], seen["result"]
    kept = [p for p in seen["problems"] if p["what"] == problems.HISTORY_NOT_WRITTEN]
    assert [p["entry"]["who"] for p in kept] == [learner], seen["problems"]
    assert kept[0]["entry"]["what"] == "submitted"
    assert "does not answer" in kept[0]["message"]


@pytest.mark.parametrize(
    ("who", "path", "body"),
    [
        (TEACHER, "api/courses/bench-a/assignments/devoir-1/release", b"[1, 2]"),
        (TEACHER, "api/courses/bench-a/assignments/devoir-1/collect", b'"collect"'),
        (TEACHER, "api/courses/bench-a/assignments/devoir-1/release", b'{"to": "groupe-a"}'),
        (LEARNERS[0], "api/events", b'{"verb": "answered"}'),
        (LEARNERS[0], "api/events", b"[1, 2"),
    ],
)
def test_a_body_of_the_wrong_shape_answers_400(
    project: tuple[Any, bytes, bytes], who: str, path: str, body: bytes
) -> None:
    config = project[0]

    async def test(service: Service) -> None:
        status, answer, _ = await service.call(
            who, "POST", path, body, headers={"Content-Type": "application/json"}
        )
        assert status == 400, answer
        assert answer["status"] == 400
        assert "JSON" in answer["message"] or '"to"' in answer["message"], answer

    run_service(config, test)


def test_a_grading_failure_on_submit_reaches_the_teachers(
    project: tuple[Any, bytes, bytes], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What escapes a grading job (its result cannot be written: a full disk) is logged,
    kept among the course's problems, and said to the learner."""
    from parcours.hub import ongrade, problems

    config = project[0]
    grader = ongrade.SubmitGrader(config, 1)

    def broken(job: Any) -> None:
        raise OSError("no space left on device (test)")

    monkeypatch.setattr(grader, "_run", broken)
    job = ongrade.Job("bench-b", "devoir-1", LEARNERS[3], "2026-12-06T20:00:00.000+00:00",
                      tmp_path, tmp_path)  # fmt: skip
    grader.enqueue(job)
    grader.pool.shutdown(wait=True)
    kept = [p for p in problems.read(config, "bench-b") if p["what"] == problems.NOT_GRADED]
    assert [p["learner"] for p in kept] == [LEARNERS[3]], kept
    assert "no space left on device (test)" in kept[0]["message"]
    result = ongrade.read_result(config, "bench-b", "devoir-1", LEARNERS[3])
    assert result is not None and result["status"] == "problems", result


def test_every_file_history_of_a_course_shares_one_lock(tmp_path: Path) -> None:
    """Two FileHistory objects (one per request, as the hub's login hook makes them) append
    to the same file under the same lock."""
    from parcours.config import ParcoursConfig
    from parcours.store import history

    config = ParcoursConfig(data_dir=str(tmp_path), events_url=f"sqlite:///{tmp_path}/e.db")
    one, two = history.FileHistory(config), history.FileHistory(config)
    assert history.path_lock(one.path("c1")) is history.path_lock(two.path("c1"))
    assert history.path_lock(one.path("c1")) is not history.path_lock(one.path("c2"))


def test_a_history_write_that_fails_is_tried_again(tmp_path: Path) -> None:
    """Two failures, then the entry is written, in its place, stamped at the action's time."""
    from parcours.config import ParcoursConfig
    from parcours.hub import problems
    from parcours.hub.histwriter import HistoryWriter
    from parcours.store.history import HistoryError

    config = ParcoursConfig(data_dir=str(tmp_path), history_retry_s=0.05, history_attempts=3)
    config.course_root("c1").mkdir(parents=True)
    tried: list[dict[str, str]] = []
    written: list[dict[str, str]] = []

    def flaky(course: str, entry: dict[str, str]) -> None:
        tried.append(entry)
        if len(tried) <= 2:
            raise HistoryError("the database restarts (test)")
        written.append(entry)

    writer = HistoryWriter(config, append=flaky)
    writer.add("c1", "alice", "submitted", "a1")
    writer.add("c1", "bob", "fetched", "a1")
    assert writer.wait_idle(10)
    assert [(e["who"], e["what"]) for e in written] == [("alice", "submitted"), ("bob", "fetched")]
    assert tried[0] == written[0]  # the same entry, its time the action's
    assert problems.read(config, "c1") == []


def test_a_workspace_copy_that_hangs_is_stopped_in_time() -> None:
    """The spawn hook's child (the person's courses copied as them) is waited for within
    spawn_hook_timeout_s, never forever: past it, it is killed and the start fails."""
    import os

    from parcours.hub.workspace import _child_answer

    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # a child that never answers
        os.close(reader)
        time.sleep(60)
        os._exit(0)
    os.close(writer)
    started = time.monotonic()
    assert _child_answer(pid, reader, 0.5) == ("", None)
    assert time.monotonic() - started < 5
