"""The panel's "Une question ?" endpoints on a real jupyter_server (pytest-jupyter), one
machine: the learner is the server's user; the commitment and labels come translated;
suggestions while typing; a classmate's question shown without her name."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests.lab.learner_day import COURSE, World

pytest_plugins = ["pytest_jupyter.jupyter_server", "tests.lab.panelserver"]


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


async def test_a_classmate_answers_and_a_tutor_endorses_from_the_panel(
    world: World, jp_fetch: Any
) -> None:
    from parcours.config import load_config
    from parcours.course.load import find_course, load_course
    from parcours.tutoring import open_tutoring
    from parcours.tutoring.desk import Desk, Reader

    from tests.lab.learner_day import LEARNER

    config = load_config()
    course = load_course(find_course(config.courses_dir, COURSE))
    with open_tutoring(config.events_url) as store:
        asked = Desk(store, course).ask(Reader("bob"), {"title": "Pourquoi loc et iloc ?"})
    # she answers a classmate's question: anonymous to him, in her panel her own
    mine = await call(
        jp_fetch, "questions/answer", {"course": COURSE, "id": asked["id"], "body": "**loc**"}
    )
    assert (
        mine["author"] == "vous"
        and not mine["staff"]
        and "<strong>loc</strong>" in mine["body_html"]
    )
    with open_tutoring(config.events_url) as store:
        seen = Desk(store, course).show(Reader("bob"), asked["id"])
    assert [a["author"] for a in seen["answers"]] == ["un·e camarade"]
    assert LEARNER not in json.dumps(seen)
    # a learner endorses nothing; she answers no course she does not tutor
    with pytest.raises(HTTPClientError) as refused:
        await call(jp_fetch, "questions/endorse", {"course": COURSE, "answer": mine["id"]})
    assert refused.value.code == 400
    assert (await call(jp_fetch, "questions/staff"))["courses"] == []
    assert (await call(jp_fetch, "questions", course=COURSE))["staff"] is False
    # once the manifest names her a tutor: the course in her list of courses to answer,
    # every question with who asked, and she endorses
    manifest = world.course_folder / "course.toml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(
        re.sub(r"^(id = .*)$", rf'\1\ntutors = ["{LEARNER}"]', text, count=1, flags=re.M),
        encoding="utf-8",
    )
    staffed = await call(jp_fetch, "questions/staff")
    assert [c["id"] for c in staffed["courses"]] == [COURSE]
    overview = await call(jp_fetch, "questions", course=COURSE)
    assert overview["staff"] is True
    assert overview["texts"]["staff_heading"] == "Questions à traiter"
    assert {q["author"] for q in overview["questions"]} == {"bob"}
    endorsed = await call(jp_fetch, "questions/endorse", {"course": COURSE, "answer": mine["id"]})
    assert endorsed["state"] == "answered" and endorsed["answers"][0]["endorsed"]
