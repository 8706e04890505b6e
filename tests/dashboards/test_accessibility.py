"""axe-core over each dashboard in chromium: no critical or serious violation, plotly
figures included (a figure is a ``figure`` with a name, its controls reachable, never
an ``img`` holding interactive parts: axe's ``nested-interactive``)."""

from __future__ import annotations

import json

import pytest

from ..axe import axe_violations
from .browser import open_dashboard, wait_live

pytestmark = pytest.mark.browser

COURSE = "analyse-de-donnees"


@pytest.mark.parametrize("dashboard", ["coordinator", "teacher", "learner"])
def test_no_serious_violation(voila_server, page, class_world, output_dir, dashboard) -> None:
    query = {
        "coordinator": {},
        "teacher": {"assignment": f"{COURSE}/devoir-1"},
        "learner": {"learner": class_world.student_ids[0]},
    }[dashboard]
    open_dashboard(page, voila_server.url(dashboard, **query), server=voila_server)
    wait_live(page)
    found = axe_violations(page)
    (output_dir / f"axe-{dashboard}.json").write_text(
        json.dumps(found, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    assert found == [], json.dumps(found, indent=1, ensure_ascii=False)
