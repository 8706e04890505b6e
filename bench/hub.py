"""A deadline on the hub: many learners submitting and recording events through the
Parcours service at once, then a burst of submissions graded on submit.

A fresh project holds two copies of the demo course, ``bench-a`` and ``bench-b`` (whose
first assignment is graded on submit), both with a roster of ``--learners`` learners, the
first assignment released to all. The real hub is started (JupyterHub,
configurable-http-proxy, the Parcours service); each learner gets a real hub token for
the service (through the hub's API: no Unix account, no single-user server, since only the
service is measured; JupyterHub's NullAuthenticator, as no one logs in by the form).
Then, from one asyncio client:

1. **steady**: within ``--window`` seconds (60), every learner submits ``bench-a``'s
   assignment once and posts 50 events (5 batches of 10) at random moments; latency of
   each request, throughput, and what was lost (submissions missing from the exchange,
   events missing from the store) are counted;
2. **burst**: ``--learners`` submissions of ``bench-b``'s assignment (the source notebook,
   every answer written, so that every cell runs) arrive over ``--burst`` seconds (600),
   denser towards the deadline; each learner then waits for their result
   (``…/result?wait=``); the time from sending the submission to the result being there.

    .venv/bin/python bench/hub.py [--learners 1000] [--window 60] [--burst 600 (0: none)]
                                  [--store sqlite|postgresql]

Needs root (the hub and its services run as root here). Last lines:
``hub: learners=<n> store=<sqlite|postgresql> submit_p95_s=<x> events_per_s=<x> lost=<n>``
``burst: submissions=<n> feedback_p50_s=<x> feedback_p95_s=<x> lost=<n>``
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import re
import shutil
import statistics
import sys
import tarfile
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEMO = "analyse-de-donnees"
ASSIGNMENT = "devoir-1"
COURSES = {"bench-a": False, "bench-b": True}  # course -> first assignment graded on submit
#: a bench learner's token: the Parcours service, both courses (every learner learns both)
SCOPES = ["access:services!service=parcours", *(f"custom:parcours:learn:{c}" for c in COURSES)]


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def make_project(
    base: Path, learners: list[str], store_urls: dict[str, str], repo: Path = REPO
) -> Any:
    """The project: two copies of ``repo``'s demo course, rosters, the assignment
    released. The copies keep the modes of ``repo``'s files: a checkout an earlier hub
    closed (course folders 750, files 640, root's) gives content only root reads, which
    the hub must hand to the service's account when it starts."""
    from parcours.config import load_config
    from parcours.course import find_course, load_course
    from parcours.pipeline.release import release
    from parcours.pipeline.roster import Learner, write_roster

    project = base / "project"
    (project / "courses").mkdir(parents=True)
    shutil.copytree(repo / "notebooks", project / "notebooks")
    shutil.copy(repo / "jupyter_config.py", project / "jupyter_config.py")
    with (project / "jupyter_config.py").open("a", encoding="utf-8") as handle:
        # tokens only: no login page, no Unix accounts (as with an institutional login)
        handle.write("\nc.ParcoursConfig.hub_learner_pool = 0\n")
        handle.write('c.ParcoursConfig.hub_authenticator = "jupyterhub.auth.NullAuthenticator"\n')
        for name, url in store_urls.items():
            handle.write(f"c.ParcoursConfig.{name} = {url!r}\n")
    for course_id, on_submit in COURSES.items():
        folder = project / "courses" / course_id
        shutil.copytree(repo / "courses" / DEMO, folder)
        manifest = folder / "course.toml"
        text = manifest.read_text(encoding="utf-8")
        text = re.sub(r'^id = ".*"$', f'id = "{course_id}"', text, count=1, flags=re.M)
        if not on_submit:  # the demo grades its first assignment on submit
            text = text.replace("grade_on_submit = true\n", "", 1)
        manifest.write_text(text, encoding="utf-8")
    os.chmod(base, 0o711)
    config = load_config(project, data_dir=str(base / "data"))
    for course_id in COURSES:
        write_roster(
            config.course_root(course_id) / "roster.csv", [Learner(id=n) for n in learners]
        )
        course = load_course(find_course(config.courses_dir, course_id))
        assert course.assignment(ASSIGNMENT).grade_on_submit == COURSES[course_id]
        release(config, course, ASSIGNMENT)
    return config


def bodies(config: Any) -> tuple[bytes, bytes]:
    """The two submissions: the released notebook (bench-a) and the source notebook with
    every answer written (bench-b), each as the tar.gz the client sends."""

    def pack(files: list[Path]) -> bytes:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for path in files:
                tar.add(path, arcname=path.name, recursive=False)
        return buffer.getvalue()

    released = Path(config.course_root("bench-a")) / "release" / ASSIGNMENT
    source = Path(config.courses_dir) / "bench-b" / "source" / ASSIGNMENT
    return (
        pack(sorted(p for p in released.iterdir() if p.is_file())),
        pack(sorted(source.glob("*.ipynb"))),
    )


def events_for(learner: int) -> list[list[dict[str, Any]]]:
    """50 events of one learner's lesson, in 5 batches of 10."""
    from parcours.store.events import Event

    batch: list[dict[str, Any]] = []
    for n in range(50):
        batch.append(
            Event(
                id=uuid.uuid4().hex,
                actor="p-0000000000000000",  # the service replaces it with the token's
                verb="answered",
                course="bench-a",
                object_type="question",
                object_id=f"l01-q{n % 5 + 1}",
                lesson="l01-decouvrir",
                score=float(n % 2),
                success=n % 2,
                response=str(n),
                attempt=n // 5 + 1,
            ).to_dict()
        )
    return [batch[i : i + 10] for i in range(0, 50, 10)]


class Client:
    """The learners' requests, over one connection pool."""

    def __init__(self, url: str) -> None:
        from tornado.httpclient import AsyncHTTPClient

        AsyncHTTPClient.configure(None, max_clients=400)
        self.http = AsyncHTTPClient()
        self.service = f"{url}/services/parcours/"
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.failures: dict[str, list[str]] = defaultdict(list)

    async def call(
        self, op: str, token: str, method: str, path: str, body: bytes | None = None, **kw: Any
    ) -> Any:
        from tornado.httpclient import HTTPClientError

        started = time.perf_counter()
        try:
            answer = await self.http.fetch(
                self.service + path,
                method=method,
                body=body,
                headers={"Authorization": f"token {token}", **kw.pop("headers", {})},
                request_timeout=900,
                connect_timeout=60,
                **kw,
            )
        except (HTTPClientError, OSError) as exc:
            self.failures[op].append(str(exc))
            return None
        self.timings[op].append(time.perf_counter() - started)
        return answer

    async def ready(self, token: str, timeout: float = 300) -> None:
        """Return once the service answers (the hub starts it after its own health)."""
        from tornado.httpclient import HTTPClientError

        deadline = time.perf_counter() + timeout
        while True:
            try:
                await self.http.fetch(
                    self.service + "api/events?verb=none",
                    headers={"Authorization": f"token {token}"},
                    request_timeout=30,
                )
                return
            except (HTTPClientError, OSError):
                if time.perf_counter() > deadline:
                    raise
                await asyncio.sleep(0.5)  # polling a server that is starting


async def make_tokens(hub_url: str, admin: str, names: list[str]) -> dict[str, str]:
    """A token for the Parcours service per learner, through the hub's API."""
    from tornado.httpclient import AsyncHTTPClient

    http = AsyncHTTPClient()
    gate = asyncio.Semaphore(20)

    async def one(name: str) -> tuple[str, str]:
        async with gate:
            answer = await http.fetch(
                f"{hub_url}/hub/api/users/{name}/tokens",
                method="POST",
                headers={"Authorization": f"token {admin}"},
                # as her server's token: the service, and her courses' scopes (#25)
                body=json.dumps({"scopes": SCOPES, "note": "bench"}),
                request_timeout=300,
            )
            return name, json.loads(answer.body)["token"]

    return dict(await asyncio.gather(*(one(n) for n in names)))


async def steady(client: Client, tokens: dict[str, str], body: bytes, window: float) -> float:
    """Phase 1; returns its wall time."""
    rng = random.Random(1)
    started = time.perf_counter()

    async def learner(i: int, token: str) -> None:
        moments = sorted(rng.uniform(0, window * 0.9) for _ in range(6))
        batches = events_for(i)
        for n, moment in enumerate(moments):
            await asyncio.sleep(max(0.0, started + moment - time.perf_counter()))
            if n == 2:
                await client.call(
                    "submit",
                    token,
                    "POST",
                    f"api/courses/bench-a/assignments/{ASSIGNMENT}",
                    body,
                    headers={"Content-Type": "application/gzip"},
                )
            else:
                batch = batches.pop()
                await client.call(
                    "events",
                    token,
                    "POST",
                    "api/events",
                    json.dumps(batch).encode(),
                    headers={"Content-Type": "application/json"},
                )

    await asyncio.gather(*(learner(i, t) for i, t in enumerate(tokens.values())))
    return time.perf_counter() - started


async def burst(client: Client, tokens: dict[str, str], body: bytes, span: float) -> list[float]:
    """Phase 2; seconds from sending each submission to its result being available."""
    rng = random.Random(2)
    started = time.perf_counter()
    waits: list[float] = []

    async def learner(token: str) -> None:
        # arrivals denser towards the deadline (the density grows linearly)
        await asyncio.sleep(span * (rng.random() ** 0.5))
        sent = time.perf_counter()
        answer = await client.call(
            "burst-submit",
            token,
            "POST",
            f"api/courses/bench-b/assignments/{ASSIGNMENT}",
            body,
            headers={"Content-Type": "application/gzip"},
        )
        if answer is None:
            return
        deadline = sent + 900
        while time.perf_counter() < deadline:
            got = await client.call(
                "result",
                token,
                "GET",
                f"api/courses/bench-b/assignments/{ASSIGNMENT}/result?wait=60",
            )
            if got is None:
                return
            if json.loads(got.body).get("status") != "pending":
                waits.append(time.perf_counter() - sent)
                return
        client.failures["result"].append("no result within 900 s")

    await asyncio.gather(*(learner(t) for t in tokens.values()))
    print(f"burst done in {time.perf_counter() - started:.0f} s", flush=True)
    return waits


def lost_steady(config: Any, names: list[str]) -> tuple[int, int]:
    """(submissions, events) sent but not found where the service keeps them."""
    from parcours.store import open_store

    inbound = Path(config.exchange_dir) / "bench-a" / "inbound"
    submitted = {p.name.split("+")[0] for p in inbound.iterdir()} if inbound.is_dir() else set()
    with open_store(config.events_url) as store:
        stored = store.count(course="bench-a")
    return len(set(names) - submitted), len(names) * 50 - stored


@dataclass
class Figures:
    """What a run measured (the last lines it prints)."""

    learners: int
    store: str
    #: 95th percentile of a submission's answer time in the steady phase (s)
    submit_p95_s: float
    events_per_s: float
    #: submissions and events of the steady phase not found where the service keeps them
    lost: int
    #: burst: results received, their 50th and 95th percentiles (s), submissions without one
    burst_results: int = 0
    feedback_p50_s: float = float("nan")
    feedback_p95_s: float = float("nan")
    burst_lost: int = 0
    #: one failure message per operation that had any
    failures: dict[str, str] = field(default_factory=dict)


def run(
    learners: int = 1000,
    window: float = 60.0,
    burst_s: float = 600.0,
    store: str = "sqlite",
    keep: Path | None = None,
    repo: Path = REPO,
) -> Figures:
    """One run (see the module's text), as root; prints its progress and figures."""
    from parcours.hub.server import HubServer
    from parcours.hub.settings import accounts_token
    from parcours.servers import free_port

    base = keep or Path(tempfile.mkdtemp(prefix="parcours-hub-bench-", dir="/tmp"))
    base.mkdir(parents=True, exist_ok=True)
    names = [f"lrn{n:04d}" for n in range(1, learners + 1)]
    store_urls: dict[str, str] = {}
    database = None
    if store == "postgresql":
        from parcours.store.pgserver import PostgresServer

        os.chmod(base, 0o711)  # the postgres account reaches its folder
        database = PostgresServer(base / "postgres").start()
        store_urls = database.parcours_urls()
    started = time.perf_counter()
    config = make_project(base, names, store_urls, repo)
    released_body, answered_body = bodies(config)
    print(f"project ready in {time.perf_counter() - started:.1f} s ({learners} learners)")
    hub = HubServer(config, port=free_port())
    try:
        started = time.perf_counter()
        hub.start(timeout=600)
        print(f"hub up in {time.perf_counter() - started:.1f} s at {hub.url}", flush=True)
        client = Client(hub.url)

        async def phases() -> tuple[float, list[float]]:
            t0 = time.perf_counter()
            tokens = await make_tokens(hub.url, accounts_token(config), names)
            print(f"{len(tokens)} tokens in {time.perf_counter() - t0:.1f} s", flush=True)
            await client.ready(next(iter(tokens.values())))
            wall = await steady(client, tokens, released_body, window)
            print(f"steady phase done in {wall:.1f} s", flush=True)
            waits = await burst(client, tokens, answered_body, burst_s) if burst_s else []
            return wall, waits

        wall, waits = asyncio.run(phases())
        lost_submissions, lost_events = lost_steady(config, names)
    finally:
        hub.stop()
        if database is not None:
            database.stop()
        if not keep:
            shutil.rmtree(base, ignore_errors=True)
    for op, values in sorted(client.timings.items()):
        print(
            f"  {op:>13}: {len(values)} ok, {len(client.failures[op])} failed, "
            f"p50 {quantile(values, 0.5):.3f} s, p95 {quantile(values, 0.95):.3f} s, "
            f"max {max(values):.3f} s"
        )
    for op, errors in client.failures.items():
        if errors:
            print(f"  {op} failures, e.g.: {errors[0]}")
    events_ok = len(client.timings["events"]) * 10
    figures = Figures(
        learners=learners,
        store=store,
        submit_p95_s=quantile(client.timings["submit"], 0.95),
        events_per_s=events_ok / wall,
        lost=lost_submissions + max(lost_events, 0),
        burst_results=len(waits),
        feedback_p50_s=quantile(waits, 0.5),
        feedback_p95_s=quantile(waits, 0.95),
        burst_lost=learners - len(waits) if burst_s else 0,
        failures={op: errors[0] for op, errors in client.failures.items() if errors},
    )
    print(
        f"steady: {wall:.1f} s, {len(client.timings['submit'])} submissions, "
        f"{events_ok} events ({events_ok / wall:.0f}/s); lost: {lost_submissions} submissions, "
        f"{lost_events} events"
    )
    print(
        f"hub: learners={learners} store={store} submit_p95_s={figures.submit_p95_s:.2f} "
        f"events_per_s={figures.events_per_s:.0f} lost={figures.lost}"
    )
    if burst_s:
        print(
            f"burst: submissions={len(waits)} feedback_p50_s={figures.feedback_p50_s:.1f} "
            f"feedback_p95_s={figures.feedback_p95_s:.1f} lost={figures.burst_lost}"
        )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds of phase 1")
    parser.add_argument(
        "--burst", type=float, default=600.0, help="seconds of the burst (0: no burst)"
    )
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--keep", type=Path, help="keep the project in DIR")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print(
            "bench/hub.py starts the hub and its services as root: run it as root.", file=sys.stderr
        )
        return 2
    run(args.learners, args.window, args.burst, args.store, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
