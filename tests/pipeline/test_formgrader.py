"""``parcours formgrader COURSE``: nbgrader's formgrader of one course on one machine —
a real Jupyter server whose formgrader API lists the course's assignments; a taken port
refused (exit 2); SIGTERM stops it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from parcours_grading.config import ParcoursConfig
from parcours_grading.course import Course
from parcours_grading.dashboards.server import free_port


def _cli(*argv: str) -> list[str]:
    return [sys.executable, "-m", "parcours_grading.cli", *argv]


def api(url: str, path: str) -> object:
    """GET one formgrader API path, authenticated by the URL's token."""
    base, token = url.split("/formgrader?token=")
    request = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_formgrader_serves_the_course_and_stops_on_sigterm(
    config: ParcoursConfig, course: Course, tmp_path: Path
) -> None:
    port = free_port(config.ip)
    log = tmp_path / "formgrader.log"
    server = subprocess.Popen(
        _cli(
            "formgrader", str(course.folder), "--port", str(port), "--log", str(log), "--lang", "en"
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        line = server.stdout.readline() if server.stdout else ""  # printed once it answers
        assert f"Manual grading of '{course.id}'" in line, (
            line,
            log.read_text() if log.exists() else "",
        )
        url = line.rsplit(" ", 1)[-1].strip()
        assert url.startswith(f"http://{config.ip}:{port}/formgrader?token=")
        names = {a["name"] for a in api(url, "/formgrader/api/assignments")}  # type: ignore[union-attr]
        assert {a.id for a in course.assignments} <= names
        # the same port again: refused, nothing started
        taken = subprocess.run(
            _cli("formgrader", str(course.folder), "--port", str(port)),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert taken.returncode == 2, taken
        assert f"port {port}" in taken.stderr and "taken" in taken.stderr
        assert "Traceback" not in taken.stderr
    finally:
        server.send_signal(signal.SIGTERM)
        status = server.wait(60)
    assert status == 0, server.stderr.read() if server.stderr else ""
    assert server.stdout is not None and server.stdout.read() == ""
