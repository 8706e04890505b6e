"""Fixtures for autograde tests: one real nbgrader course and one fork server per session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .kit import Course, make_course


@pytest.fixture(scope="session")
def template_course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    """A course after ``nbgrader generate_assignment`` (copied per test: see ``course``)."""
    return make_course(tmp_path_factory.mktemp("template"))


@pytest.fixture
def course(template_course: Course, tmp_path: Path) -> Course:
    """A fresh copy of the template course for one test (gradebook included)."""
    data_dir = tmp_path / "data"
    root = data_dir / "courses" / template_course.root.name
    shutil.copytree(template_course.root, root, symlinks=True)
    nbconfig = root / "nbgrader_config.py"
    nbconfig.write_text(nbconfig.read_text().replace(str(template_course.root), str(root)))
    return Course(root, root / template_course.release.relative_to(template_course.root))


@pytest.fixture(scope="session")
def server() -> Iterator[object]:
    """A warm fork server shared by the tests (starting one costs seconds)."""
    from parcours.pipeline.autograde.forkserver import ForkServer

    with ForkServer() as srv:
        yield srv
