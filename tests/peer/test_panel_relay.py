"""The panel's peer-review endpoints on a real jupyter_server (pytest-jupyter), one
machine: labels come translated, a course without peer review shows none, what goes into
a path is checked (a label or an assignment id of the wrong shape is a 400), another
course is a 404."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests.lab.learner_day import COURSE, World

pytest_plugins = ["pytest_jupyter.jupyter_server", "tests.lab.panelserver"]


async def test_the_peer_endpoints_of_the_panel(world: World, jp_fetch: Any) -> None:
    answer = await jp_fetch("parcours", "api", "peer", params={"course": COURSE})
    data = json.loads(answer.body)
    assert data["texts"]["heading"] == "Évaluation par les pairs"
    assert data["assignments"] == [] and data["teams"] == []
    for params in (
        {"course": COURSE, "assignment": "devoir-1", "label": "../../etc"},
        {"course": COURSE, "assignment": "../x", "label": "copie-1234"},
    ):
        with pytest.raises(HTTPClientError) as refused:
            await jp_fetch("parcours", "api", "peer", "page", params=params)
        assert refused.value.code == 400
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch(
            "parcours",
            "api",
            "peer",
            "review",
            method="POST",
            body=json.dumps({"course": COURSE, "assignment": "a", "label": "copie-1", "scores": 3}),
        )
    assert refused.value.code == 400
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("parcours", "api", "peer", params={"course": "pas-un-cours"})
    assert refused.value.code == 404
