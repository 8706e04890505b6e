"""A whole assignment on the hub, through the Parcours service only: the teacher releases
(one assignment to everyone, one to a group), 30 learners fetch and submit with their own
tokens (all late but one, who has an extension), each submission is graded on submit and
its learner reads which tests passed; the teacher collects, autogrades, grades a
hand-graded answer in nbgrader's formgrader, releases feedback; learners read their
feedback, and the correction only once their own due date has passed."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import tarfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from .conftest import COURSE_E, E2E_GROUP, E2E_LEARNERS, HubSite
from .test_service import _call, _token

TEACHER = "pt-prof-a"
EXTENDED = E2E_LEARNERS[0]


def _tar(files: list[Path]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in files:
            tar.add(path, arcname=path.name, recursive=False)
    return buffer.getvalue()


def _hidden_lines(notebooks: list[Path]) -> list[str]:
    """The hidden tests' lines of the source notebooks (long enough to be telling)."""
    lines: list[str] = []
    for path in notebooks:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            inside = False
            for line in text.splitlines():
                if "BEGIN HIDDEN TESTS" in line:
                    inside = True
                elif "END HIDDEN TESTS" in line:
                    inside = False
                elif inside and len(line.strip()) > 12:
                    lines.append(line.strip())
    return lines


def _formgrader(site: HubSite, session: Any, method: str, path: str, **kwargs: Any) -> Any:
    base = f"{site.url}/services/formgrader-{COURSE_E}/formgrader/api/"
    xsrf = session.cookies.get("_xsrf", path=f"/services/formgrader-{COURSE_E}/") or ""
    answer = session.request(
        method, base + path, headers={"X-XSRFToken": xsrf}, timeout=120, **kwargs
    )
    assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    return answer.json()


