"""The manifest's peer_review table and the rubric: what a teacher writes is read, and a
mistake is named (file, key) in the course's language."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from parcours.course import load_course
from parcours.errors import BadInputError, CourseError
from parcours.peer.records import check_scores, load_rubric

from ..pipeline.conftest import FIXTURE, copy_course

INLINE = """
[assignments.peer_review]
reviewers = 2
due = 2026-10-05T23:59:00
[[assignments.peer_review.rubric.tasks]]
id = "code"
title = "Le code"
[[assignments.peer_review.rubric.tasks.criteria]]
id = "lisible"
title = "Lisible"
levels = [{ points = 0, description = "Non" }, { points = {top}, description = "Oui" }]
"""


def _course(tmp_path: Path, peer: str) -> Path:
    now = dt.datetime.now(dt.UTC)
    folder = copy_course(FIXTURE, tmp_path / "c", {"devoir-a": (now, now + dt.timedelta(days=1))})
    manifest = folder / "course.toml"
    text = manifest.read_text(encoding="utf-8")
    cut = text.index('[[assignments]]\nid = "devoir-b"')
    manifest.write_text(text[:cut] + peer + "\n" + text[cut:], encoding="utf-8")
    return folder


def test_an_inline_rubric(tmp_path: Path) -> None:
    course = load_course(_course(tmp_path, INLINE.replace("{top}", "2")))
    assignment = course.assignment("devoir-a")
    assert assignment.peer_review is not None and assignment.peer_review.reviewers == 2
    rubric = load_rubric(course, assignment)
    assert rubric.keys == ["code.lisible"] and rubric.max_points == 2
    assert check_scores(rubric, {"code.lisible": 2}) == {"code.lisible": 2.0}
    for wrong in ({"code.lisible": 1}, {"code.lisible": True}, {}, {"code.x": 0}):
        with pytest.raises(BadInputError):
            check_scores(rubric, wrong)
    assert course.assignment("devoir-b").peer_review is None


def test_mistakes_are_named(tmp_path: Path) -> None:
    with pytest.raises(CourseError) as caught:
        load_course(_course(tmp_path / "a", INLINE.replace("{top}", "0")))
    assert "lisible" in str(caught.value) and "points" in str(caught.value)
    typo = INLINE.replace("{top}", "2").replace("reviewers = 2", "reviwers = 2")
    with pytest.raises(CourseError) as caught:
        load_course(_course(tmp_path / "b", typo))
    assert "reviwers" in str(caught.value)


def test_a_rubric_file_that_is_wrong(tmp_path: Path) -> None:
    peer = '[assignments.peer_review]\ndue = 2026-10-05T23:59:00\nrubric = "peer/r.toml"\n'
    folder = _course(tmp_path, peer)
    course = load_course(folder)
    with pytest.raises(CourseError) as caught:
        load_rubric(course, course.assignment("devoir-a"))
    assert "r.toml" in str(caught.value)
    (folder / "peer").mkdir()
    (folder / "peer" / "r.toml").write_text("[[tasks]]\nid = 'x'\n", encoding="utf-8")
    with pytest.raises(CourseError) as caught:
        load_rubric(course, course.assignment("devoir-a"))
    assert "r.toml" in str(caught.value) and "tasks" in str(caught.value)
