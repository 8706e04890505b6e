"""``POST /parcours/api/grade`` on a real jupyter_server (pytest-jupyter), grading a real
notebook of the demo course in the real sandbox: good work gets full marks, a hostile
notebook gets a reason, a learner's server refuses, bad requests get clear 4xx JSON, and
the server keeps answering while a notebook is being graded."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from parcours.i18n import language
from tornado.httpclient import HTTPClientError

pytest_plugins = ["pytest_jupyter.jupyter_server"]

REPO = Path(__file__).resolve().parents[2]
COURSE, ASSIGNMENT, NOTEBOOK = "analyse-de-donnees", "devoir-1", "frequentation-mediatheque"
SOURCE = REPO / "courses" / COURSE / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
#: the course's teacher (its course.toml's teachers): the one who may grade here
TEACHER = "prof-demo"
_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[^\n]*\n?", re.M)


@pytest.fixture
def jp_server_config(tmp_path: Path) -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"parcours_lab": True}},
        "ParcoursConfig": {
            "data_dir": str(tmp_path / "parcours-data"),
            "courses_dir": str(REPO / "courses"),
            "cell_timeout": 2.0,
            "notebook_timeout": 60.0,
            "grading_workers": 2,
        },
    }


def learner_notebook(answers: dict[str, str] | None = None) -> dict[str, Any]:
    """The source notebook with the teacher's answers in place of the solution blocks (a
    perfect submission), or with ``answers`` (grade id -> code) where given."""
    nb = json.loads(SOURCE.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = (answers or {}).get(meta["grade_id"], _MARKER.sub("", text))
    return nb


async def post(jp_fetch: Any, body: Any) -> dict[str, Any]:
    response = await jp_fetch(
        "parcours",
        "api",
        "grade",
        method="POST",
        body=body if isinstance(body, str) else json.dumps(body),
    )
    return json.loads(response.body)


async def refused(jp_fetch: Any, body: Any) -> tuple[int, str]:
    with pytest.raises(HTTPClientError) as error:
        await post(jp_fetch, body)
    return error.value.code, json.loads(error.value.response.body)["message"]


async def test_teacher_grades_a_perfect_notebook_without_recording_it(
    jp_fetch: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", TEACHER)
    before = SOURCE.read_bytes()
    result = await post(
        jp_fetch, {"course": COURSE, "assignment": ASSIGNMENT, "submission": learner_notebook()}
    )
    assert result["status"] == "ok", result["problems"]
    assert (result["course"], result["assignment"], result["notebook"]) == (
        COURSE,
        ASSIGNMENT,
        NOTEBOOK,
    )
    cells = {c["name"]: c for c in result["cells"]}
    auto = [c for c in cells.values() if not c["needs_manual_grade"]]
    assert {c["name"] for c in auto} == {"q1-tests", "q2-tests", "q3-tests", "q4-tests"}
    assert all(c["auto_score"] == c["max_score"] > 0 for c in auto)
    assert cells["q5-diagnostic"]["auto_score"] is None  # written answer: the teacher grades it
    assert result["score"] == sum(c["max_score"] for c in auto)
    assert result["max_score"] == sum(c["max_score"] for c in cells.values())
    assert result["sandbox"]["network"] == "cut" and "notebook_json" not in result
    # nothing recorded: no gradebook, no data folder; the course source untouched
    assert not (tmp_path / "parcours-data").exists()
    assert SOURCE.read_bytes() == before


async def test_hostile_notebook_gets_a_reason_and_the_server_keeps_answering(
    jp_fetch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", TEACHER)
    hostile = learner_notebook({"q1-lire": "while True:\n    pass\n"})
    grading = asyncio.ensure_future(
        post(
            jp_fetch,
            {
                "course": COURSE,
                "assignment": ASSIGNMENT,
                "notebook": f"{NOTEBOOK}.ipynb",
                "submission": json.dumps(hostile),
                "with_notebook": True,
            },
        )
    )
    # the loop is free while the notebook runs (at least the 2 s cell limit)
    started = time.monotonic()
    status = await jp_fetch("api", "status")
    assert status.code == 200 and time.monotonic() - started < 1.5
    assert not grading.done()
    result = await grading
    assert result["status"] == "problems"
    timeouts = [p for p in result["problems"] if p["code"] == "cell-timeout"]
    assert len(timeouts) == 1 and timeouts[0]["cell"] == "q1-lire"
    assert "timed out after 2 s" in timeouts[0]["message"]
    cells = {c["name"]: c for c in result["cells"]}
    assert cells["q1-tests"]["auto_score"] == 0 and cells["q1-tests"]["failed"]
    assert cells["q2-tests"]["auto_score"] == 0  # built on q1's frame
    graded = {
        c["metadata"].get("nbgrader", {}).get("grade_id"): c
        for c in result["notebook_json"]["cells"]
    }
    assert any(o.get("ename") == "KeyboardInterrupt" for o in graded["q1-lire"]["outputs"])


@pytest.fixture
def english() -> Iterator[None]:
    """The server's answers in English (the configured language is French)."""
    with language("en"):
        yield


async def test_learners_server_refuses_to_grade(
    jp_fetch: Any, monkeypatch: pytest.MonkeyPatch, english: None
) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")
    code, message = await refused(
        jp_fetch, {"course": COURSE, "assignment": ASSIGNMENT, "submission": learner_notebook()}
    )
    assert code == 403
    assert "'alice'" in message and "course.toml" in message and COURSE in message
    with language("fr"):
        code, message = await refused(
            jp_fetch,
            {"course": COURSE, "assignment": ASSIGNMENT, "submission": learner_notebook()},
        )
    assert code == 403 and "« alice » n'en est pas" in message


async def test_bad_requests_say_what_and_what_to_send(
    jp_fetch: Any, monkeypatch: pytest.MonkeyPatch, english: None
) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", TEACHER)
    good = learner_notebook()
    code, message = await refused(
        jp_fetch, {"course": "inconnu", "assignment": ASSIGNMENT, "submission": good}
    )
    assert code == 404 and "Unknown course 'inconnu'" in message
    code, message = await refused(
        jp_fetch, {"course": COURSE, "assignment": "devoir-9", "submission": good}
    )
    assert code == 404 and "'devoir-9' is not an assignment" in message
    assert ASSIGNMENT in message  # the known ones are listed
    code, message = await refused(
        jp_fetch,
        {"course": COURSE, "assignment": ASSIGNMENT, "notebook": "autre", "submission": good},
    )
    assert code == 404 and NOTEBOOK in message
    for not_a_notebook, why in (
        ("bonjour", "not JSON"),
        ({"a": 1}, "no list of 'cells'"),
        ({"cells": [], "nbformat": 3}, "not a version 4"),
    ):
        code, message = await refused(
            jp_fetch, {"course": COURSE, "assignment": ASSIGNMENT, "submission": not_a_notebook}
        )
        assert code == 400 and why in message and ".ipynb" in message
    code, message = await refused(jp_fetch, {"course": COURSE, "assignment": ASSIGNMENT})
    assert code == 400 and "No 'submission'" in message
    code, message = await refused(jp_fetch, "{pas du json")
    assert code == 400 and "not JSON" in message
    code, message = await refused(
        jp_fetch, {"course": "../etc", "assignment": ASSIGNMENT, "submission": good}
    )
    assert code == 400 and "course id" in message
