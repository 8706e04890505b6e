"""Fixtures for the assignment loop: a course copied to tmp with dates moved to the
test's clock, a roster, and one learner's home folder."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from parcours.config import ParcoursConfig, load_config
from parcours.course import Course, load_course
from parcours.pipeline.roster import Learner, roster_path, write_roster

FIXTURE = Path(__file__).parent / "fixtures" / "mini-cours"
UTC = dt.UTC


def copy_course(
    source: Path, dest: Path, dates: dict[str, tuple[dt.datetime, dt.datetime]]
) -> Path:
    """Copy a course folder and rewrite the opens/due of the named assignments."""
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    manifest = dest / "course.toml"
    lines, current = [], None
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if line.startswith("[["):
            current = None
        match = re.match(r'^id = "([^"]+)"', line)
        if match:
            current = match.group(1)
        if current in dates and re.match(r"^(opens|due) = ", line):
            key = line.split(" ", 1)[0]
            opens, due = dates[current]
            line = f"{key} = {(opens if key == 'opens' else due).isoformat()}"
        lines.append(line)
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest


@pytest.fixture
def config(isolated_jupyter: Path, repo: Path) -> ParcoursConfig:
    """The project's configuration with the data dir under tmp (conftest's env)."""
    return load_config(repo)


@pytest.fixture
def now() -> dt.datetime:
    return dt.datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def course(tmp_path: Path, config: ParcoursConfig, now: dt.datetime) -> Course:
    """The mini course: devoir-a open since yesterday, due in a day; devoir-b (for a
    group) the same."""
    dates = {
        "devoir-a": (now - dt.timedelta(days=1), now + dt.timedelta(days=1)),
        "devoir-b": (now - dt.timedelta(days=1), now + dt.timedelta(days=1)),
    }
    folder = copy_course(FIXTURE, tmp_path / "courses" / "mini-cours", dates)
    loaded = load_course(folder)
    write_roster(
        roster_path(config, loaded),
        [
            Learner("alice", "Alice", "Martin", "alice@example.org", ("groupe-a",)),
            Learner("bob", "Bob", "Durand", "", ("groupe-b",)),
            Learner("chloe", "Chloé", "Petit", "", ("groupe-a", "remediation")),
        ],
    )
    return loaded


@pytest.fixture
def homes(tmp_path: Path) -> Path:
    """Parent of the learners' home folders (one per learner id)."""
    folder = tmp_path / "homes"
    folder.mkdir()
    return folder
