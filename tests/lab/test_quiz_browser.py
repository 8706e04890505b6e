"""A learner answers a quiz by keyboard alone in a real Voila page, in headless chromium,
sees the feedback, and the answer is in the event store."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import CHROMIUM, CHROMIUM_ARGS
from .conftest import Project

NOTEBOOK_CELL = """\
from parcours_lab import lesson
L = lesson.start("cours-test", "l01")
L.quiz("l01-q1")"""


def wait_until(condition, timeout: float, what: str, interval: float = 0.2):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)  # polling a condition with a bounded deadline
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture
def voila(project: Project, tmp_path: Path) -> Iterator[str]:
    """A Voila server on a free loopback port serving a one-quiz notebook; yields its URL."""
    import nbformat
    from parcours_grading.config import activate_project
    from parcours_grading.dashboards.server import free_port

    notebook = project.lessons / "quiz-clavier.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Quiz"), nbformat.v4.new_code_cell(NOTEBOOK_CELL)]
    nbformat.write(nb, notebook)
    activate_project(project.root)
    port = free_port()
    log = open(tmp_path / "voila.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-m", "parcours_grading.dashboards.voila_app", "--no-browser",
         f"--port={port}", "--Voila.ip=127.0.0.1", str(notebook)],
        cwd=project.lessons, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"

    def ready() -> bool:
        assert proc.poll() is None, (tmp_path / "voila.log").read_text(errors="replace")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    try:
        wait_until(ready, 60, "Voila to listen")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.mark.browser
def test_quiz_answered_by_keyboard_alone(
    project: Project, voila: str, output_dir: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian chromium is required: apt-get install -y chromium"
    with sync_playwright() as pw:
        # Playwright gives the browser a fresh temporary profile (its --user-data-dir)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            try:
                urllib.request.urlopen(voila, timeout=90).close()  # first render starts a kernel
            except urllib.error.URLError as exc:
                raise AssertionError(f"Voila did not answer: {exc}") from exc
            page.goto(voila, timeout=90_000)
            radios = page.locator(".parcours-quiz input[type=radio]")
            radios.first.wait_for(timeout=90_000)
            assert radios.count() == 3
            assert page.get_by_text("Quel objet pandas représente une colonne ?").is_visible()

            def focused() -> dict:
                return page.evaluate(
                    "() => { const e = document.activeElement;"
                    " return {tag: e.tagName, type: e.type || '', text: e.textContent || '',"
                    " value: e.value || ''}; }"
                )

            def tab_to(condition, what: str) -> dict:  # type: ignore[no-untyped-def]
                for _ in range(40):
                    page.keyboard.press("Tab")
                    now = focused()
                    if condition(now):
                        return now
                raise AssertionError(f"Tab never reached {what}")

            # the options are one radio group (one Tab stop): Tab to it, ArrowDown to the
            # option "Series" (value 1: arrows move and choose), Tab on to the Check button.
            tab_to(lambda e: e["type"] == "radio" and e["value"] == "0", "the radio group")
            page.keyboard.press("ArrowDown")
            assert focused()["value"] == "1"
            checked = page.locator(".parcours-quiz input[type=radio]:checked")
            assert checked.count() == 1 and checked.first.get_attribute("value") == "1"
            tab_to(lambda e: e["tag"] == "BUTTON" and "Vérifier" in e["text"], "'Vérifier'")
            page.keyboard.press("Enter")
            feedback = page.locator(".parcours-quiz [role=alert]")
            feedback.first.wait_for(timeout=30_000)
            text = feedback.first.inner_text()
            assert "Correct" in text and "Series" in text
            page.screenshot(path=str(output_dir / "quiz-clavier.png"), full_page=True)
        finally:
            browser.close()

    store = project.store()
    events = wait_until(lambda: store.read(verb="answered"), 20, "the answer in the store")
    (event,) = events
    assert (event.object_id, event.attempt, event.success) == ("l01-q1", 1, 1)
    assert event.response_value == 1 and event.actor == project.actor()
