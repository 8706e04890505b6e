"""Peer review of the demo's devoir for a class of 40, on the real hub, one learner in a
real chromium (issue #27's "Done when").

The class: the demo course's ``devoir-1`` with a peer review (k = 3, a rubric on the
question 5 diagnostic, one calibration example). The hub's test accounts of the course
(pt-alice, pt-bob, pt-dora) are three of the 40; the 37 others are roster learners
without a Unix account (the test hub has fixed accounts): their submissions are written
into the course's ``submitted`` folder and nbgrader's gradebook as a collect leaves them,
and their reviews are recorded by the function the service's route calls
(:func:`parcours.peer.records.record_review`). pt-bob and pt-dora review through the
Parcours service with their own tokens (the first request has the service allocate
the reviews, k = 3, no command run); pt-alice in chromium through her "Mon parcours"
panel: she calibrates on the example (told how far she was), reviews her three (an
anonymised page that runs nothing: no author's login, name or home folder), reads the
reviews of her own work. Then the teacher computes the grades into the gradebook
(``parcours peer … grades --to-gradebook``) and overrides pt-alice's
(``parcours peer … override``): her panel and pt-bob's service answer agree with the
gradebook. Screenshots in tests/_output/."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from .conftest import COURSE_A, HubSite
from .test_hub_browser import _log_in, _show_panel, browser  # noqa: F401
from .test_service import _call, _token

pytestmark = pytest.mark.browser

ASSIGNMENT = "devoir-1"
ACCOUNTS = ("pt-alice", "pt-bob", "pt-dora")
OTHERS = [f"eleve-{n:02d}" for n in range(1, 38)]
CLASS = [*ACCOUNTS, *OTHERS]
RUBRIC = """
[[tasks]]
id = "diagnostic"
title = "Diagnostic des données"
grade_id = "q5-diagnostic"
[[tasks.criteria]]
id = "constat"
title = "Les problèmes des données sont repérés"
levels = [
  { points = 0, description = "Aucun" },
  { points = 1, description = "Certains" },
  { points = 2, description = "Tous" },
]
[[tasks.criteria]]
id = "preuves"
title = "Le diagnostic s'appuie sur les sorties"
levels = [
  { points = 0, description = "Non" },
  { points = 1, description = "En partie" },
  { points = 2, description = "Oui" },
]
"""
KEYS = ("diagnostic.constat", "diagnostic.preuves")
#: a learner's comment, hostile: the author reads it as text, nothing runs
HOSTILE = "<img src=x onerror=\"document.title='pwned'\">Clair, mais les doublons ?"


def _names(login: str) -> tuple[str, str]:
    """(first, last) of a learner of the class: real-looking, accented."""
    first = ["Hélène", "Noé", "Inès", "Léon", "Zoé", "Jérôme", "Anaïs"]
    digest = int(hashlib.sha256(login.encode()).hexdigest(), 16)
    return first[digest % len(first)], f"Martin{login[-2:].title()}"


def _quality(login: str) -> int:
    """Her submission's true level per criterion (0, 1 or 2)."""
    return int(hashlib.sha256(f"q/{login}".encode()).hexdigest(), 16) % 3


def _submission(login: str) -> Any:
    first, last = _names(login)
    nb = nbformat.v4.new_notebook()
    nb.metadata["authors"] = [{"name": f"{first} {last}"}]
    diagnostic = nbformat.v4.new_markdown_cell(
        f"Diagnostic ({first} {last}, {login}) : {_quality(login)} problème(s) repéré(s), "
        "des valeurs manquantes le mercredi."
    )
    diagnostic.metadata["nbgrader"] = {"grade_id": "q5-diagnostic", "grade": True, "points": 2}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Devoir 1 — Explorer la fréquentation"),
        nbformat.v4.new_code_cell(
            "frequentation = pd.read_csv('export.csv')",
            outputs=[
                nbformat.v4.new_output(
                    "error",
                    ename="FileNotFoundError",
                    evalue=f"/home/{login}/{COURSE_A}/export.csv",
                    traceback=[f'File "/home/{login}/{COURSE_A}/{ASSIGNMENT}/a.py", line 1'],
                )
            ],
        ),
        diagnostic,
    ]
    return nb


def _own_like(path: Path, model: Path) -> None:
    info = model.stat()
    for item in [path, *path.rglob("*")]:
        os.chown(item, info.st_uid, info.st_gid)
        item.chmod(0o770 if item.is_dir() else 0o660)


