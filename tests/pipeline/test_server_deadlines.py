"""The server extension's deadlines endpoint, on a real jupyter_server (pytest-jupyter)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from parcours.config import ParcoursConfig
from parcours.course import Course
from parcours.pipeline.extensions import extend
from parcours.pipeline.release import release
from tornado.httpclient import HTTPClientError

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture
def jp_server_config(config: ParcoursConfig, course: Course) -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"parcours_lab": True}},
        "ParcoursConfig": {
            "data_dir": config.data_dir,
            "courses_dir": str(course.folder.parent),
        },
    }


@pytest.fixture
def released(config: ParcoursConfig, course: Course) -> Course:
    release(config, course, "devoir-a")
    release(config, course, "devoir-b", to=["groupe-a"])
    extend(
        config,
        course,
        "devoir-a",
        "alice",
        course.due(course.assignment("devoir-a")).replace(
            year=course.due(course.assignment("devoir-a")).year + 1
        ),
    )
    return course


async def test_learner_gets_own_deadlines_and_only_them(
    released: Course, jp_fetch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")
    response = await jp_fetch("parcours", "api", "deadlines", params={"course": "mini-cours"})
    body = json.loads(response.body)
    assert body["learner"] == "alice" and body["course"] == "mini-cours"
    rows = {row["assignment"]: row for row in body["assignments"]}
    assert sorted(rows) == ["devoir-a", "devoir-b"]
    assert rows["devoir-a"]["extension"] is not None and rows["devoir-b"]["extension"] is None
    assert rows["devoir-a"]["status"] == "open"

    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch(
            "parcours", "api", "deadlines", params={"course": "mini-cours", "learner": "bob"}
        )
    assert refused.value.code == 403

    monkeypatch.setenv("JUPYTERHUB_USER", "bob")
    response = await jp_fetch("parcours", "api", "deadlines", params={"course": "mini-cours"})
    rows = {row["assignment"]: row for row in json.loads(response.body)["assignments"]}
    assert sorted(rows) == ["devoir-a"] and rows["devoir-a"]["extension"] is None


async def test_requests_need_authentication_and_a_known_course(
    released: Course, jp_fetch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")
    with pytest.raises(HTTPClientError) as anonymous:
        await jp_fetch(
            "parcours",
            "api",
            "deadlines",
            params={"course": "mini-cours"},
            headers={"Authorization": ""},
        )
    assert anonymous.value.code == 403
    with pytest.raises(HTTPClientError) as unknown:
        await jp_fetch("parcours", "api", "deadlines", params={"course": "inconnu"})
    assert unknown.value.code == 404
