"""``parcours report`` and ``parcours groups`` on one course of a two-course class
(tests/twocourses.py): only that course's learners, messages in that course's language."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from parcours.cli import main

from tests.twocourses import ENGLISH, ENGLISH_LEARNERS, FRENCH, FRENCH_LEARNERS


@pytest.mark.parametrize(
    ("course", "n", "said"),
    [(FRENCH, FRENCH_LEARNERS, "apprenants"), (ENGLISH, ENGLISH_LEARNERS, "learners")],
)
def test_report_of_one_of_two_courses(two_courses, tmp_path: Path, capsys, course, n, said) -> None:
    world, _config = two_courses
    out = tmp_path / "r.json"
    assert main(["report", course, "--format", "json", "--out", str(out), "--now", world.now]) == 0
    assert said in capsys.readouterr().out
    tables = json.loads(out.read_text(encoding="utf-8"))
    learners = tables["learners"]
    assert len(learners) == n and {r["course"] for r in learners} == {course}
    # dates as ISO 8601 with the offset of the zone the course's dates were written in
    zone, offset = {
        FRENCH: ("Europe/Paris", ("+01:00", "+02:00")),
        ENGLISH: ("America/Cayenne", ("-03:00",)),
    }[course]
    rows = tables["assignments"]
    assert rows and {r["timezone"] for r in rows} == {zone}
    for row in rows:
        assert row["deadline"].endswith(offset), row["deadline"]
        assert row["deadline"][11:16] == "23:59"


def test_groups_of_one_of_two_courses(two_courses, capsys) -> None:
    assert main(["groups", ENGLISH, "--skill", "lire", "--mode", "pairs"]) == 0
    english = capsys.readouterr().out
    assert "mastery of “lire”" in english and "maîtrise" not in english
    assert sum(line.startswith("  p-") for line in english.splitlines()) == ENGLISH_LEARNERS
    assert main(["groups", FRENCH, "--skill", "lire", "--mode", "bands"]) == 0
    french = capsys.readouterr().out
    assert "maîtrise de « lire »" in french
    assert sum(line.startswith("  p-") for line in french.splitlines()) == FRENCH_LEARNERS