@pytest.mark.timeout(1800)  # 30 learners graded twice (on submit, then by the teacher)
def test_a_whole_assignment_through_the_service(hub_site: HubSite) -> None:
    site = hub_site
    teacher = _token(site, TEACHER)
    tokens = {name: _token(site, name) for name in E2E_LEARNERS}
    with_group = [n for n in E2E_LEARNERS[:15]]

    # the teacher releases: devoir-1 to all, devoir-2 to one group; extends one learner
    for assignment, to in (("devoir-1", []), ("devoir-2", [E2E_GROUP])):
        done = _call(site, teacher, "POST", f"api/courses/{COURSE_E}/assignments/"
                     f"{assignment}/release", json={"to": to})  # fmt: skip
        assert done.status_code == 200, done.text
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%MZ")
    extended = site.run("extend", COURSE_E, "devoir-1", EXTENDED, "--until", until)
    assert extended.returncode == 0, extended.stderr

    # the group-only release: only the group sees it
    path2 = f"api/courses/{COURSE_E}/assignments/devoir-2"
    assert _call(site, tokens[with_group[0]], "GET", path2).status_code == 200
    refused = _call(site, tokens[E2E_LEARNERS[-1]], "GET", path2)
    assert refused.status_code == 400 and "devoir-2" in refused.json()["message"]

    # 30 learners fetch and submit: half answer everything, half hand in the blank copy
    source = sorted((site.project / "courses" / COURSE_E / "source" / "devoir-1").glob("*.ipynb"))
    answered = _tar(source)
    hidden = _hidden_lines(source)
    assert hidden
    path1 = f"api/courses/{COURSE_E}/assignments/devoir-1"

    def learner_day(index_name: tuple[int, str]) -> tuple[str, dict[str, Any], float]:
        index, name = index_name
        fetched = _call(site, tokens[name], "GET", path1)
        assert fetched.status_code == 200, fetched.text
        body = answered if index % 2 == 0 else fetched.content
        sent = _call(site, tokens[name], "POST", path1, data=body,
                     headers={"Content-Type": "application/gzip"})  # fmt: skip
        assert sent.status_code == 201, sent.text
        receipt = sent.json()
        assert receipt["graded_on_submit"] is True
        started = time.monotonic()
        while True:
            result = _call(site, tokens[name], "GET", path1 + "/result?wait=60").json()
            if result["status"] != "pending":
                return name, result, time.monotonic() - started
            assert time.monotonic() - started < 600, f"{name}: no result in 10 minutes"

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = {n: (r, s) for n, r, s in pool.map(learner_day, enumerate(E2E_LEARNERS))}
    top = {round(results[n][0]["max_score"], 2) for n in E2E_LEARNERS}
    assert len(top) == 1 and top.pop() > 0
    for index, name in enumerate(E2E_LEARNERS):
        result = results[name][0]
        cells = [c for nb in result["notebooks"] for c in nb["cells"]]
        assert cells and all(set(c) >= {"cell", "points", "passed"} for c in cells)
        text = json.dumps(result)
        assert not [line for line in hidden if line in text]  # no hidden test's code
        if index % 2 == 0:  # the answered copies pass every automatic test
            assert all(c["passed"] for c in cells if not c["to_grade_by_hand"]), (name, cells)
        else:
            assert result["score"] < results[E2E_LEARNERS[0]][0]["score"]
    # others cannot read a learner's result: each sees their own only
    theirs = _call(site, tokens[E2E_LEARNERS[1]], "GET", path1 + "/result").json()
    assert theirs["received"] == results[E2E_LEARNERS[1]][0]["received"]

    # the teacher collects and autogrades through the service
    collected = _call(site, teacher, "POST", path1 + "/collect", json={}, timeout=900).json()
    assert collected["collected"] == 30 and collected["late"] == 29, collected
    graded = _call(site, teacher, "POST", path1 + "/autograde", json={}, timeout=900).json()
    assert graded["graded"] == 30, graded

    # ... grades one hand-graded answer in nbgrader's formgrader (the hub's service)
    session = site.login(TEACHER)
    assert session.get(f"{site.url}/services/formgrader-{COURSE_E}/formgrader",
                       timeout=120).status_code == 200  # fmt: skip
    notebook = source[0].stem
    submitted = _formgrader(site, session, "GET", f"submitted_notebooks/devoir-1/{notebook}")
    mine = next(s for s in submitted if s["student"] == E2E_LEARNERS[0])
    grades = _formgrader(site, session, "GET", f"grades?submission_id={mine['id']}")
    manual = [g for g in grades if g["auto_score"] is None]
    assert manual, "devoir-1 has a hand-graded answer"
    put = _formgrader(site, session, "PUT", f"grade/{manual[0]['id']}",
                      data=json.dumps({"manual_score": manual[0]["max_score"]}))  # fmt: skip
    assert put["manual_score"] == manual[0]["max_score"]

    # ... and releases the feedback
    fed = _call(site, teacher, "POST", path1 + "/feedback-release", json={}, timeout=900).json()
    assert len(fed["released"]) == 30, fed

    # learners read their feedback; the correction once their own due date has passed
    late = E2E_LEARNERS[1]
    pages = _call(site, tokens[late], "GET", path1 + "/feedback").json()["pages"]
    assert pages
    assert not [line for line in hidden if any(line in page for page in pages.values())]
    correction = f"api/courses/{COURSE_E}/assignments/devoir-1-correction"
    assert _call(site, tokens[late], "GET", correction).status_code == 200
    early = _call(site, tokens[EXTENDED], "GET", correction)
    assert early.status_code == 400 and re.search(r"\b20\d\d\b", early.json()["message"])
    own = _call(site, tokens[EXTENDED], "GET", path1 + "/feedback").json()["pages"]
    assert own  # her feedback is hers to read, before her correction

    history = _call(site, teacher, "GET", f"api/courses/{COURSE_E}/history").json()
    said = {(h["who"], h["what"]) for h in history}
    assert {(n, "submitted") for n in E2E_LEARNERS} <= said
    assert {(TEACHER, a) for a in ("release", "collect", "autograde", "feedback-release")} <= said
