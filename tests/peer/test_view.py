"""What the learner's panel shows of peer review (:mod:`parcours.peer.view`): the rubric,
her queue, what she is told in her course's language, the reviews of her work, her grade
as nbgrader's gradebook holds it after the teacher's override (``parcours peer …
override``), and none of anyone else's login or name."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from parcours.cli import main
from parcours.config import ParcoursConfig
from parcours.course import Course
from parcours.errors import BadInputError
from parcours.peer import flow, view
from parcours.peer.records import read_allocation, record_review

from .test_flow import PEOPLE, config, course, handed_in, now  # noqa: F401


def test_her_panel_view_and_the_teachers_override(
    config: ParcoursConfig,  # noqa: F811
    handed_in: Course,  # noqa: F811
    now: dt.datetime,  # noqa: F811
    capsys: pytest.CaptureFixture,
) -> None:
    assignment = handed_in.assignment("devoir-a")
    before = view.overview(config, handed_in, "chloe")["assignments"]
    assert [a["assignment"] for a in before] == ["devoir-a"]
    assert before[0]["submissions"] == [] and before[0]["grade"] == []
    assert [c["key"] for t in before[0]["rubric"] for c in t["criteria"]] == [
        "explication.juste",
        "code.lisible",
    ]
    flow.allocate_reviews(config, handed_in, assignment, now=now + dt.timedelta(days=2))
    record_review(
        config,
        handed_in,
        assignment,
        "chloe",
        "exemple-1",
        {"explication.juste": 2, "code.lisible": 1},
    )
    for entry in read_allocation(config, handed_in, "devoir-a").values():
        for reviewer in entry["reviewers"]:
            record_review(
                config,
                handed_in,
                assignment,
                reviewer,
                entry["label"],
                {"explication.juste": 2, "code.lisible": 1},
                {"explication": "<b>Clair</b>."},
            )
    grades = flow.compute_grades(config, handed_in, assignment)
    flow.write_to_gradebook(config, handed_in, assignment, grades)

    (mine,) = view.overview(config, handed_in, "chloe")["assignments"]
    assert len(mine["submissions"]) == 3 and all(row["done"] for row in mine["submissions"])
    # told in the course's language (French): one point more generous than the teacher
    assert mine["told_text"][0] == (
        "exemple-1 : vous avez donné 3/3, l'enseignant·e 2/3 : 1 point(s) plus "
        "généreux·se que l'enseignant·e."
    )
    assert mine["told_text"][-1].startswith("Votre note d'évaluatrice")
    assert view.told_sentences(mine["told"], 3, "en")[0] == (
        "exemple-1: you gave 3/3, the teacher 2/3: 1 points more generous than the teacher."
    )
    assert [r["number"] for r in mine["received"]] == [1, 2, 3]
    (grade,) = mine["grade"]
    assert grade["task"] == "explication" and grade["comment"].startswith("Évaluation")
    others = [
        w
        for login, (first, last) in PEOPLE.items()
        if login != "chloe"
        for w in (login, first, last)
    ]
    assert not [w for w in others if w in json.dumps(mine, ensure_ascii=False)]

    # the teacher overrides chloe's grade: her view says the gradebook's, a later run keeps it
    folder = str(handed_in.folder)
    assert (
        main(
            [
                "peer",
                folder,
                "devoir-a",
                "override",
                "--learner",
                "chloe",
                "--task",
                "explication",
                "--score",
                "0.5",
                "--comment",
                "Revoir la définition.",
            ]
        )
        == 0
    )
    assert "chloe" in capsys.readouterr().out
    assert main(["peer", folder, "devoir-a", "grades", "--to-gradebook"]) == 0
    (grade,) = view.overview(config, handed_in, "chloe")["assignments"][0]["grade"]
    assert (grade["score"], grade["comment"]) == (0.5, "Revoir la définition.")
    # refused: a score over the cell's points, a task with no grade cell, a missing option
    with pytest.raises(BadInputError):
        flow.override_grade(config, handed_in, assignment, "chloe", "explication", 99)
    with pytest.raises(BadInputError):
        flow.override_grade(config, handed_in, assignment, "chloe", "code", 1)
    assert main(["peer", folder, "devoir-a", "override", "--learner", "chloe"]) != 0
