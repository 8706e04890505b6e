"""A teacher answers an appeal of a peer grade from her dashboard (#27), in a real Voila
server and chromium: a class of 40 (the demo course, its real nbgrader gradebook) whose
devoir-1 is reviewed by peers, every review done, one learner's appeal waiting. She
reads it as text in the appeals table, answers it from the page's actions with a new
grade typed with a decimal comma (a word first: refused, said in French, nothing
recorded), confirms; the table, drawn again, says it is answered, her answer as text;
the appeal's record says who answered; the grade is in nbgrader's gradebook. The page
passes axe-core with the form shown."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..axe import axe_violations
from ..sessionenv import environ, session_env
from .browser import open_dashboard, screenshot, table_rows, wait_live
from .conftest import COURSE, LEARNERS, REPO, TEACHER, serve_dashboards
from .test_peer_dashboard import APPEAL, PEER, REVIEWED_AT, _logins

pytestmark = pytest.mark.browser

#: the rubric of devoir-1: one task, its peer grade sent to the written answer graded by
#: hand (the sample gradebook's cell q5-redaction)
RUBRIC = """
[[tasks]]
id = "diagnostic"
title = "Le diagnostic"
grade_id = "q5-redaction"
[[tasks.criteria]]
id = "juste"
title = "Le diagnostic est juste"
levels = [{ points = 0, description = "Non" }, { points = 1, description = "Oui" }]
"""
#: the teacher's answer: shown as text to whoever reads it
ANSWER = "<img src=x onerror=alert(3)>Relu : votre diagnostic vaut mieux."


@pytest.fixture(scope="module")
def appeal_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The class in its own folders (its courses folder a copy of the demo course with
    devoir-1 peer-reviewed), the reviews written before their due date, one appeal; a
    Voila server over it."""
    from parcours.config import load_config
    from parcours.course import load_course
    from parcours.dashboards.data import load_dashboard_data
    from parcours.dashboards.names import name_of_login
    from parcours.dashboards.sample import write_sample_class
    from parcours.peer.allocate import allocate
    from parcours.peer.appeals import appeal, rate_review
    from parcours.peer.records import add_allocations, read_allocation, record_review

    base = tmp_path_factory.mktemp("appeals")
    env = session_env(base)
    folder = base / "courses" / COURSE
    shutil.copytree(REPO / "courses" / COURSE, folder)
    manifest = folder / "course.toml"
    text = manifest.read_text(encoding="utf-8")
    cut = text.index('[[assignments]]\nid = "devoir-2"')
    manifest.write_text(text[:cut] + PEER + "\n" + text[cut:], encoding="utf-8")
    (folder / "peer").mkdir()
    (folder / "peer" / "devoir-1.toml").write_text(RUBRIC, encoding="utf-8")
    user_config = base / "config" / "jupyter_config.py"
    courses = f"c.ParcoursConfig.courses_dir = {str(base / 'courses')!r}\n"
    with environ(env):
        user_config.write_text(courses, encoding="utf-8")
        config = load_config(REPO)
        course = load_course(folder)
        sample = write_sample_class(config, course, LEARNERS, seed=7, weeks=5)
        user_config.write_text(
            courses + f"c.ParcoursConfig.dashboard_now = {sample.now.isoformat()!r}\n"
            f"c.ParcoursConfig.dashboard_teachers = [{TEACHER!r}]\n"
            f"c.ParcoursConfig.learner = {TEACHER!r}\n",
            encoding="utf-8",
        )
        config = load_config(REPO)
        data = load_dashboard_data(config)
        assignment = course.assignment("devoir-1")
        authors = _logins(data, "devoir-1")
        add_allocations(config, course, "devoir-1", allocate(authors, authors, 3, seed="t"))
        for entry in read_allocation(config, course, "devoir-1").values():
            for m, reviewer in enumerate(sorted(entry["reviewers"])):
                scores = {"diagnostic.juste": int(m > 0)}
                record_review(
                    config, course, assignment, reviewer, entry["label"], scores, now=REVIEWED_AT
                )
        appellant = authors[0]
        rate_review(config, course, assignment, appellant, 1, 2)
        appeal(config, course, assignment, appellant, APPEAL)
        world = {
            "config": config,
            "manifest": manifest,
            "course": course,
            "appellant": appellant,
            "name": name_of_login(data, appellant),
        }
    with serve_dashboards(base, tmp_path_factory) as server:
        yield {**world, "server": server}


