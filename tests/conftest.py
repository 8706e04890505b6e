"""Shared fixtures: every test runs with Jupyter's folders and Parcours' data under tmp."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

#: a real PostgreSQL server for the tests that run on both databases (tests/postgres.py)
pytest_plugins = ["tests.postgres"]

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "tests" / "_output"
#: Debian's chromium, driven by Playwright in every browser test
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    # this machine has no internet: fail every outside name at once instead of letting
    # a page wait on a CDN lookup (Voila pages ask for fonts from a CDN)
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    # headless chromium builds its address bar's dropdown (a chrome:// web page, some
    # 130 requests and ~1.5 s of a core) for every new page: a browser a person uses
    # built it once with its window; here it would take a core from the page under test
    "--disable-features=WebUIOmniboxPopup,WebUIOmniboxFullPopup,WebUIOmniboxAimPopup",
]  # fmt: skip


@pytest.fixture(autouse=True)
def default_language() -> Iterator[str]:
    """Each test starts in the default language (French) and leaves it so: a command run
    in-process with ``--lang en`` sets the process's language (``set_language``)."""
    from parcours.i18n import DEFAULT_LANGUAGE, set_language

    set_language(DEFAULT_LANGUAGE)
    yield DEFAULT_LANGUAGE
    set_language(DEFAULT_LANGUAGE)


@pytest.fixture(autouse=True)
def isolated_jupyter(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Jupyter's config, data and runtime folders, HOME and Parcours' data dir under tmp.

    The venv's bin goes first on PATH: nbgrader runs ``alembic`` as a subprocess.
    """
    from tests.sessionenv import session_env

    base = tmp_path_factory.mktemp("jupyter")
    for key, value in session_env(base).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("JUPYTER_CONFIG_PATH", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    yield base


#: pytest-jupyter's own autouse fixtures, overridden below
_JP_AUTOUSE = {"jp_asyncio_loop", "jp_server_cleanup"}


def _serves_jupyter(request: pytest.FixtureRequest) -> bool:
    """Whether the test uses pytest-jupyter's server fixtures (``jp_fetch``, …)."""
    return any(n.startswith("jp_") and n not in _JP_AUTOUSE for n in request.fixturenames)


@pytest.fixture(autouse=True)
def jp_asyncio_loop(request: pytest.FixtureRequest) -> Iterator[asyncio.AbstractEventLoop | None]:
    """pytest-jupyter's event loop, for the tests of the lab extension's handlers only.

    Its server plugin, registered by the modules that use it, makes this fixture autouse
    for the whole session; a browser test then had its loop closed while Playwright's
    was running ("Cannot close a running event loop"), depending on the order of the
    modules. Same loop as the plugin's for the tests that use its server fixtures."""
    if not _serves_jupyter(request):
        yield None
        return
    from jupyter_core.utils import ensure_event_loop

    loop = ensure_event_loop(prefer_selector_loop=True)
    yield loop
    loop.close()


@pytest.fixture(autouse=True)
def jp_server_cleanup(jp_asyncio_loop: asyncio.AbstractEventLoop | None) -> Iterator[None]:
    """pytest-jupyter's clean-up of its ``ServerApp`` singleton, where one was started."""
    yield
    if jp_asyncio_loop is None:
        return
    from jupyter_server.serverapp import ServerApp

    app = ServerApp.instance()
    # the plugin's own clean-up ignores these too (a server already stopped)
    with contextlib.suppress(RuntimeError, SystemExit):
        jp_asyncio_loop.run_until_complete(app._cleanup())
    if hasattr(app, "kernel_manager"):
        app.kernel_manager.context.destroy()
    ServerApp.clear_instance()


@pytest.fixture
def output_dir(request: pytest.FixtureRequest) -> Path:
    """A folder under tests/_output for screenshots and reports a person may look at."""
    folder = OUTPUT / request.node.name.replace("/", "_")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def repo() -> Path:
    """The project folder (holds courses/, notebooks/, jupyter_config.py)."""
    return REPO


@pytest.fixture(scope="session")
def two_courses_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Two courses in real stores (French/Europe/Paris and English/America/Cayenne,
    learners enrolled in both), written once per session (tests/twocourses.py)."""
    from tests.sessionenv import environ, session_env
    from tests.twocourses import write_two_courses

    base = tmp_path_factory.mktemp("two-courses")
    with environ(session_env(base)):
        world = write_two_courses(base)
    yield world


@pytest.fixture
def two_courses(two_courses_world, monkeypatch: pytest.MonkeyPatch):
    """This test's environment pointed at the two-course class; its configuration."""
    from parcours.config import load_config

    for key, value in two_courses_world.env().items():
        monkeypatch.setenv(key, value)
    return two_courses_world, load_config(REPO)
