"""Text written by learners and tutors never runs in the dashboards (issue #23): a
reflection whose difficulties hold ``<script>``, ``<img onerror>``, ``<svg onload>`` and a
``javascript:`` link, and a follow-up whose outcome and author hold them, shown in a real
chromium on the teacher's and the coordinator's dashboards: shown as text, nothing runs.

Its own small class and Voila server (the session's class is counted by other tests)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..sessionenv import environ, session_env
from .browser import open_dashboard, table_rows
from .conftest import COURSE, REPO

pytestmark = pytest.mark.browser

PAYLOAD = (
    "<script>window.__pwned='script'</script>"
    "<img src=x onerror=\"window.__pwned='img'\">"
    "<svg onload=\"window.__pwned='svg'\"></svg>"
    "<a href=\"javascript:window.__pwned='link'\">lien</a>"
)
#: nothing the payload writes may be an element or attribute of the page
DANGEROUS = """() => {
    const found = [];
    for (const el of document.querySelectorAll('main *, .parcours-section-reflections *')) {
        if (el.closest('.js-plotly-plot')) continue;  // plotly draws its own SVG
        if (el.localName === 'img' && el.getAttribute('src') === 'x') found.push('img');
        for (const attr of el.attributes) {
            const kind = el.localName + '[' + attr.name + ']';
            if (/^on(error|load)$/i.test(attr.name)) found.push(kind);
            if (/^\\s*javascript:/i.test(attr.value)) found.push(kind);
        }
    }
    return found;
}"""


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A class of 8 learners, ten of whose devoir-1 reflections name the payload as their
    difficulty, and a follow-up carrying it; a Voila server over it."""
    import pandas as pd
    from parcours.cohort import write_events
    from parcours.compliance.followups import record_followup
    from parcours.config import load_config
    from parcours.course import find_course, load_course
    from parcours.dashboards.sample import write_sample_class
    from parcours.dashboards.server import DashboardServer, ReadyWatcher

    base = tmp_path_factory.mktemp("hostile")
    env = session_env(base)
    with environ(env):
        config = load_config(REPO)
        course = load_course(find_course(config.courses_dir, COURSE))
        sample = write_sample_class(config, course, 8, seed=11, weeks=5)
        events = sample.cohort.events
        reflected = events[(events["verb"] == "reflected") & (events["object_id"] == "devoir-1")]
        assert len(reflected), "the class wrote reflections on devoir-1"
        hostile = pd.concat([reflected.head(1)] * 10, ignore_index=True)
        hostile["id"] = [uuid.uuid4().hex for _ in range(len(hostile))]
        hostile["extra"] = json.dumps({"difficulties": PAYLOAD, "minutes": 30, "confidence": 3})
        write_events(hostile, config.events_url.removeprefix("sqlite:///"))
        learner = str(sample.cohort.learners["student_id"].iloc[0])
        record_followup(config, course, learner, how="phone", outcome=PAYLOAD, by=PAYLOAD)
        (base / "config" / "jupyter_config.py").write_text(
            f"c.ParcoursConfig.dashboard_now = {sample.now.isoformat()!r}\n", encoding="utf-8"
        )
        # preheated kernels, as `parcours dashboard` serves them (a kernel started at the
        # visit draws the coordinator's figures ahead while the visitor waits)
        ready = base / "ready"
        ready.mkdir()
        watcher = ReadyWatcher(ready)
        server = DashboardServer(
            load_config(REPO),
            pool_size=1,
            log_path=base / "voila.log",
            env={**env, "PARCOURS_DASHBOARD_READY_DIR": str(ready)},
        )
        server.start(timeout=120)
        server.ready = watcher  # type: ignore[attr-defined]
        server.visits = {}  # type: ignore[attr-defined]
    yield server
    watcher.close()
    server.stop()


@pytest.fixture
def tab(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


def _assert_inert(page: Any) -> None:
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate(DANGEROUS) == []


def test_reflections_show_learner_text_as_text(hostile_server: Any, tab: Any) -> None:
    open_dashboard(
        tab,
        hostile_server.url("teacher", assignment=f"{COURSE}/devoir-1"),
        figure=False,
        server=hostile_server,
    )
    tab.wait_for_selector(".parcours-section-reflections li", timeout=120_000)
    named = tab.inner_text(".parcours-section-reflections")
    assert PAYLOAD in named  # shown as the learner wrote it, as text
    _assert_inert(tab)


def test_followups_show_tutor_text_as_text(hostile_server: Any, tab: Any) -> None:
    open_dashboard(tab, hostile_server.url("coordinator"), figure=False, server=hostile_server)
    tab.wait_for_selector("#table-followups", timeout=120_000)
    (row,) = table_rows(tab, "table-followups")
    assert row[4] == PAYLOAD and row[5] == PAYLOAD  # by, outcome: as text
    _assert_inert(tab)


def test_payload_would_run_if_inserted_as_html(tab: Any, tmp_path: Path) -> None:
    """The check above can fail: the same payload put into a page as HTML runs."""
    page = tmp_path / "raw.html"
    page.write_text(f"<main>{PAYLOAD}</main>", encoding="utf-8")
    tab.goto(page.as_uri(), wait_until="load")
    assert tab.evaluate("window.__pwned") is not None
    assert tab.evaluate(DANGEROUS) != []
