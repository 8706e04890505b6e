"""Fixtures of the dashboard tests: a synthetic class in real stores, a real Voila server,
a real headless chromium.

The class (the demo course, 40 synthetic learners, five weeks) is written once per session
into a session data folder; the Voila server serves ``notebooks/`` over it with
``dashboard_now`` set to the end of those weeks, so that every number is reproducible.
Tests that compare what the browser shows compute the same numbers in the test process
with the view-model functions on the same data (``dashboard_data``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..conftest import CHROMIUM, CHROMIUM_ARGS
from ..sessionenv import environ, session_env

REPO = Path(__file__).resolve().parents[2]
COURSE = "analyse-de-donnees"
LEARNERS = 40
#: the teacher allowed to open any learner's dashboard (c.ParcoursConfig.dashboard_teachers)
TEACHER = "prof-martin"


@dataclass(frozen=True)
class ClassWorld:
    """Where the session's synthetic class lives."""

    data_dir: Path
    config_dir: Path
    now: str
    student_ids: list[str]


@pytest.fixture(scope="session")
def class_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClassWorld]:
    """The demo course with a synthetic class of 40 learners written into real stores
    (event store, nbgrader gradebook, roster, feedback files) in a session folder."""
    base = tmp_path_factory.mktemp("dashboards")
    env = session_env(base)
    with environ(env):
        from parcours.config import load_config
        from parcours.course import find_course, load_course
        from parcours.dashboards.sample import write_sample_class

        config = load_config(REPO)
        course = load_course(find_course(config.courses_dir, COURSE))
        sample = write_sample_class(config, course, LEARNERS, seed=7, weeks=5)
        now = sample.now.isoformat()
        # the session's own jupyter_config.py (user level: it wins over the project's)
        (base / "config" / "jupyter_config.py").write_text(
            f"c.ParcoursConfig.dashboard_now = {now!r}\n"
            f"c.ParcoursConfig.dashboard_teachers = [{TEACHER!r}]\n"
            f"c.ParcoursConfig.learner = {TEACHER!r}\n",
            encoding="utf-8",
        )
        yield ClassWorld(
            Path(env["PARCOURS_DATA_DIR"]),
            base / "config",
            now,
            list(sample.cohort.learners["student_id"]),
        )


@pytest.fixture
def world_env(class_world: ClassWorld, monkeypatch: pytest.MonkeyPatch) -> ClassWorld:
    """Point this test's environment (config and data folders) at the session's class."""
    base = class_world.data_dir.parent
    for key, value in session_env(base).items():
        monkeypatch.setenv(key, value)
    return class_world


@pytest.fixture
def dashboard_data(world_env: ClassWorld):
    """The session's class as the dashboards see it (same configuration as the server)."""
    from parcours.config import load_config
    from parcours.dashboards.data import load_dashboard_data

    config = load_config(REPO)
    assert config.dashboard_now == world_env.now
    return load_dashboard_data(config)


@pytest.fixture(scope="module")
def voila_server(class_world: ClassWorld, tmp_path_factory: pytest.TempPathFactory):
    """A real Voila server (``parcours dashboard``'s code path) on a free loopback port,
    serving notebooks/ over the session's class; one per test module, so that every module
    also checks that later visits to the same server render (they used to hang now and
    then: see parcours.kernelwait)."""
    with serve_dashboards(class_world.data_dir.parent, tmp_path_factory) as server:
        yield server


@contextlib.contextmanager
def serve_dashboards(base: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """:func:`voila_server` over the class whose session folders are under ``base``."""
    from parcours.dashboards.server import DashboardServer, ReadyWatcher

    env = session_env(base)
    with environ(env):
        from parcours.config import load_config

        config = load_config(REPO)
        log = tmp_path_factory.mktemp("voila-log") / "voila.log"
        ready = tmp_path_factory.mktemp("ready")  # this server's kernels report here
        watcher = ReadyWatcher(ready)
        # preheated kernels, as `parcours dashboard` serves them (open_dashboard waits
        # for a heated kernel before each visit)
        server = DashboardServer(
            config,
            pool_size=1,
            log_path=log,
            env={**env, "PARCOURS_DASHBOARD_READY_DIR": str(ready)},
        )
        server.start(timeout=120)
        server.ready = watcher  # type: ignore[attr-defined]
        server.visits = {}  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        server.stop()
        watcher.close()


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    """Debian's chromium, headless, driven by Playwright (sync API)."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser page (own context); console errors collected in ``page.errors``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    yield tab
    context.close()
