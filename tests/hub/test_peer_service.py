"""Peer review through the real hub and the Parcours service: identity from the token
only; every refusal through HTTP (reviewing one's own or an unallocated submission,
another course's learner, a score off the rubric); no author's or reviewer's login or
name in anything a learner receives."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from .conftest import COURSE_A, HubSite
from .test_service import _call, _token

ASSIGNMENT = "devoir-1"
AUTHORS = ("pt-alice", "pt-bob", "pt-dora")
RUBRIC = """
[[tasks]]
id = "diagnostic"
title = "Diagnostic"
grade_id = "q5-diagnostic"
[[tasks.criteria]]
id = "clair"
title = "Clair"
levels = [{ points = 0, description = "Non" }, { points = 2, description = "Oui" }]
"""


def _own_like(path: Path, model: Path) -> None:
    """``path`` and what it holds, owned and readable as ``model`` (the course's data
    folder: the service's account reads it)."""
    info = model.stat()
    for item in [path, *path.rglob("*")]:
        os.chown(item, info.st_uid, info.st_gid)
        item.chmod(0o770 if item.is_dir() else 0o660)


@pytest.fixture(scope="module")
def peer_site(hub_site: HubSite) -> Iterator[dict[str, Any]]:
    """devoir-1 of COURSE_A with peer review; three submissions (each author's name in
    it), each allocated to the two other authors; a token per person."""
    from parcours.course import load_course
    from parcours.peer.records import add_allocations, peer_folder

    folder = hub_site.project / "courses" / COURSE_A
    manifest = folder / "course.toml"
    before = manifest.read_text(encoding="utf-8")
    due = (dt.datetime.now(dt.UTC) + dt.timedelta(days=7)).isoformat()
    peer = f'[assignments.peer_review]\nreviewers = 2\ndue = {due}\nrubric = "peer/r.toml"\n'
    cut = before.index('[[assignments]]\nid = "devoir-2"')
    (folder / "peer").mkdir(exist_ok=True)
    (folder / "peer" / "r.toml").write_text(RUBRIC, encoding="utf-8")
    manifest.write_text(before[:cut] + peer + "\n" + before[cut:], encoding="utf-8")
    course = load_course(folder)
    root = hub_site.config.course_root(COURSE_A)
    # folders made here are owned as the course's data folder is (the service writes in
    # them afterwards: a "submitted" folder left to root would refuse its next hand-in)
    owned = [root / "submitted"] if not (root / "submitted").exists() else []
    made: list[Path] = []
    for login in AUTHORS:
        where = root / "submitted" / login / ASSIGNMENT
        where.mkdir(parents=True, exist_ok=True)
        made.append(root / "submitted" / login)
        nb = nbformat.v4.new_notebook()
        nb.cells = [
            nbformat.v4.new_markdown_cell(f"Diagnostic : données manquantes. Par {login}."),
            nbformat.v4.new_code_cell(
                "open('x')",
                outputs=[
                    nbformat.v4.new_output(
                        "error",
                        ename="FileNotFoundError",
                        evalue="x",
                        traceback=[f'File "/home/{login}/devoir-1/a.py", line 1'],
                    )
                ],
            ),
        ]
        nbformat.write(nb, where / "frequentation-mediatheque.ipynb")
    pairs = [(a, r) for a in AUTHORS for r in AUTHORS if a != r]
    add_allocations(hub_site.config, course, ASSIGNMENT, pairs)
    for path in [*owned, *made, peer_folder(hub_site.config, course, ASSIGNMENT)]:
        _own_like(path, root)
    names = ("pt-alice", "pt-bob", "pt-carol", "pt-dora")
    try:
        yield {"tokens": {n: _token(hub_site, n) for n in names}, "course": course}
    finally:
        manifest.write_text(before, encoding="utf-8")
        shutil.rmtree(folder / "peer", ignore_errors=True)
        shutil.rmtree(root / "peer", ignore_errors=True)
        for path in made:
            shutil.rmtree(path, ignore_errors=True)


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_reviewing_through_the_service(hub_site: HubSite, peer_site: dict[str, Any]) -> None:
    from parcours.peer.records import read_allocation

    tokens = peer_site["tokens"]
    base = f"api/courses/{COURSE_A}/assignments/{ASSIGNMENT}/peer"
    allocation = read_allocation(hub_site.config, peer_site["course"], ASSIGNMENT)
    label_of = {a: e["label"] for a, e in allocation.items()}
    everyone = re.compile(r"pt-(alice|bob|carol|dora)", re.I)

    queue = _ok(_call(hub_site, tokens["pt-alice"], "GET", base))
    labels = sorted(row["label"] for row in queue["submissions"])
    assert labels == sorted([label_of["pt-bob"], label_of["pt-dora"]])
    assert not everyone.search(str(queue))

    # the page of a submission allocated to her: the work, none of its author
    page = _ok(_call(hub_site, tokens["pt-alice"], "GET", f"{base}/{label_of['pt-bob']}"))
    assert "Diagnostic : données manquantes" in page["html"]
    assert not everyone.search(page["html"]) and "/home/learner/" in page["html"]
    assert "default-src 'none'" in page["html"] and "<script" not in page["html"]

    # refused: her own submission, to read or to review; a made-up label; a bad score
    for method, kwargs in (("GET", {}), ("POST", {"json": {"scores": {"diagnostic.clair": 2}}})):
        own = _call(
            hub_site, tokens["pt-alice"], method, f"{base}/{label_of['pt-alice']}", **kwargs
        )
        assert own.status_code == 400, own.text
        assert not everyone.search(own.text)
    assert _call(hub_site, tokens["pt-alice"], "GET", f"{base}/copie-00000000").status_code == 400
    bad = _call(
        hub_site,
        tokens["pt-alice"],
        "POST",
        f"{base}/{label_of['pt-bob']}",
        json={"scores": {"diagnostic.clair": 1}},
    )
    assert bad.status_code == 400 and "diagnostic.clair" in bad.text
    # another course's learner: no such course for her; no token: refused
    assert _call(hub_site, tokens["pt-carol"], "GET", base).status_code in (403, 404)
    assert _call(hub_site, None, "GET", base).status_code == 403

    # her reviews land under her name, whatever the body says
    for author in ("pt-bob", "pt-dora"):
        sent = _ok(
            _call(
                hub_site,
                tokens["pt-alice"],
                "POST",
                f"{base}/{label_of[author]}",
                json={
                    "scores": {"diagnostic.clair": 2},
                    "comments": {"diagnostic": "Net."},
                    "reviewer": "pt-carol",
                },
            ),
            201,
        )
        assert sent["scores"] == {"diagnostic.clair": 2.0}
    queue = _ok(_call(hub_site, tokens["pt-alice"], "GET", base))
    assert all(row["done"] for row in queue["submissions"])
    # bob reads the reviews of his work: alice's, anonymous
    received = _ok(_call(hub_site, tokens["pt-bob"], "GET", f"{base}/received"))["reviews"]
    assert [r["comments"] for r in received] == [{"diagnostic": "Net."}]
    assert not everyone.search(str(received))
