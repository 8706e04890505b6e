"""Preheated dashboard kernels report that they are ready (dashboards.server): the
watcher returns on the report itself, counts reports per page, and says at once when
the server it waits on has stopped."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest


def _kernel_reports(folder: Path, page: str) -> None:
    """What a dashboard kernel does once ready, in a process of its own."""
    subprocess.run(
        [
            sys.executable,
            "-c",
            f"from parcours.dashboards.server import report_ready; report_ready({page!r})",
        ],
        env={"PARCOURS_DASHBOARD_READY_DIR": str(folder), "PATH": ""},
        check=True,
    )


def test_the_watcher_counts_reports_per_page(tmp_path: Path) -> None:
    from parcours.dashboards.server import ReadyWatcher

    watcher = ReadyWatcher(tmp_path)
    try:
        _kernel_reports(tmp_path, "coordinator")
        _kernel_reports(tmp_path, "learner")
        _kernel_reports(tmp_path, "coordinator")
        started = time.monotonic()
        watcher.wait("coordinator", 2, timeout=30)
        watcher.wait("learner", 1, timeout=30)
        assert time.monotonic() - started < 5
        assert len(list(tmp_path.glob("coordinator-*.ready"))) == 2  # the health probe
    finally:
        watcher.close()


def test_a_stopped_server_or_no_report_is_said(tmp_path: Path) -> None:
    from parcours.dashboards.server import DashboardServerError, ReadyWatcher
    from parcours.i18n import language

    watcher = ReadyWatcher(tmp_path)
    try:
        with language("en"), pytest.raises(DashboardServerError, match="in 1 s"):
            watcher.wait("teacher", 1, timeout=1)
        stopped = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
        stopped.wait()
        with language("en"), pytest.raises(DashboardServerError, match="exit 3"):
            watcher.wait("teacher", 1, timeout=60, process=stopped)
    finally:
        watcher.close()


def test_without_a_watcher_the_file_is_the_report(tmp_path: Path) -> None:
    _kernel_reports(tmp_path, "teacher")
    assert len(list(tmp_path.glob("teacher-*.ready"))) == 1
