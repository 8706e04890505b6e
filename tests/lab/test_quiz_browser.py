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
def notebook_cell() -> str:
    """The code cell of the served notebook (a test parametrizes it to show another)."""
    return NOTEBOOK_CELL


@pytest.fixture
def voila(project: Project, tmp_path: Path, notebook_cell: str) -> Iterator[str]:
    """A Voila server on a free loopback port serving a one-quiz notebook; yields its URL."""
    import nbformat
    from parcours.project import activate_project
    from parcours.servers import free_port

    notebook = project.lessons / "quiz-clavier.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Quiz"), nbformat.v4.new_code_cell(notebook_cell)]
    nbformat.write(nb, notebook)
    activate_project(project.root)
    port = free_port()
    log = open(tmp_path / "voila.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-m", "parcours.dashboards.voila_app", "--no-browser",
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


#: the demo's l02-q4 (its longest item was cut at 227 px), in the right order
ORDERING_BANK = """\
schema_version: 1
lesson: l02
questions:
  - id: l02-q4
    type: ordering
    prompt: "Remettez dans l'ordre les étapes d'un premier diagnostic d'un fichier CSV."
    options: &steps
      - "Lire le fichier avec `pd.read_csv` et les bons paramètres"
      - "Vérifier les dimensions avec `shape` et regarder les premières lignes avec `head()`"
      - "Contrôler les types et les valeurs manquantes avec `info()`"
      - "Examiner les ordres de grandeur avec `describe()`"
    answer: *steps
"""
ORDERING_CELL = """\
from parcours_lab import lesson
L = lesson.start("cours-test", "l02")
L.quiz("l02-q4")"""

#: per drop-down list: its options' texts, and whether the widest fits in the closed list
#: (the text's width in the list's own font, against the list's inner width)
LISTS = """() => Array.from(document.querySelectorAll('.parcours-quiz select')).map(s => {
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = getComputedStyle(s).font;
    const texts = Array.from(s.options).map(o => o.text.replace(/\u00a0/g, ' '));
    const widest = Math.max(...texts.map(t => ctx.measureText(t).width));
    const label = s.closest('.widget-dropdown').querySelector('label');
    return {texts, widest, inner: s.clientWidth - 32, label: label ? label.textContent : ''};
})"""


@pytest.mark.browser
@pytest.mark.parametrize("notebook_cell", [ORDERING_CELL], ids=["l02-q4"])
def test_ordering_lists_are_shuffled_and_show_whole_items(
    project: Project, voila: str, output_dir: Path
) -> None:
    """Issue #24 (8): every list of an ordering question offered its items in the right
    order, and a closed list cut an item at 227 px. Here: the items offered shuffled (the
    learner's order, never the right one), every item readable whole in the closed lists,
    the right order chosen by keyboard alone."""
    import yaml
    from parcours.quizbank import load_bank, shown_order
    from playwright.sync_api import sync_playwright

    bank = project.course / "quizzes" / "l02.yaml"
    bank.write_text(ORDERING_BANK, encoding="utf-8")
    question = load_bank(bank).question("l02-q4")
    right = [str(s) for s in yaml.safe_load(ORDERING_BANK)["questions"][0]["answer"]]
    right = [s.replace("`", "") for s in right]
    expected = [s.replace("`", "") for s in shown_order(question, project.actor())]
    assert expected != right
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            try:
                urllib.request.urlopen(voila, timeout=90).close()  # first render starts a kernel
            except urllib.error.URLError as exc:
                raise AssertionError(f"Voila did not answer: {exc}") from exc
            page.goto(voila, timeout=90_000)
            selects = page.locator(".parcours-quiz select")
            selects.first.wait_for(timeout=90_000)
            lists = page.evaluate(LISTS)
            assert len(lists) == 4
            for n, found in enumerate(lists, start=1):
                assert found["label"] == f"Position {n}"
                assert found["texts"] == expected, "the learner's shuffled order"
                assert found["widest"] <= found["inner"], f"an item is cut in list {n}: {found}"
            # by keyboard: each list's item chosen by its first letter, Tab to 'Vérifier'
            selects.first.focus()
            for position, step in enumerate(right):
                if position:
                    page.keyboard.press("Tab")
                page.keyboard.press(step[0])
            page.keyboard.press("Tab")
            page.keyboard.press("Enter")
            feedback = page.locator(".parcours-quiz [role=alert]")
            feedback.first.wait_for(timeout=30_000)
            assert "✔ Correct" in feedback.first.inner_text()
            page.screenshot(path=str(output_dir / "quiz-ordre.png"), full_page=True)
        finally:
            browser.close()
