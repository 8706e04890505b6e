"""One source of truth: the settings nbgrader uses come from ``ParcoursConfig`` alone, so
that the user's own ``jupyter_config.py`` moves teachers and learners together."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from parcours.config import ParcoursConfig, load_config
from parcours.course import Course
from parcours.pipeline.autograde.limits import Limits


@pytest.fixture
def elsewhere(isolated_jupyter: Path, tmp_path: Path) -> Path:
    """The data folder the user's own jupyter_config.py names (not PARCOURS_DATA_DIR)."""
    folder = tmp_path / "elsewhere"
    user = Path(os.environ["JUPYTER_CONFIG_DIR"]) / "jupyter_config.py"
    user.write_text(f"c.ParcoursConfig.data_dir = {str(folder)!r}\n", encoding="utf-8")
    return folder


@pytest.fixture
def config(elsewhere: Path, repo: Path) -> ParcoursConfig:
    """The configuration in force: the project's file, then the user's."""
    return load_config(repo)


def test_a_release_is_listed_by_nbgrader_in_the_users_data_dir(
    config: ParcoursConfig, course: Course, elsewhere: Path, tmp_path: Path
) -> None:
    assert config.exchange_dir == str(elsewhere / "exchange")
    bindir = Path(sys.executable).parent
    released = subprocess.run(
        [bindir / "parcours", "release", str(course.folder), "devoir-a"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert released.returncode == 0, released.stderr
    assert (elsewhere / "exchange" / course.id / "outbound" / "devoir-a").is_dir()
    assert not (Path(os.environ["PARCOURS_DATA_DIR"]) / "exchange").exists()

    # nbgrader's own list, loading the Jupyter config files as JupyterLab's assignment
    # list does (JUPYTER_CONFIG_PATH as set for the servers Parcours starts)
    home = tmp_path / "learner"
    home.mkdir()
    listed = subprocess.run(
        [sys.executable, "-m", "nbgrader", "list"],
        cwd=home, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert f"{course.id} devoir-a" in listed.stdout + listed.stderr

    from nbgrader.server_extensions.assignment_list.handlers import AssignmentList

    backend = AssignmentList()
    backend.root_dir = str(home)
    answer = backend.list_released_assignments(course_id=course.id)
    assert answer["success"], answer
    assert [a["assignment_id"] for a in answer["value"]] == ["devoir-a"]


def test_grading_limits_default_to_the_configuration_only(repo: Path) -> None:
    """Limits' defaults are ParcoursConfig's, and the project's file repeats none of them."""
    limits = Limits.from_config(ParcoursConfig(data_dir="/d", courses_dir="/c"))
    assert dataclasses.replace(limits, hidden_paths=()) == Limits()
    project = (repo / "jupyter_config.py").read_text(encoding="utf-8")
    settings = ("cell_timeout", "notebook_timeout", "memory_limit_mb", "process_limit",
                "output_limit_kb", "allow_network", "sandbox_user")  # fmt: skip
    for name in settings:
        assert f"\nc.ParcoursConfig.{name} =" not in project, name
    assert "\nc.Exchange.root" not in project
    assert "\nc.ExecutePreprocessor.timeout" not in project