def test_the_teacher_answers_an_appeal_from_her_page(
    appeal_world: dict[str, Any], page: Any, output_dir: Path
) -> None:
    from parcours.peer.appeals import APPEALS, SETTLED
    from parcours.peer.checked import read_entries
    from parcours.peer.flow import find_grade_cells
    from parcours.peer.records import peer_folder
    from parcours.pipeline.gradebook import open_gradebook
    from playwright.sync_api import expect

    server, config, course = appeal_world["server"], appeal_world["config"], appeal_world["course"]
    appellant, name = appeal_world["appellant"], appeal_world["name"]
    record = peer_folder(config, course, "devoir-1") / APPEALS
    open_dashboard(
        page, server.url("teacher", assignment=f"{COURSE}/devoir-1"), server=server, figure=False
    )
    wait_live(page)  # the page's widgets answer
    # her appeal, waiting, its text as text (no tag of hers in the page)
    (row,) = table_rows(page, "table-peer-appeals")
    assert row[0] == name and "en attente de votre réponse" in row and APPEAL in row
    assert page.locator("#table-peer-appeals b").count() == 0
    found = axe_violations(page)
    assert found == [], found  # the answer's form included

    # a word where a grade goes: refused, said in French; nothing recorded
    page.select_option(".parcours-appeal-learner select", label=name)
    page.fill(".parcours-appeal-answer textarea", ANSWER)
    page.fill(".parcours-appeal-grade input", "deux")
    page.get_by_role("button", name="Répondre à la contestation…").click()
    page.get_by_role("button", name="Confirmer").click()
    message = page.locator(".parcours-action-message")
    expect(message.locator("[role=alert]")).to_contain_text(
        "la nouvelle note « deux » n'est pas un nombre", timeout=60_000
    )
    assert read_entries(record)[appellant][-1]["state"] == "open"

    # a grade with a decimal comma: asked, confirmed, recorded
    page.fill(".parcours-appeal-grade input", "0,5")
    page.get_by_role("button", name="Répondre à la contestation…").click()
    expect(message.locator("[role=alert]")).to_contain_text(f"Répondre à la contestation de {name}")
    assert "Sa note devient 0,5 points." in message.inner_text()
    page.get_by_role("button", name="Confirmer").click()
    expect(message.locator("[role=status]")).to_contain_text(
        f"Contestation de {name}", timeout=60_000
    )
    assert "Sa note est maintenant de 0,5 points." in message.inner_text()
    # the page drawn again: answered, her answer as text; no appeal left to answer
    answered = page.locator("#table-peer-appeals")
    expect(answered).to_contain_text("répondue", timeout=60_000)
    assert ANSWER in answered.inner_text() and answered.locator("img").count() == 0
    expect(page.locator(".parcours-appeal-learner")).to_have_count(0)
    screenshot(page, output_dir / "teacher-appeal-answered.png")

    # the records: settled, answered by the teacher running the page; the gradebook's cell
    settled = read_entries(record)[appellant][-1]
    assert settled["state"] == SETTLED and settled["answer"] == ANSWER
    assert settled["score"] == 0.5 and settled["task"] == "diagnostic"
    assert settled["answered_by"]
    with open_gradebook(config, course) as gb:
        cell, _comment = find_grade_cells(gb, "devoir-1", appellant, "q5-redaction")
        assert cell.manual_score == 0.5 and not cell.needs_manual_grade


def test_a_changed_manifest_is_seen_on_the_next_visit(appeal_world: dict[str, Any]) -> None:
    """A dashboard kernel waiting in the pool reloads its data on the next visit when a
    course's manifest changed after it loaded them (not only after 10 minutes)."""
    import os
    import time

    from parcours.dashboards.data import load_dashboard_data
    from parcours.dashboards.pages import State

    config = appeal_world["config"]
    state = State(config, load_dashboard_data(config), time.monotonic())
    loaded = state.data
    state.refresh_if_older(600)
    assert state.data is loaded  # nothing changed: the same data, no reload
    later = time.time() + 2  # the teacher saves her course.toml a moment later
    os.utime(appeal_world["manifest"], (later, later))
    state.refresh_if_older(600)
    assert state.data is not loaded
    assert state.data.courses[COURSE].assignment("devoir-1").peer_review is not None
