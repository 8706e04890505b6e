"""The panel's "Une question ?" endpoints on a real jupyter_server (pytest-jupyter), one
machine: the learner is the server's user; the commitment and labels come translated;
suggestions while typing; a classmate's question shown without her name."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests.lab.learner_day import COURSE, World, write_world

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    return write_world(tmp_path / "monde", monkeypatch)


@pytest.fixture
def jp_server_config(world: World) -> dict[str, Any]:
    return {"ServerApp": {"jpserver_extensions": {"parcours_lab": True}}}


@pytest.fixture
def jp_root_dir(world: World) -> Path:
    return world.home


async def call(jp_fetch: Any, path: str, body: dict[str, Any] | None = None, **params: str):
    if body is None:
        response = await jp_fetch("parcours", "api", *path.split("/"), params=params)
    else:
        response = await jp_fetch(
            "parcours", "api", *path.split("/"), method="POST", body=json.dumps(body)
        )
    return json.loads(response.body)


async def test_ask_from_the_panel_with_suggestions(world: World, jp_fetch: Any) -> None:
    from parcours.config import load_config
    from parcours.course.load import find_course, load_course
    from parcours.tutoring import open_tutoring
    from parcours.tutoring.desk import Desk, Reader

    config = load_config()
    course = load_course(find_course(config.courses_dir, COURSE))
    with open_tutoring(config.events_url) as store:
        Desk(store, course).ask(Reader("bob"), {"title": "Comment lire un fichier CSV ?"})
    overview = await call(jp_fetch, "questions", course=COURSE)
    assert overview["texts"]["heading"] == "Une question ?"
    assert re.fullmatch(  # the course's hours, its zone named (UTC+1 or +2 by season)
        r"Un tuteur ou un enseignant répond sous 24 heures ouvrées \(lundi, mardi, mercredi, "
        r"jeudi, vendredi, 09:00-18:00, heure de Paris, UTC\+[12]\)\.",
        overview["commitment"],
    ), overview["commitment"]
    assert overview["unread"] == 0
    assert [q["author"] for q in overview["questions"]] == ["un·e camarade"]
    found = await call(jp_fetch, "questions/suggest", course=COURSE, q="lire un csv")
    assert [s["title"] for s in found["suggestions"]] == ["Comment lire un fichier CSV ?"]
    asked = await call(
        jp_fetch,
        "questions/ask",
        {"course": COURSE, "title": "Et les séparateurs ;", "notebook": "l.ipynb", "cell": "c1"},
    )
    assert asked["author"] == "vous" and asked["cell"] == "c1"
    shown = await call(jp_fetch, "questions/show", course=COURSE, id=asked["id"])
    assert shown["answers"] == []
    with pytest.raises(HTTPClientError) as refused:
        await call(jp_fetch, "questions", course="pas-un-cours")
    assert refused.value.code == 404
