"""The panel's endpoints on a real jupyter_server (pytest-jupyter), one-machine mode: the
learner is the server's user, texts come translated, refusals are the pipeline's words."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from .learner_day import COURSE, World

pytest_plugins = ["pytest_jupyter.jupyter_server", "tests.lab.panelserver"]


async def get(jp_fetch: Any, path: str, **params: str) -> dict[str, Any]:
    response = await jp_fetch("parcours", "api", path, params=params)
    return dict(json.loads(response.body))


async def post(jp_fetch: Any, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await jp_fetch("parcours", "api", path, method="POST", body=json.dumps(body))
    return dict(json.loads(response.body))


async def test_path_deadlines_review_workload_in_the_courses_language(
    world: World, jp_fetch: Any
) -> None:
    path = await get(jp_fetch, "path")
    assert path["learner"] == "alice" and path["lang"] == "fr"
    assert path["texts"]["title"] == "Mon parcours" and path["texts"]["submit"] == "Rendre"
    (course,) = path["courses"]
    assert course["summary"] == "0 leçon(s) faite(s) sur 1"
    assert [(x["id"], x["state"], x["notebook"]) for x in course["lessons"]] == [
        ("l01", "next", f"{COURSE}/lessons/01.ipynb")
    ]

    rows = {r["assignment"]: r for r in (await get(jp_fetch, "deadlines", course=COURSE))[
        "assignments"]}  # fmt: skip
    late = rows["devoir-a"]
    assert late["status_text"] == "en retard, non rendu"
    assert late["late_warning"].startswith("Votre échéance est passée : ce rendu a 5")
    assert "Pénalité de retard : 10 % des points par jour, au plus 50 %." in late["late_warning"]
    assert late["can_fetch"] and late["can_submit"] and not late["can_correction"]
    assert rows["devoir-b"]["status"] == "upcoming" and not rows["devoir-b"]["can_fetch"]

    review = await get(jp_fetch, "review", course=COURSE)
    assert review["summary"] == "Rien à réviser aujourd'hui." and review["items"] == []
    week = await get(jp_fetch, "workload", course=COURSE)
    assert len(week["days"]) == 7 and sum(d["today"] for d in week["days"]) == 1
    assert week["summary"].endswith("(limite : 600 min).")


async def test_only_the_servers_user_and_their_courses(world: World, jp_fetch: Any) -> None:
    with pytest.raises(HTTPClientError) as other:
        await get(jp_fetch, "path", learner="bob")
    assert other.value.code == 403
    with pytest.raises(HTTPClientError) as unknown:
        await get(jp_fetch, "deadlines", course="pas-un-cours")
    assert unknown.value.code == 404
    with pytest.raises(HTTPClientError) as refused:  # not released: the pipeline's words
        await post(jp_fetch, "fetch", {"course": COURSE, "assignment": "devoir-b"})
    assert refused.value.code == 400
    message = json.loads(refused.value.response.body)["message"]
    assert "devoir-b" in message and "pas encore publié" in message


async def test_fetch_then_hand_in_with_reflection_and_receipt(world: World, jp_fetch: Any) -> None:
    fetched = await post(jp_fetch, "fetch", {"course": COURSE, "assignment": "devoir-a"})
    assert fetched["open"] == [f"{COURSE}/devoir-a/devoir-a.ipynb"]
    assert (world.home / COURSE / "devoir-a" / "devoir-a.ipynb").is_file()
    with pytest.raises(HTTPClientError) as bad:
        await post(
            jp_fetch,
            "submit",
            {"course": COURSE, "assignment": "devoir-a", "reflection": {"minutes": 5}},
        )
    assert bad.value.code == 400  # no confidence: nothing recorded, nothing handed in
    assert world.events() == []
    receipt = await post(
        jp_fetch,
        "submit",
        {
            "course": COURSE,
            "assignment": "devoir-a",
            "reflection": {"minutes": 40, "difficulties": "Rien", "confidence": 4},
        },
    )
    assert receipt["message"].startswith("Rendu de « Devoir A » reçu le ")
    assert "(heure de Paris, UTC+1)" in receipt["message"]
    assert receipt["late_warning"].startswith("Votre échéance est passée")
    (reflected,) = world.events()
    assert (reflected.verb, reflected.object_type, reflected.object_id) == (
        "reflected",
        "assignment",
        "devoir-a",
    )
    assert reflected.extra_dict["confidence"] == 4 and reflected.extra_dict["minutes"] == 40
    rows = {r["assignment"]: r for r in (await get(jp_fetch, "deadlines", course=COURSE))[
        "assignments"]}  # fmt: skip
    assert rows["devoir-a"]["status"] == "late" and rows["devoir-a"]["can_feedback"]
    # not graded yet: said in the learner's words (not nbgrader's, which named its folders)
    none_yet = await post(jp_fetch, "feedback", {"course": COURSE, "assignment": "devoir-a"})
    assert none_yet == {"message": "Pas encore de retour sur ce devoir.", "open": []}
