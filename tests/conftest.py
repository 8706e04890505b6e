"""Shared fixtures: every test runs with Jupyter's folders and Parcours' data under tmp."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

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
]  # fmt: skip


@pytest.fixture(autouse=True)
def isolated_jupyter(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Jupyter's config, data and runtime folders, HOME and Parcours' data dir under tmp.

    The venv's bin goes first on PATH: nbgrader runs ``alembic`` as a subprocess.
    """
    base = tmp_path_factory.mktemp("jupyter")
    for name in ("config", "data", "runtime", "home", "ipython", "parcours"):
        (base / name).mkdir()
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(base / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(base / "ipython"))
    monkeypatch.setenv("HOME", str(base / "home"))
    monkeypatch.setenv("PARCOURS_DATA_DIR", str(base / "parcours"))
    monkeypatch.setenv("PARCOURS_ROOT", str(REPO))
    monkeypatch.delenv("JUPYTER_CONFIG_PATH", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    bindir = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", bindir + os.pathsep + os.environ.get("PATH", ""))
    yield base


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
    from tests.twocourses import session_env, write_two_courses

    base = tmp_path_factory.mktemp("two-courses")
    env = session_env(base)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    os.environ.pop("JUPYTER_CONFIG_PATH", None)
    try:
        world = write_two_courses(base)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    yield world


@pytest.fixture
def two_courses(two_courses_world, monkeypatch: pytest.MonkeyPatch):
    """This test's environment pointed at the two-course class; its configuration."""
    from parcours_grading.config import load_config

    for key, value in two_courses_world.env().items():
        monkeypatch.setenv(key, value)
    return two_courses_world, load_config(REPO)
