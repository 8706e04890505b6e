"""Peer review of a real assignment through nbgrader's exchange and gradebook: five
learners hand in (their names typed in their work), the teacher collects and autogrades;
after the due date the submissions are allocated, reviewed against the rubric, graded,
written to the gradebook; a teacher's override there survives the next run."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from parcours.cli import main
from parcours.config import ParcoursConfig, load_config
from parcours.course import Course, load_course
from parcours.errors import BadInputError
from parcours.peer import flow
from parcours.peer.anonymise import Author, review_page
from parcours.peer.records import peer_folder, read_allocation, read_reviews, record_review
from parcours.pipeline.autograde import autograde
from parcours.pipeline.collect import collect
from parcours.pipeline.exchange import assignment_folder, fetch, submit
from parcours.pipeline.gradebook import open_gradebook
from parcours.pipeline.release import release
from parcours.pipeline.roster import Learner, roster_path, write_roster

from ..pipeline.conftest import FIXTURE, copy_course

PEOPLE = {
    "alice": ("Alice", "Martin"),
    "bob": ("Bob", "Durand"),
    "chloe": ("Chloé", "Petit"),
    "david": ("David", "Leroy"),
    "emma": ("Emma", "Moreau"),
}
PEER = """
[assignments.peer_review]
reviewers = 3
due = {due}
rubric = "peer/devoir-a.toml"
calibration = ["peer/exemple-1.ipynb"]
"""
RUBRIC = """
[[tasks]]
id = "explication"
title = "L'explication"
grade_id = "explication"
[[tasks.criteria]]
id = "juste"
title = "L'explication est juste"
levels = [{ points = 0, description = "Non" }, { points = 1, description = "En partie" },
          { points = 2, description = "Oui" }]