@pytest.fixture(scope="module")
def class_of_40(hub_site: HubSite) -> Iterator[dict[str, Any]]:
    """devoir-1 with a peer review; 40 submissions collected (files, record, gradebook);
    everything put back as it was afterwards."""
    from parcours.course import load_course
    from parcours.pipeline.gradebook import (
        open_gradebook,
        record_submission,
        sync_assignment,
        sync_students,
    )
    from parcours.pipeline.records import SUBMISSIONS, update_record
    from parcours.pipeline.roster import Learner, load_roster, write_roster

    config = hub_site.config
    folder = hub_site.project / "courses" / COURSE_A
    manifest = folder / "course.toml"
    before = manifest.read_text(encoding="utf-8")
    due = (dt.datetime.now(dt.UTC) + dt.timedelta(days=7)).replace(microsecond=0)
    peer = (
        "[assignments.peer_review]\nreviewers = 3\n"
        f"due = {due.isoformat()}\n"
        'rubric = "peer/devoir-1.toml"\ncalibration = ["peer/exemple-1.ipynb"]\n'
    )
    cut = before.index('[[assignments]]\nid = "devoir-2"')
    (folder / "peer").mkdir(exist_ok=True)
    (folder / "peer" / "devoir-1.toml").write_text(RUBRIC, encoding="utf-8")
    example = nbformat.v4.new_notebook()
    example.cells = [
        nbformat.v4.new_markdown_cell(
            "Diagnostic : il manque des valeurs le mercredi ; les sorties de describe() "
            "le montrent (count 5 au lieu de 6)."
        )
    ]
    nbformat.write(example, folder / "peer" / "exemple-1.ipynb")
    (folder / "peer" / "exemple-1.ipynb.scores.toml").write_text(
        '"diagnostic.constat" = 1\n"diagnostic.preuves" = 2\n', encoding="utf-8"
    )
    manifest.write_text(before[:cut] + peer + "\n" + before[cut:], encoding="utf-8")
    course = load_course(folder)
    assignment = next(a for a in course.assignments if a.id == ASSIGNMENT)
    root = config.course_root(COURSE_A)
    roster_file = root / "roster.csv"
    roster_before = roster_file.read_bytes()
    known = load_roster(config, course).learners
    people = [
        known.get(login)
        or Learner(id=login, first_name=_names(login)[0], last_name=_names(login)[1])
        for login in CLASS
    ]
    write_roster(roster_file, people)
    submitted = root / "submitted"
    made: list[Path] = []
    for login in CLASS:
        where = submitted / login / ASSIGNMENT
        if not where.exists():
            made.append(submitted / login)
        where.mkdir(parents=True, exist_ok=True)
        nbformat.write(_submission(login), where / "frequentation-mediatheque.ipynb")
    received = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    with update_record(root / SUBMISSIONS) as data:
        seen = data["entries"].setdefault(ASSIGNMENT, {})
        added = [login for login in CLASS if login not in seen]
        for login in added:
            seen[login] = {
                "inbound": f"{login}+{ASSIGNMENT}+test",
                "received": received.isoformat(),
                "claimed": received.isoformat(),
                "first_seen": received.isoformat(),
            }
    with open_gradebook(config, course) as gb:
        sync_students(gb, load_roster(config, course))
        sync_assignment(gb, course, assignment)
        for login in CLASS:
            record_submission(gb, ASSIGNMENT, login, received, None)
    gradebook_url = config.gradebook_for(COURSE_A)
    gradebook = Path(gradebook_url.removeprefix("sqlite:///"))
    for path in [submitted, folder / "peer", root / SUBMISSIONS, gradebook]:
        if path.exists():
            _own_like(path, root)
    try:
        yield {"course": course, "assignment": assignment, "root": root}
    finally:
        manifest.write_text(before, encoding="utf-8")
        roster_file.write_bytes(roster_before)
        shutil.rmtree(folder / "peer", ignore_errors=True)
        shutil.rmtree(root / "peer", ignore_errors=True)
        for path in made:
            shutil.rmtree(path, ignore_errors=True)
        with update_record(root / SUBMISSIONS) as data:
            for login in added:
                data["entries"].get(ASSIGNMENT, {}).pop(login, None)
        with open_gradebook(config, course) as gb:
            for login in CLASS:
                gb.remove_submission(ASSIGNMENT, login)
            for login in OTHERS:
                gb.remove_student(login)
        _own_like(root / SUBMISSIONS, root)


def _levels(true_level: int, bias: int) -> dict[str, int]:
    level = max(0, min(2, true_level + bias))
    return dict.fromkeys(KEYS, level)


