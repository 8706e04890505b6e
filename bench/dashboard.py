"""How fast the coordinator dashboard becomes interactive in a real browser, for a large
class: 1,000 learners (default) of the demo course written into the real stores (event
store, nbgrader gradebook, roster), served by the real Voila server with preheated
kernels, opened in headless chromium.

"Interactive" = from navigation until the title, the filters (live widgets), the KPI
cards, the tables and every figure of the page are shown. The default view's figures
come as pictures drawn ahead by the server (dashboards/prerender.py) and become live
plotly figures when the browser is idle: the time until all are live is printed too.
The preheated kernel has loaded the data and computed the default view before the
visit (Voila's preheat; the kernel reports it, dashboards.server.ReadyWatcher),
and the server and its kernels are idle, as on a server waiting for its users. For
comparison the script also times a one-cell notebook on a Voila server set up the same
way, with Voila's scripts cached (Voila's own floor on this machine: its frontend's
start and one output shown once the kernel is connected). Chromium runs as in the
test suite, without the address bar's dropdown that headless chromium builds for every
new page (a chrome:// page taking a core for ~1.5 s: a person's browser built it with
its window, not with each page they open).

The first visit is made with an empty browser cache (Voila's and plotly's scripts are
downloaded and compiled) and printed apart; the figure on the last line is the median of
the later visits, made as a returning coordinator's browser makes them, with those
scripts cached (each visit still gets a fresh kernel, a fresh page and fresh data).

With ``--throttle`` the first visit is made as on a slow link instead (Chrome DevTools
Protocol network emulation: 1.5 Mbit/s down and up, 300 ms latency, browser cache
disabled) and prints ``dashboard-slow: first_content_s=<x> interactive_s=<x> bytes=<n>``
("first content": the browser's first contentful paint; bytes: what crossed the network,
compressed, for the whole page and its scripts). Goals: first content < 2 s, interactive
< 10 s, < 2 MB. That visit is not the server's first: one ordinary visit comes before it,
as on a server in use (the server has then learned which scripts the page needs and
compressed its static files with brotli: dashboards/assets.py, dashboards/compression.py).

    .venv/bin/python bench/dashboard.py [--learners 1000 [10000 ...]] [--visits 3]
                                        [--throttle] [--keep DIR]

Last line per class size (machine-readable): ``dashboard: learners=<n> interactive_s=<x>``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    # the address bar's dropdown, a chrome:// page headless chromium builds for every new
    # page (~1.5 s of a core while the dashboard starts): see tests/conftest.py
    "--disable-features=WebUIOmniboxPopup,WebUIOmniboxFullPopup,WebUIOmniboxAimPopup",
]
VIEWPORT = {"width": 1280, "height": 900}
#: the slow link of --throttle (Chrome's emulation takes bytes per second)
SLOW_LINK = {
    "offline": False,
    "latency": 300,
    "downloadThroughput": 1.5e6 / 8,
    "uploadThroughput": 1.5e6 / 8,
}
INTERACTIVE_JS = """() => {
  const h1 = document.querySelector('h1');
  return !!h1 && !!document.querySelector('.parcours-filter-cohort select')
    && !!document.querySelector('[data-kpi]')
    && !!document.querySelector('#table-risk, #risk-count')
    && Array.from(document.querySelectorAll('.parcours-plot'))
         .filter(p => p.querySelector('svg')).length >= 4;
}"""
LIVE_JS = "() => document.querySelectorAll('.parcours-plot.js-plotly-plot').length >= 4"


def wait_idle(server_pid: int, deadline: float, kernels: bool = False) -> None:
    """Until the server and its children use under 10 % of a core over one second (with
    ``kernels``, once it has at least one child), or ``deadline``."""
    import psutil

    server = psutil.Process(server_pid)
    while time.monotonic() < deadline:
        procs = [server, *server.children(recursive=True)]
        for proc in procs:
            proc.cpu_percent(None)
        time.sleep(1.0)  # the measurement window of cpu_percent
        busy = sum(proc.cpu_percent(None) for proc in procs if proc.is_running())
        if busy < 10.0 and (len(procs) > 1 or not kernels):
            return


def voila_floor(
    base: Path, browser: object, port: int, config_folder: Path, watcher: object
) -> float:
    """Seconds until a one-cell preheated notebook (an h1 rendered by Voila's frontend)
    shows, on a Voila server set up as the dashboards' (same template and voila.json),
    with Voila's scripts cached as in the page's own figure: the server is new (a new
    port, so a new origin for the browser's cache), hence one visit first, then the
    median of two. ``watcher``: the coordinator's :class:`ReadyWatcher`, which the floor's
    kernels report to as well."""
    import subprocess

    import nbformat

    folder = base / "floor"
    folder.mkdir(exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(  # heated: tell the watcher
            "from parcours.dashboards.server import report_ready\nreport_ready('floor')"
        ),
        nbformat.v4.new_code_cell("from voila.utils import wait_for_request\nwait_for_request()"),
        nbformat.v4.new_code_cell("from IPython.display import HTML\nHTML('<h1>floor</h1>')"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, folder / "floor.ipynb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "parcours.dashboards.voila_app",
            str(folder),
            f"--port={port}",
            "--no-browser",
            "--Voila.ip=127.0.0.1",
            "--preheat_kernel=True",
            "--pool_size=1",
            "--template=parcours",
            f"--Voila.config_file_paths={config_folder}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        from parcours.servers import wait_until_answers

        wait_until_answers(f"http://127.0.0.1:{port}/", proc, 120, "Voila (floor)")
        context = browser.new_context(viewport=VIEWPORT)
        times = []
        for n in range(3):
            watcher.wait("floor", n + 1, 120, proc)  # Voila heats it fill_delay later
            wait_idle(proc.pid, time.monotonic() + 120, kernels=True)
            page = context.new_page()
            t0 = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/voila/render/floor.ipynb", wait_until="commit")
            page.wait_for_selector("h1", timeout=120_000)
            times.append(time.perf_counter() - t0)
            page.close()
        context.close()
        return statistics.median(times[1:])
    finally:
        proc.terminate()
        proc.wait(30)


PHASES_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  return {html_done: nav ? nav.responseEnd : null,
          dom_loaded: nav ? nav.domContentLoadedEventEnd : null, interactive: performance.now()};
}"""


def write_class(base: Path, learners: int) -> float:
    """Write the synthetic class under ``base`` (reused when already there); returns
    the seconds it took (0 when reused)."""
    from parcours.config import load_config
    from parcours.course import find_course, load_course
    from parcours.dashboards.sample import write_sample_class

    marker = base / f"class-{learners}.done"
    if marker.is_file():
        return 0.0
    config = load_config(REPO)
    course = load_course(find_course(config.courses_dir, "analyse-de-donnees"))
    started = time.perf_counter()
    sample = write_sample_class(config, course, learners, seed=11, weeks=5)
    print(
        f"class written: {learners} learners, {sample.events} events, "
        f"{sample.submissions} submissions in {time.perf_counter() - started:.1f} s"
    )
    (base / "config" / "jupyter_config.py").write_text(
        f"c.ParcoursConfig.dashboard_now = {sample.now.isoformat()!r}\n", encoding="utf-8"
    )
    marker.touch()
    return time.perf_counter() - started


def visit(context: object, url: str, learners: int) -> tuple[float, dict]:
    """Open the coordinator page in ``context``; seconds until interactive, and phases."""
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_function(INTERACTIVE_JS, timeout=300_000, polling=50)
    elapsed = time.perf_counter() - t0
    phases = page.evaluate(PHASES_JS)
    page.wait_for_function(LIVE_JS, timeout=300_000, polling=50)
    phases["figures_live"] = (time.perf_counter() - t0) * 1000
    shown = page.eval_on_selector("#table-courses", "t => t.tBodies[0].rows[0].cells[2].innerText")
    assert int("".join(ch for ch in shown if ch.isdigit())) == learners, shown  # "1 000"
    page.close()
    return elapsed, phases


FIRST_CONTENT_JS = """() => {
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  return paint ? paint.startTime : null;
}"""


def slow_visit(browser: object, url: str) -> tuple[float, float, int]:
    """One visit on a slow link with an empty cache: (first content, interactive)
    seconds from navigation and the bytes transferred (compressed, as on the wire)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_LINK)
    sizes: dict[str, float] = {}
    cdp.on(
        "Network.loadingFinished",
        lambda event: sizes.__setitem__(event["requestId"], event["encodedDataLength"]),
    )
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=900_000)
    page.wait_for_function(INTERACTIVE_JS, timeout=900_000, polling=50)
    interactive = time.perf_counter() - t0
    page.wait_for_function("() => performance.getEntriesByName('first-contentful-paint').length")
    first = page.evaluate(FIRST_CONTENT_JS) / 1000
    page.wait_for_load_state("networkidle", timeout=300_000)
    total = int(sum(sizes.values()))
    context.close()
    return first, interactive, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--learners", type=int, nargs="+", default=[1000], help="class sizes, one after another"
    )
    parser.add_argument(
        "--throttle",
        action="store_true",
        help="first visit on a slow link (1.5 Mbit/s, 300 ms, empty cache)",
    )
    parser.add_argument("--visits", type=int, default=3, help="visits with a warm browser cache")
    parser.add_argument("--keep", help="write the class in this folder and reuse it next time")
    args = parser.parse_args()

    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="parcours-bench-"))
    for learners in args.learners:
        measure(base / f"class-{learners}", learners, args.visits, args.throttle)
    return 0


def measure(base: Path, learners: int, visits: int, throttle: bool) -> None:
    """Write (or reuse) a class of ``learners`` under ``base``, serve it, visit it."""
    ready = base / "ready"
    env = {
        "PARCOURS_DATA_DIR": str(base / "data"),
        "PARCOURS_ROOT": str(REPO),
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTER_RUNTIME_DIR": str(base / "rt"),
        "PARCOURS_DASHBOARD_READY_DIR": str(ready),
    }
    os.environ.update(env)
    if str(Path(sys.executable).parent) not in os.environ["PATH"]:
        os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]
    (base / "config").mkdir(parents=True, exist_ok=True)
    import shutil

    shutil.rmtree(ready, ignore_errors=True)
    write_class(base, learners)

    from parcours.config import load_config
    from parcours.dashboards.server import DashboardServer, ReadyWatcher, write_voila_config
    from parcours.servers import free_port

    config = load_config(REPO)
    from playwright.sync_api import sync_playwright

    watcher = ReadyWatcher(ready)  # listening before the first kernel reports
    server = DashboardServer(config, pool_size=1, log_path=base / "voila.log", env=env)
    server.start(timeout=180)

    def wait_ready(count: int) -> None:
        """Until the ``count``-th preheated coordinator kernel is ready, then until the
        server and its kernels are idle (a server waiting for its users)."""
        assert server.process is not None
        watcher.wait("coordinator", count, 1800, server.process)
        wait_idle(server.process.pid, time.monotonic() + 600)

    warm: list[float] = []
    slow: tuple[float, float, int] | None = None
    visits_made = 0  # before the measured ones
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            url = server.url("coordinator")
            wait_ready(1)
            if throttle:  # a slow link, an empty cache
                # the server has answered a visitor before (as one in use has): it has
                # learned which scripts the page needs (dashboards/assets.py) and
                # compressed them with brotli (dashboards/compression.py)
                visit(browser.new_context(viewport=VIEWPORT), url, learners)
                wait_ready(2)
                visits_made = 1
                slow = slow_visit(browser, url)
                print(
                    f"visit 1 (1.5 Mbit/s, 300 ms, empty cache): first content "
                    f"{slow[0]:.2f} s, interactive {slow[1]:.2f} s, {slow[2]} bytes"
                )
                cold = slow[1]
            else:  # first visit: empty browser cache (Voila's and plotly's scripts fetched)
                cold, phases = visit(browser.new_context(viewport=VIEWPORT), url, learners)
                print(
                    f"visit 1 (empty browser cache): interactive in {cold:.2f} s; "
                    + ", ".join(f"{k}={v / 1000:.2f} s" for k, v in phases.items() if v)
                )
            # later visits: the browser has the scripts cached, as a returning coordinator's
            context = browser.new_context(viewport=VIEWPORT)
            for n in range(visits):
                wait_ready(n + 2 + visits_made)
                seconds, phases = visit(context, url, learners)
                warm.append(seconds)
                print(
                    f"visit {n + 2} (scripts cached): interactive in {seconds:.2f} s; "
                    + ", ".join(f"{k}={v / 1000:.2f} s" for k, v in phases.items() if v)
                )
            if not throttle:
                floor = voila_floor(base, browser, free_port(), write_voila_config(config), watcher)
                print(
                    "Voila floor (one-cell preheated notebook, same setup, scripts cached): "
                    f"{floor:.2f} s"
                )
            browser.close()
    finally:
        server.stop()
        watcher.close()
    print(f"first visit: {cold:.2f} s")
    if slow is not None:
        print(
            f"dashboard-slow: first_content_s={slow[0]:.2f} interactive_s={slow[1]:.2f} "
            f"bytes={slow[2]} learners={learners}"
        )
    if warm:
        print(f"dashboard: learners={learners} interactive_s={statistics.median(warm):.2f}")


if __name__ == "__main__":
    sys.exit(main())
