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
from typing import Any, cast

from parcours.config import ParcoursConfig
from parcours.course import Course
from parcours.servers import free_port


def _cli(*argv: str) -> list[str]:
    return [sys.executable, "-m", "parcours.cli", *argv]


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
        assert f"port {port}" in taken.stderr and "est pris" in taken.stderr
        assert "Traceback" not in taken.stderr
    finally:
        server.send_signal(signal.SIGTERM)
        status = server.wait(60)
    assert status == 0, server.stderr.read() if server.stderr else ""
    assert server.stdout is not None and server.stdout.read() == ""


def test_formgrader_shows_releases_and_dates_as_parcours_made_them(
    config: ParcoursConfig, course: Course, tmp_path: Path
) -> None:
    """formgrader's API and page agree with Parcours (pipeline/formgraderapi.py): an
    assignment released with ``parcours release`` is "released" even where the formgrader's
    account cannot see the exchange (the hub's belongs to the Parcours service: modelled by
    the course's exchange folder out of sight), no "exchange directory does not exist"
    warning, no release/collect buttons (formgrader's API refuses them, naming the
    command), due dates in the course's zone with the zone shown."""
    import datetime as dt
    import shutil
    from zoneinfo import ZoneInfo

    from parcours.pipeline.deadlines import find_assignment
    from parcours.pipeline.formgrader import FormgraderServer
    from parcours.pipeline.release import release
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    release(config, course, "devoir-a")
    shutil.rmtree(Path(config.exchange_dir) / course.id)  # the formgrader's account sees none
    due = course.due(find_assignment(course, "devoir-a"))
    paris = due.astimezone(ZoneInfo("Europe/Paris"))
    with FormgraderServer(config, course, free_port(config.ip), log_path=tmp_path / "fg.log") as fg:
        listed = cast("list[dict[str, Any]]", api(fg.url, "/formgrader/api/assignments"))
        found = {a["name"]: a for a in listed}
        assert found["devoir-a"]["status"] == "released", found["devoir-a"]
        assert found["devoir-b"]["status"] == "draft"
        assert not any(a["releaseable"] for a in found.values())  # no release/collect button
        shown = found["devoir-a"]["display_duedate"]
        assert shown == paris.strftime("%Y-%m-%d %H:%M:%S %Z"), shown
        assert shown.endswith((" CET", " CEST")) and "UTC" not in shown
        assert found["devoir-a"]["duedate_timezone"] in ("+0100", "+0200")
        assert dt.datetime.fromisoformat(found["devoir-a"]["duedate_notimezone"]) == paris.replace(
            tzinfo=None
        )
        # formgrader's own release, unrelease and collect: refused, the command named
        for action, command in (("release", "release"), ("collect", "collect")):
            request = urllib.request.Request(
                f"{fg.base_url}/formgrader/api/assignment/devoir-b/{action}",
                data=b"",
                method="POST",
                headers={"Authorization": f"token {fg.token}"},
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                answer = json.loads(response.read())
            assert answer["success"] is False
            assert f"parcours {command} {course.id} devoir-b" in answer["error"]
        assert not (Path(config.exchange_dir) / course.id / "outbound" / "devoir-b").exists()
        # what a teacher sees: no warning, the statuses, the due date, no release button
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(f"{fg.url.split('/formgrader?')[0]}/formgrader/manage_assignments"
                          f"?token={fg.token}")  # fmt: skip
                row = page.locator("tr", has=page.locator("a", has_text="devoir-a")).first
                row.locator(".status .label").wait_for()
                assert page.locator(".alert-warning").count() == 0, page.content()
                assert row.locator(".status").inner_text().strip() == "released"
                assert paris.strftime("%Y-%m-%d %H:%M") in row.inner_text()
                assert row.locator(".release a, .collect a").count() == 0
            finally:
                browser.close()