def test_a_class_of_40_reviews_each_other(
    browser: Any,  # noqa: F811
    hub_site: HubSite,
    class_of_40: dict[str, Any],
    output_dir: Path,
) -> None:
    from parcours.peer.records import peer_folder, read_allocation, record_review

    config, course, assignment = hub_site.config, class_of_40["course"], class_of_40["assignment"]
    root = class_of_40["root"]

    # the first learner to ask for her reviews has the service allocate them (no command,
    # every author's due date passed): k = 3, never oneself, 3 to review each
    assert read_allocation(config, course, ASSIGNMENT) == {}
    path = f"api/courses/{COURSE_A}/assignments/{ASSIGNMENT}/peer"
    queue = _call(hub_site, _token(hub_site, "pt-dora"), "GET", path)
    assert queue.status_code == 200, queue.text
    assert len(queue.json()["submissions"]) == 3, queue.text
    allocation = read_allocation(config, course, ASSIGNMENT)
    assert sorted(allocation) == sorted(CLASS)
    load = {login: 0 for login in CLASS}
    for author, entry in allocation.items():
        assert len(entry["reviewers"]) == 3 and author not in entry["reviewers"]
        for reviewer in entry["reviewers"]:
            load[reviewer] += 1
    assert set(load.values()) == {3}
    # the teacher's command finds nothing left to allocate, and changes nothing
    allocated = hub_site.run("peer", COURSE_A, ASSIGNMENT, "allocate")
    assert allocated.returncode == 0, allocated.stderr
    assert "0 évaluations attribuées ; 40 copies" in allocated.stdout, allocated.stdout
    assert read_allocation(config, course, ASSIGNMENT) == allocation
    _own_like(peer_folder(config, course, ASSIGNMENT), root)
    label_of = {author: entry["label"] for author, entry in allocation.items()}
    author_of = {label: author for author, label in label_of.items()}

    # scripted reviewers, all but pt-alice: the 37 without an account first (some lenient,
    # some strict), then pt-bob and pt-dora through the service with their own tokens
    for n, reviewer in enumerate(OTHERS):
        bias = (n % 3) - 1
        if n % 4 == 0:
            record_review(config, course, assignment, reviewer, "exemple-1", _levels(1, bias))
        for author, entry in allocation.items():
            if reviewer in entry["reviewers"]:
                record_review(
                    config,
                    course,
                    assignment,
                    reviewer,
                    entry["label"],
                    _levels(_quality(author), bias),
                    {"diagnostic": f"Relu par un camarade ({n})."},
                )
    _own_like(peer_folder(config, course, ASSIGNMENT), root)
    base = f"api/courses/{COURSE_A}/assignments/{ASSIGNMENT}/peer"
    for reviewer in ("pt-bob", "pt-dora"):
        token = _token(hub_site, reviewer)
        queue = _call(hub_site, token, "GET", base)
        assert queue.status_code == 200, queue.text
        for row in queue.json()["submissions"]:
            author = author_of[row["label"]]
            sent = _call(
                hub_site,
                token,
                "POST",
                f"{base}/{row['label']}",
                json={
                    "scores": _levels(_quality(author), 0),
                    "comments": {"diagnostic": HOSTILE},
                },
            )
            assert sent.status_code == 201, sent.text

    # pt-alice, in chromium: her panel's peer review
    everyone = re.compile(
        "|".join(
            re.escape(form)
            for login in CLASS
            for form in (login, *_names(login), f"/home/{login}")
            if len(form) > 3
        ),
        re.IGNORECASE,
    )
    page = _log_in(browser, hub_site, "pt-alice")
    page.wait_for_url("**/user/pt-alice/lab**", timeout=180_000)
    page.locator(".jp-LabShell").wait_for(timeout=120_000)
    panel = _show_panel(page)  # her panel, loaded again
    peer = panel.locator(".parcours-panel-peer")
    peer.wait_for(timeout=120_000)
    assert "Évaluation par les pairs" in peer.inner_text()

    def review(label: str, levels: dict[str, int], comment: str) -> Any:
        opened = page.locator(".parcours-peer-review")
        before = opened.count()
        peer.locator("li", has_text=label).get_by_role("button").click()
        widget = opened.nth(before)  # a tab of its own in the main area
        widget.wait_for(timeout=60_000)
        frame = widget.frame_locator("iframe.parcours-peer-page")
        shown = frame.locator("body").inner_text(timeout=60_000)
        groups = widget.locator(".parcours-peer-criterion")
        for index, key in enumerate(KEYS):
            groups.nth(index).locator("input[type=radio]").nth(levels[key]).check()
        if comment:
            widget.get_by_label("Commentaire (facultatif)").fill(comment)
        widget.get_by_role("button", name="Envoyer ma relecture").click()
        widget.locator(".parcours-peer-status", has_text="relecture est enregistrée").wait_for(
            timeout=60_000
        )
        return widget, shown

    # she calibrates on the example: told how far she was from the teacher (3/4)
    widget, shown = review("exemple-1", dict.fromkeys(KEYS, 2), "")
    assert "count 5 au lieu de 6" in shown
    told = widget.locator(".parcours-peer-told").inner_text()
    assert "exemple-1" in told and "4/4" in told and "3/4" in told, told
    assert "plus généreuse" in told or "plus généreux" in told, told
    page.screenshot(path=str(output_dir / "peer-calibration.png"))

    # she reviews her three: anonymous pages, nothing of their authors
    mine = [
        label
        for label, author in author_of.items()
        if "pt-alice" in allocation[author]["reviewers"]
    ]
    assert len(mine) == 3
    for label in mine:
        widget, shown = review(label, _levels(_quality(author_of[label]), 0), "Bien vu.")
        assert "des valeurs manquantes le mercredi" in shown, shown
        assert "/home/learner/" in shown and not everyone.search(shown), shown
        assert "pt-alice" not in widget.inner_text()
    page.screenshot(path=str(output_dir / "peer-review.png"))
    assert all(
        "pt-alice" in read_allocation(config, course, ASSIGNMENT)[author_of[label]]["reviewers"]
        for label in mine
    )

    # every review is done; the teacher computes the grades into the gradebook, then
    # overrides pt-alice's
    from parcours.peer.flow import review_status

    rows = review_status(config, course, assignment)
    assert sum(r.done for r in rows) == sum(r.allocated for r in rows) == 120
    graded = hub_site.run("peer", COURSE_A, ASSIGNMENT, "grades", "--to-gradebook")
    assert graded.returncode == 0, graded.stderr
    assert "40" in graded.stdout, graded.stdout
    overridden = hub_site.run(
        "peer",
        COURSE_A,
        ASSIGNMENT,
        "override",
        "--learner",
        "pt-alice",
        "--task",
        "diagnostic",
        "--score",
        "1.5",
        "--comment",
        "Diagnostic juste ; citez les sorties.",
    )
    assert overridden.returncode == 0, overridden.stderr
    again = hub_site.run("peer", COURSE_A, ASSIGNMENT, "grades", "--to-gradebook")
    assert again.returncode == 0 and "pt-alice" in again.stdout, again.stdout
    gradebook = _gradebook_q5(hub_site, course)

    # she reads the reviews of her own work and her grade: the gradebook's
    panel.get_by_role("button", name="Actualiser").first.click()
    received = peer.locator(".parcours-peer-received")
    received.locator(".parcours-peer-grade").wait_for(timeout=60_000)
    grade_text = received.locator(".parcours-peer-grade").inner_text()
    score, comment = gradebook["pt-alice"]
    assert score == 1.5 and comment == "Diagnostic juste ; citez les sorties."
    assert "1,5/2" in grade_text and comment in grade_text, grade_text
    reviews = received.locator(".parcours-peer-review-received")
    assert reviews.count() == 3
    text = received.inner_text()
    assert not re.search(r"pt-(bob|dora)|eleve-\d", text), text
    if any(r in ("pt-bob", "pt-dora") for r in allocation["pt-alice"]["reviewers"]):
        assert HOSTILE in text  # shown as the text it is
    assert page.title() != "pwned" and received.locator("img").count() == 0
    received.scroll_into_view_if_needed()
    page.screenshot(path=str(output_dir / "peer-received.png"))
    page.context.close()

    # pt-bob's grade through the service: the peer grade the gradebook holds
    bob = _call(hub_site, _token(hub_site, "pt-bob"), "GET", f"api/courses/{COURSE_A}/peer")
    assert bob.status_code == 200, bob.text
    (mine_bob,) = bob.json()["assignments"]
    (grade,) = mine_bob["grade"]
    assert (grade["score"], grade["comment"]) == gradebook["pt-bob"]
    assert grade["comment"] and grade["points"] == 2
    assert len(mine_bob["received"]) == 3


def _gradebook_q5(site: HubSite, course: Any) -> dict[str, tuple[float, str]]:
    """learner -> (manual score, comment) of q5-diagnostic in nbgrader's gradebook."""
    from parcours.peer.flow import find_grade_cells
    from parcours.pipeline.gradebook import open_gradebook

    found = {}
    with open_gradebook(site.config, course) as gb:
        for login in CLASS:
            cell, comment = find_grade_cells(gb, ASSIGNMENT, login, "q5-diagnostic")
            assert cell is not None and cell.manual_score is not None, login
            found[login] = (float(cell.manual_score), comment.manual_comment or "")
    return found