[[tasks]]
id = "code"
title = "Le code"
comment = false
[[tasks.criteria]]
id = "lisible"
title = "Le code est lisible"
levels = [{ points = 0, description = "Non" }, { points = 1, description = "Oui" }]
"""


@pytest.fixture
def config(isolated_jupyter: Path, repo: Path) -> ParcoursConfig:
    return load_config(repo)


@pytest.fixture
def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture
def course(tmp_path: Path, config: ParcoursConfig, now: dt.datetime) -> Course:
    window = (now - dt.timedelta(days=1), now + dt.timedelta(days=1))
    folder = copy_course(FIXTURE, tmp_path / "courses" / "mini-cours", {"devoir-a": window})
    manifest = folder / "course.toml"
    text = manifest.read_text(encoding="utf-8")
    first_b = text.index('[[assignments]]\nid = "devoir-b"')
    peer = PEER.format(due=(now + dt.timedelta(days=8)).isoformat())
    manifest.write_text(text[:first_b] + peer + "\n" + text[first_b:], encoding="utf-8")
    (folder / "peer").mkdir()
    (folder / "peer" / "devoir-a.toml").write_text(RUBRIC, encoding="utf-8")
    example = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("La moyenne.")])
    nbformat.write(example, folder / "peer" / "exemple-1.ipynb")
    (folder / "peer" / "exemple-1.ipynb.scores.toml").write_text(
        '"explication.juste" = 1\n"code.lisible" = 1\n', encoding="utf-8"
    )
    loaded = load_course(folder)
    write_roster(
        roster_path(config, loaded),
        [Learner(login, first, last) for login, (first, last) in PEOPLE.items()],
    )
    return loaded


@pytest.fixture
def handed_in(config: ParcoursConfig, course: Course, tmp_path: Path) -> Course:
    release(config, course, "devoir-a")
    for login, (first, last) in PEOPLE.items():
        home = tmp_path / "homes" / login
        fetch(config, course, "devoir-a", learner=login, into=home, cache_dir=home / ".cache")
        path = assignment_folder(course, "devoir-a", home) / "devoir-a.ipynb"
        work = nbformat.read(path, as_version=4)
        for cell in work.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id == "moyenne":
                cell.source = "def moyenne(v):\n    return sum(v) / len(v)"
            elif grade_id == "explication":
                cell.source = f"La moyenne des valeurs. Signé {first} {last} ({login})."
        nbformat.write(work, path)
        submit(config, course, "devoir-a", learner=login, into=home, cache_dir=home / ".cache")
    collect(config, course, "devoir-a")
    autograde(config, course, "devoir-a", workers=2, progress=False)
    return course


def test_peer_review_of_a_real_assignment(
    config: ParcoursConfig, handed_in: Course, now: dt.datetime, capsys: pytest.CaptureFixture
) -> None:
    course, assignment = handed_in, handed_in.assignment("devoir-a")
    # before the due date: nobody is allocated, everyone waits
    early = flow.allocate_reviews(config, course, assignment, now=now)
    assert early.added == 0 and early.waiting == sorted(PEOPLE)
    assert flow.allocate_due(config, course, now=now) == {}  # what the service runs
    later = now + dt.timedelta(days=2)
    # two at once (two learners' panels): what is missing is added once
    with ThreadPoolExecutor(2) as pool:
        runs = list(
            pool.map(
                lambda _n: flow.allocate_reviews(config, course, assignment, now=later), (1, 2)
            )
        )
    assert sorted(r.added for r in runs) == [0, 15] and {r.submissions for r in runs} == {5}
    record = peer_folder(config, course, "devoir-a") / "allocation.json"
    written = record.stat().st_mtime_ns
    assert flow.allocate_reviews(config, course, assignment, now=later).added == 0
    assert flow.allocate_due(config, course, now=later)["devoir-a"].added == 0
    assert record.stat().st_mtime_ns == written  # nothing new: nothing written
    allocation = read_allocation(config, course, "devoir-a")
    for author, entry in allocation.items():
        assert len(entry["reviewers"]) == 3 and author not in entry["reviewers"]

    # what a reviewer reads of alice's submission: her work, not her
    submitted = (
        config.course_root(course.id) / "submitted" / "alice" / "devoir-a" / "devoir-a.ipynb"
    )
    nb = nbformat.read(submitted, as_version=4)
    page = review_page(nb, Author.of("alice", "Alice", "Martin"), allocation["alice"]["label"])
    assert "La moyenne des valeurs" in page
    assert not [w for w in ("alice", "Alice", "Martin") if w in page]

    # reviews: scores by level, a reviewer not allocated is refused, a bad level too
    label_of = {a: e["label"] for a, e in allocation.items()}
    stranger = next(a for a in PEOPLE if a not in allocation["alice"]["reviewers"] and a != "alice")
    with pytest.raises(BadInputError):
        record_review(
            config,
            course,
            assignment,
            stranger,
            label_of["alice"],
            {"explication.juste": 2, "code.lisible": 1},
        )
    alices = sorted(allocation["alice"]["reviewers"])[0]
    with pytest.raises(BadInputError):
        record_review(
            config,
            course,
            assignment,
            alices,
            label_of["alice"],
            {"explication.juste": 1.5, "code.lisible": 1},
        )
    # once the reviews' due date has passed, no review is recorded (said, with the date)
    due = course.aware(assignment.peer_review.due, assignment.timezone)
    with pytest.raises(BadInputError, match="ont été closes le") as closed:
        record_review(
            config,
            course,
            assignment,
            alices,
            label_of["alice"],
            {"explication.juste": 2, "code.lisible": 1},
            now=due + dt.timedelta(seconds=1),
        )
    assert "heure de Paris" in str(closed.value) or "Paris time" in str(closed.value)
    assert label_of["alice"] not in read_reviews(config, course, assignment.id)
    for author, entry in allocation.items():
        for reviewer in entry["reviewers"]:
            juste = 0 if (author, reviewer) == ("bob", sorted(entry["reviewers"])[0]) else 2
            record_review(
                config,
                course,
                assignment,
                reviewer,
                entry["label"],
                {"explication.juste": juste, "code.lisible": 1},
                {"explication": "Bien", "code": "ignored"},
            )
    record_review(
        config,
        course,
        assignment,
        "alice",
        "exemple-1",
        {"explication.juste": 2, "code.lisible": 1},
    )
    reviews = read_reviews(config, course, "devoir-a")
    assert reviews[label_of["alice"]][alices]["comments"] == {"explication": "Bien"}

    grades = flow.compute_grades(config, course, assignment)
    assert set(grades.total.submissions) == set(label_of.values())
    assert grades.total.reviewers["alice"].calibration_error == pytest.approx(1 / 3, abs=1e-3)
    assert grades.tasks["explication"].submissions[label_of["alice"]].estimate == pytest.approx(
        2, abs=0.3
    )
    harsh = sorted(allocation["bob"]["reviewers"])[0]
    assert grades.total.submissions[label_of["bob"]].flagged
    assert not grades.total.submissions[label_of["alice"]].flagged
    others = [r for name, r in grades.total.reviewers.items() if name != harsh]
    assert grades.total.reviewers[harsh].assessing < min(r.assessing for r in others)

    # to the gradebook; the teacher overrides bob's; a second run keeps her grade
    result = flow.write_to_gradebook(config, course, assignment, grades)
    assert result.written == 5 and result.kept == [] and result.missing == []
    with open_gradebook(config, course) as gb:
        cell = gb.find_grade("explication", "devoir-a", "devoir-a", "alice")
        assert cell.manual_score == pytest.approx(
            grades.tasks["explication"].submissions[label_of["alice"]].estimate, abs=0.01
        )
        comment = gb.find_comment("explication", "devoir-a", "devoir-a", "alice")
        assert "3" in comment.manual_comment and comment.manual_comment
        gb.find_grade("explication", "devoir-a", "devoir-a", "bob").manual_score = 0.5
        gb.db.commit()
    assert main(["peer", str(course.folder), "devoir-a", "grades", "--to-gradebook"]) == 0
    out = capsys.readouterr().out
    assert "bob" in out
    with open_gradebook(config, course) as gb:
        assert gb.find_grade("explication", "devoir-a", "devoir-a", "bob").manual_score == 0.5
    assert main(["peer", str(course.folder), "devoir-a", "status"]) == 0
    assert "15" in capsys.readouterr().out


def test_what_a_reviewer_and_an_author_see(
    config: ParcoursConfig, handed_in: Course, now: dt.datetime
) -> None:
    """Her queue, the page of a submission allocated to her (refused for one that is not,
    her own included), her calibration result, the reviews of her work: no login or name
    of anyone but herself anywhere."""
    import json

    from parcours.peer import reviewer as side

    course, assignment = handed_in, handed_in.assignment("devoir-a")
    flow.allocate_reviews(config, course, assignment, now=now + dt.timedelta(days=2))
    allocation = read_allocation(config, course, "devoir-a")
    mine = side.queue(config, course, assignment, "chloe")
    assert [row["label"] for row in mine["calibration"]] == ["exemple-1"]
    labels = [row["label"] for row in mine["submissions"]]
    assert len(labels) == 3 and allocation["chloe"]["label"] not in labels
    names = [w for login, (first, last) in PEOPLE.items() for w in (login, first, last)]
    for label in labels:
        page = side.page(config, course, assignment, "chloe", label)
        assert "La moyenne des valeurs" in page
        assert not [w for w in names if w in page], label
    others = [e["label"] for e in allocation.values() if e["label"] not in labels]
    for label in others:  # her own and the one not allocated to her
        with pytest.raises(BadInputError):
            side.page(config, course, assignment, "chloe", label)
    assert "La moyenne." in side.page(config, course, assignment, "chloe", "exemple-1")

    record_review(
        config,
        course,
        assignment,
        "chloe",
        "exemple-1",
        {"explication.juste": 2, "code.lisible": 0},
    )
    for entry in allocation.values():
        for reviewer in entry["reviewers"]:
            record_review(
                config,
                course,
                assignment,
                reviewer,
                entry["label"],
                {"explication.juste": 2, "code.lisible": 1},
                {"explication": "Clair."},
            )
    told = side.told(config, course, assignment, "chloe")
    assert told["calibration"] == [
        {"label": "exemple-1", "given": 2.0, "teacher": 2.0, "difference": 0.0}
    ]
    assert told["reviews"] == 4 and told["assessing"] is not None
    got = side.reviews_of(config, course, assignment, "chloe")
    assert [r["number"] for r in got] == [1, 2, 3]
    assert all(r["comments"] == {"explication": "Clair."} for r in got)
    assert not [w for w in names if w in json.dumps(got)]
