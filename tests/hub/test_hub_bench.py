"""A small deadline on the real hub, every time the suite runs: bench/hub.py's own run
(50 learners submitting and posting events within 20 s, then a 60 s burst of submissions
graded on submit), on SQLite and on PostgreSQL, from a copy of the checkout's content
closed as an earlier hub leaves it (course folders 750, files 640, root's alone).

Its 1,000-learner run once answered 404 to every submission for weeks before anyone saw
it: the service's account could not read the bench's courses (copied from a closed
checkout, never handed over), and nothing in the suite ran the bench. Needs root (the hub
and its services run as root here)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from .test_service_deadline import REPO, bench


def closed_checkout(target: Path) -> Path:
    """The checkout's demo course, notebooks and configuration copied to ``target``, the
    course closed to everyone but root (as secure_folders leaves a checkout when the course
    has a grader account)."""
    course = target / "courses" / "analyse-de-donnees"
    shutil.copytree(REPO / "courses" / "analyse-de-donnees", course)
    shutil.copytree(REPO / "notebooks", target / "notebooks")
    shutil.copy(REPO / "jupyter_config.py", target / "jupyter_config.py")
    for folder, _dirs, files in os.walk(course):
        os.chmod(folder, 0o750)
        for name in files:
            os.chmod(Path(folder) / name, 0o640)
    return target


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_a_small_deadline_on_the_hub_loses_nothing(store: str, tmp_path: Path) -> None:
    assert os.geteuid() == 0, "the hub runs its services as their own accounts: run as root"
    figures: Any = bench().run(
        learners=50, window=20.0, burst_s=60.0, store=store, repo=closed_checkout(tmp_path)
    )
    assert figures.failures == {}, figures
    assert figures.lost == 0, figures
    assert figures.burst_lost == 0, figures
    assert figures.submit_p95_s < 1.0, figures
    assert figures.feedback_p95_s < 60.0, figures
