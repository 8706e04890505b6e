"""The coordinator dashboard of two courses in a real browser, on a real Voila server
(tests/twocourses.py: French and English courses, learners in both): both courses are
listed, the funnel names each activity with its course, each course has its heatmap."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.twocourses import ENGLISH, FRENCH

from .browser import open_dashboard, table_rows, wait_plotted

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def two_courses_server(two_courses_world, tmp_path_factory) -> Iterator[Any]:
    """A Voila server (``parcours dashboard``'s code path, no preheated kernel) over the
    two-course class."""
    from parcours.config import load_config
    from parcours.dashboards.server import DashboardServer

    from tests.sessionenv import environ
    from tests.twocourses import REPO

    env = two_courses_world.env()
    with environ(env):
        config = load_config(REPO)
        server = DashboardServer(
            config, pool_size=0, log_path=tmp_path_factory.mktemp("voila2") / "voila.log", env=env
        )
        server.start(timeout=120)
    yield server
    server.stop()


def test_coordinator_renders_both_courses(two_courses_server, two_courses, page) -> None:
    from parcours.dashboards import coordinator as vm
    from parcours.dashboards.data import load_dashboard_data

    _world, config = two_courses
    data = load_dashboard_data(config)
    open_dashboard(page, two_courses_server.url("coordinator", lang="en"))
    page.wait_for_selector("#table-courses")
    assert "There was an error" not in page.inner_text("body")
    assert page.inner_text("h1") == "Coordinator dashboard"
    rows = table_rows(page, "table-courses")
    assert [r[0] for r in rows] == [FRENCH, ENGLISH]
    labels, reached = vm.funnel_chart(data)
    drawn = wait_plotted(page, "funnel")
    assert drawn["data"][0]["x"] == labels and drawn["data"][0]["y"] == reached
    # both courses' activities, named by their titles ("<course>: <title>")
    assert any(x.startswith(f"{ENGLISH}: ") for x in labels)
    assert any(x.startswith(f"{FRENCH}: ") for x in labels)
    for course in (FRENCH, ENGLISH):
        x, y, _z = vm.heatmap(data, course)
        heat = wait_plotted(page, f"heatmap-{course}")
        assert heat["data"][0]["x"] == x and heat["data"][0]["y"] == y
    assert not page.errors
