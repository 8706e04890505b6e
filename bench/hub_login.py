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


class MemoryWatch(threading.Thread):
    """Peak resident memory of a process and all its descendants."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        import psutil

        root = psutil.Process(self.pid)
        while not self.done.wait(0.2):
            total = 0
            for proc in [root, *root.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
            self.peak = max(self.peak, total)


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


async def visit(browser: object, url: str, name: str, password: str) -> float:
    """Log ``name`` in and open their dashboard; seconds from the login form's submit to
    an interactive page."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = await context.new_page()
    dashboard = "/services/dashboards/voila/render/learner.ipynb" + ("?voila=1" if VOILA else "")
    await page.goto(f"{url}/hub/login?next={dashboard}", timeout=120_000)
    await page.fill("#username_input", name)
    await page.fill("#password_input", password)
    started = time.perf_counter()
    await page.click("#login_submit")
    await page.wait_for_function(INTERACTIVE_JS, timeout=300_000, polling=50)
    seconds = time.perf_counter() - started
    text = await page.inner_text("#learner-name")
    assert name in text, f"{name} was shown {text!r}"
    await page.close(run_before_unload=True)
    await context.close()
    return seconds


async def run_visits(url: str, passwords: dict[str, str], parallel: int) -> list[float]:
    from playwright.async_api import async_playwright

    gate = asyncio.Semaphore(parallel)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)

        async def one(name: str) -> float:
            async with gate:
                seconds = await visit(browser, url, name, passwords[name])
                print(f"  {name}: interactive in {seconds:.2f} s", flush=True)
                return seconds

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
        seconds = asyncio.run(run_visits(hub.url, passwords, args.parallel))
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
    p95 = (
        statistics.quantiles(seconds, n=20, method="inclusive")[-1]
        if len(seconds) > 1
        else seconds[0]
    )
    peak_mb = watch.peak / 2**20 if watch else 0.0
    print(
        f"{len(seconds)} learners, {args.parallel} at a time: p50 {p50:.2f} s, "
        f"p95 {p95:.2f} s, max {max(seconds):.2f} s; hub and services peak {peak_mb:.0f} MB"
    )
    print(f"hub-login: users={len(seconds)} p95_s={p95:.2f} peak_mb={peak_mb:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
