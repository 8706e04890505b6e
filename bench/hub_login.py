"""Many learners logging in to Parcours' hub at once and opening their own dashboard.

A synthetic class (default 100 learners of the demo course: events, gradebook, roster) is
written into a fresh project; their Unix accounts are made (``parcours accounts sync``'s
code) and the real hub is started (JupyterHub, configurable-http-proxy, the dashboards
service). Then headless chromium logs each learner in through the hub's login form, 10 at
a time (one browser context each: its own cookies), straight to their learner dashboard
(``next=``), until the page is interactive: their name shown, the language switch there
and every figure drawn. On the hub that page is built by the dashboards service itself
(no kernel per visit: dashboards/served.py); ``--voila`` measures the Voila page instead
(a kernel per visit, stopped when the page is left).
Meanwhile the memory of the hub and everything it started (proxy, services, kernels) is
sampled every 0.2 s. Needs root (accounts).

    .venv/bin/python bench/hub_login.py [--users 100] [--parallel 10] [--keep DIR]

Last line (machine-readable): ``hub-login: users=<n> p95_s=<x> peak_mb=<x>``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from dashboard import CHROMIUM_ARGS  # bench/dashboard.py: one set of browser flags

REPO = Path(__file__).resolve().parents[1]
COURSE = "analyse-de-donnees"
VOILA = False  # --voila
INTERACTIVE_JS = """() => !!document.querySelector('#learner-name')
  && !!document.querySelector('.parcours-lang a, .parcours-lang button')
  && Array.from(document.querySelectorAll('.parcours-plot'))
       .every(p => p.querySelector('svg'))"""


#: the parts whose CPU time is counted (first match of the command line, else "other")
PARTS = (
    ("dashboards service", "voila_service"),
    ("Parcours service", "parcours.hub.service"),
    ("kernels", "ipykernel"),
    ("proxy", "configurable-http-proxy"),
    ("hub", "jupyterhub"),
    ("chromium", "chromium"),
    ("playwright driver", "playwright"),
)


def part_of(cmdline: list[str], bench_pid: int, pid: int) -> str:
    """Which of :data:`PARTS` a process is (the bench itself: "bench")."""
    if pid == bench_pid:
        return "bench"
    line = " ".join(cmdline)
    return next((name for name, mark in PARTS if mark in line), "other")


class MemoryWatch(threading.Thread):
    """Peak resident memory of the hub and all its descendants; and the CPU seconds of
    each part (:data:`PARTS`) of this process's tree (the hub's, the browser's) and of the
    whole machine, between :meth:`mark` and the end."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()
        self.cpu: dict[int, tuple[str, float, float]] = {}  # pid -> part, first, last
        self.machine = (0.0, 0.0)
        self.marked = threading.Event()

    def mark(self) -> None:
        """Count CPU from now on (the visits start)."""
        self.marked.set()

    def run(self) -> None:
        import psutil

        root, bench = psutil.Process(self.pid), psutil.Process(os.getpid())
        first_busy = 0.0
        while not self.done.wait(0.2):
            total = 0
            for proc in [root, *root.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
            self.peak = max(self.peak, total)
            if not self.marked.is_set():
                continue
            times = psutil.cpu_times()
            busy = times.user + times.system + times.nice + times.irq + times.softirq
            first_sweep = not first_busy
            first_busy = first_busy or busy
            self.machine = (first_busy, busy)
            for proc in [bench, *bench.children(recursive=True)]:
                try:
                    used = proc.cpu_times()
                    seconds = used.user + used.system
                    known = self.cpu.get(proc.pid)
                    if known is None:
                        part = part_of(proc.cmdline(), bench.pid, proc.pid)
                        # a process born since the mark counts from zero
                        known = (part, seconds if first_sweep else 0.0, seconds)
                    self.cpu[proc.pid] = (known[0], known[1], seconds)
                except psutil.NoSuchProcess:
                    continue

    def cpu_report(self, visits: int) -> str:
        """CPU seconds per visit of each part, the machine's, and everyone else's."""
        parts: dict[str, float] = {}
        for part, first, last in self.cpu.values():
            parts[part] = parts.get(part, 0.0) + last - first
        ours = sum(parts.values())
        machine = self.machine[1] - self.machine[0]
        shown = sorted(parts.items(), key=lambda kv: -kv[1])
        lines = [f"  {name:<20} {sec / visits:6.3f} s/visit ({sec:6.1f} s)" for name, sec in shown]
        lines.append(f"  {'all of the above':<20} {ours / visits:6.3f} s/visit ({ours:6.1f} s)")
        lines.append(
            f"  {'rest of the machine':<20} {(machine - ours) / visits:6.3f} s/visit "
            f"({machine - ours:6.1f} s; machine {machine:.1f} s)"
        )
        return "\n".join(lines)


def make_project(base: Path, users: int) -> tuple[object, dict[str, str], list[str]]:
    """A project under ``base`` with a class of ``users`` learners and their accounts;
    returns the config, each learner's password, and the accounts created now."""
    from parcours.config import load_config
    from parcours.course import find_course, load_course
    from parcours.dashboards.sample import write_sample_class
    from parcours.hub.accounts import new_password, set_password, sync_accounts
    from parcours.hub.people import read_people

    project = base / "project"
    (project / "courses").mkdir(parents=True)
    shutil.copytree(REPO / "courses" / COURSE, project / "courses" / COURSE)
    shutil.copytree(REPO / "notebooks", project / "notebooks")
    shutil.copy(REPO / "jupyter_config.py", project / "jupyter_config.py")
    os.chmod(base, 0o711)
    os.chmod(project, 0o755)
    config = load_config(project, data_dir=str(base / "data"))
    course = load_course(find_course(config.courses_dir, COURSE))
    started = time.perf_counter()
    sample = write_sample_class(config, course, users, seed=11, weeks=5)
    os.environ["PARCOURS_NOW"] = sample.now.isoformat()
    print(
        f"class written: {users} learners, {sample.events} events, "
        f"{sample.submissions} submissions in {time.perf_counter() - started:.1f} s"
    )
    people = read_people(config)
    started = time.perf_counter()
    report = sync_accounts(config, people)
    learners = sorted(n for n, p in people.by_name.items() if p.role == "learner")
    passwords = {}
    for name in learners:
        passwords[name] = report.passwords.get(name) or new_password()
        if name not in report.passwords:
            set_password(name, passwords[name])
    print(
        f"accounts: {len(people.by_name)} ({len(report.created)} created) in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return config, passwords, report.created


#: the steps of a visit, in order, each timed from the login form's submit to its end
STEPS = (
    "login",  # POST /hub/login answered (PAM, the login hook, the hub's cookie)
    "to_service",  # the dashboards service's first answer: off to the hub's OAuth
    "authorize",  # the hub's OAuth authorisation answered
    "callback",  # the service's OAuth callback answered (the token fetched from the hub)
    "html",  # the page's HTML received in full
    "dom",  # the page parsed (DOMContentLoaded)
    "interactive",  # her name, the language switch and every figure drawn
)


def step_of(method: str, url: str, status: int) -> str | None:
    """Which of :data:`STEPS` a response of the visit ends, if one."""
    path = url.split("?", 1)[0]
    if method == "POST" and path.endswith("/hub/login"):
        return "login"
    if path.endswith("/hub/api/oauth2/authorize"):
        return "authorize"
    if "/oauth_callback" in path:
        return "callback"
    if path.endswith("/learner.ipynb"):
        return "to_service" if status in (301, 302, 303) else "html"
    return None


async def visit(browser: object, url: str, name: str, password: str) -> dict[str, float]:
    """Log ``name`` in and open their dashboard; seconds from the login form's submit to
    the end of each of :data:`STEPS` (``interactive``: the visit's measure)."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = await context.new_page()
    dashboard = "/services/dashboards/voila/render/learner.ipynb" + ("?voila=1" if VOILA else "")
    await page.goto(f"{url}/hub/login?next={dashboard}", timeout=120_000)
    await page.fill("#username_input", name)
    await page.fill("#password_input", password)
    steps: dict[str, float] = {}
    started = 0.0

    def ended(step: str | None) -> None:
        if step and started and step not in steps:
            steps[step] = time.perf_counter() - started

    pages: set[object] = set()  # the requests answered with the page itself

    def answered(response: object) -> None:
        r = response  # a redirect's answer: its own response event, before the next request
        step = step_of(r.request.method, r.url, r.status)  # type: ignore[attr-defined]
        if step == "html":  # ends once its body is in (requestfinished)
            pages.add(r.request)  # type: ignore[attr-defined]
        else:
            ended(step)

    def finished(request: object) -> None:
        if request in pages:
            ended("html")

    page.on("response", answered)
    page.on("requestfinished", finished)
    page.on("domcontentloaded", lambda _page: ended("dom"))
    started = time.perf_counter()
    await page.click("#login_submit")
    await page.wait_for_function(INTERACTIVE_JS, timeout=300_000, polling=50)
    steps["interactive"] = time.perf_counter() - started
    text = await page.inner_text("#learner-name")
    assert name in text, f"{name} was shown {text!r}"
    await page.close(run_before_unload=True)
    await context.close()
    return steps


def breakdown(visits: list[dict[str, float]]) -> str:
    """Each step's median and 95th percentile end, and the median time spent in it."""
    lines, before = [], [0.0] * len(visits)
    for step in STEPS:
        ends = [v.get(step) for v in visits]
        if not any(e is not None for e in ends):
            continue
        known = [e for e in ends if e is not None]
        spent = [e - b for e, b in zip(ends, before, strict=True) if e is not None]
        before = [e if e is not None else b for e, b in zip(ends, before, strict=True)]
        lines.append(
            f"  {step:<12} ends p50 {statistics.median(known):5.2f} s, "
            f"p95 {percentile95(known):5.2f} s; spent p50 {statistics.median(spent):5.2f} s, "
            f"p95 {percentile95(spent):5.2f} s"
        )
    return "\n".join(lines)


def percentile95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


async def run_visits(url: str, passwords: dict[str, str], parallel: int) -> list[dict[str, float]]:
    from playwright.async_api import async_playwright

    gate = asyncio.Semaphore(parallel)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)

        async def one(name: str) -> dict[str, float]:
            async with gate:
                steps = await visit(browser, url, name, passwords[name])
                shown = " ".join(f"{k}={v:.2f}" for k, v in steps.items())
                print(
                    f"  {name}: interactive in {steps['interactive']:.2f} s ({shown})", flush=True
                )
                return steps

        try:
            return list(await asyncio.gather(*(one(n) for n in passwords)))
        finally:
            await browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--parallel", type=int, default=10)
    parser.add_argument("--keep", type=Path, help="keep the project and accounts in DIR")
    parser.add_argument(
        "--voila", action="store_true", help="the Voila learner page (a kernel per visit) instead"
    )
    args = parser.parse_args()
    global VOILA
    VOILA = args.voila
    if os.geteuid() != 0:
        print("bench/hub_login.py makes Unix accounts: run it as root.", file=sys.stderr)
        return 2
    from parcours.hub.server import HubServer
    from parcours.servers import free_port

    base = args.keep or Path(tempfile.mkdtemp(prefix="parcours-hubbench-", dir="/tmp"))
    base.mkdir(parents=True, exist_ok=True)
    config, passwords, created = make_project(base, args.users)
    hub = HubServer(
        config,
        port=free_port(),  # type: ignore[arg-type]
        env={"PARCOURS_NOW": os.environ["PARCOURS_NOW"]},
    )
    started = time.perf_counter()
    watch: MemoryWatch | None = None
    try:
        hub.start(timeout=300)
        print(f"hub up in {time.perf_counter() - started:.1f} s at {hub.url}")
        assert hub.process is not None
        watch = MemoryWatch(hub.process.pid)
        watch.start()
        watch.mark()
        visits_started = time.perf_counter()
        visits = asyncio.run(run_visits(hub.url, passwords, args.parallel))
        seconds = [v["interactive"] for v in visits]
        wall = time.perf_counter() - visits_started
    finally:
        if watch is not None:
            watch.done.set()
            watch.join()
        hub.stop()
        if not args.keep:
            for name in created:
                subprocess.run(["userdel", "--remove", name], capture_output=True, check=False)
            shutil.rmtree(base, ignore_errors=True)
    p50 = statistics.median(seconds)
    p95 = percentile95(seconds)
    peak_mb = watch.peak / 2**20 if watch else 0.0
    print(
        f"{len(seconds)} learners, {args.parallel} at a time: p50 {p50:.2f} s, "
        f"p95 {p95:.2f} s, max {max(seconds):.2f} s; hub and services peak {peak_mb:.0f} MB"
    )
    print("each step (seconds from the login form's submit):\n" + breakdown(visits))
    if watch is not None:
        print(f"CPU, {len(seconds)} visits in {wall:.1f} s:\n" + watch.cpu_report(len(seconds)))
    print(f"hub-login: users={len(seconds)} p95_s={p95:.2f} peak_mb={peak_mb:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
