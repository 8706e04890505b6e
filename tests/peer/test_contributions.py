"""Contribution ratings between team-mates (issue #27, item 4): once her team has handed
in, each member rates each team-mate's contribution, 1 to 5, never her own nor anyone
outside her team; her panel's view shows her own ratings only; the teacher reads, per
member, the mean received (:mod:`parcours.peer.contributions`, ``parcours peer …
contributions``)."""

from __future__ import annotations

import pytest
from parcours.config import ParcoursConfig
from parcours.course import Course
from parcours.errors import BadInputError, DataError
from parcours.peer import contributions, teams
from parcours.peer.view import team_view

from .test_flow import config, course, now  # noqa: F401
from .test_teams import CSV, _with_teams


def test_team_mates_rate_each_other_once_handed_in(
    config: ParcoursConfig,  # noqa: F811
    course: Course,  # noqa: F811
) -> None:
    teamed = _with_teams(course.folder, CSV)
    assignment = teamed.assignment("devoir-a")
    rate = contributions.rate_contribution
    with pytest.raises(BadInputError, match="pas encore rendu"):
        rate(config, teamed, assignment, "alice", "bob", 4)  # nothing handed in yet
    assert team_view(config, teamed, assignment, "alice")["mates"] == [
        {"learner": "bob", "role": "codeur", "rating": None},
        {"learner": "chloe", "role": "", "rating": None},
    ]
    teams.record_hand_in(config, teamed, "devoir-a", "chloe", "2026-10-01T10:00:00+00:00")
    assert rate(config, teamed, assignment, "alice", "bob", 4)["rating"] == 4
    assert rate(config, teamed, assignment, "alice", "bob", 2)["rating"] == 2  # changed
    assert rate(config, teamed, assignment, "alice", "chloe", 5)["rating"] == 5
    assert rate(config, teamed, assignment, "chloe", "bob", 3)["rating"] == 3
    # never herself, someone of another team, a stranger, or off the scale
    for mate in ("alice", "david", "zoe", None):
        with pytest.raises(BadInputError, match="vos coéquipiers seulement"):
            rate(config, teamed, assignment, "alice", mate, 3)
    for rating in (0, 6, 2.5, "4", True, None):
        with pytest.raises(BadInputError, match=r"de 1 .* à 5"):
            rate(config, teamed, assignment, "alice", "bob", rating)
    with pytest.raises(BadInputError, match="aucune"):
        rate(config, teamed, assignment, "zoe", "alice", 3)  # in no team
    with pytest.raises(BadInputError, match="ne se rend pas en équipe"):
        rate(config, teamed, teamed.assignment("devoir-b"), "alice", "bob", 3)
    # her view: her own ratings only, never what others gave her
    mine = team_view(config, teamed, assignment, "bob")["mates"]
    assert [m["rating"] for m in mine] == [None, None]  # bob gave none; his ratings unseen
    assert [m["rating"] for m in team_view(config, teamed, assignment, "alice")["mates"]] == [2, 5]

    # the teacher: per member, by team
    rows = {r["learner"]: r for r in contributions.contributions(config, teamed, assignment)}
    assert [r["team"] for r in contributions.contributions(config, teamed, assignment)] == [
        "bleu", "bleu", "rouge", "rouge", "rouge",
    ]  # fmt: skip
    assert (rows["bob"]["received_mean"], rows["bob"]["received"]) == (2.5, 2)
    assert (rows["chloe"]["received_mean"], rows["chloe"]["given"]) == (5.0, 1)
    assert (rows["alice"]["received_mean"], rows["alice"]["given"]) == (None, 2)
    assert rows["david"]["received"] == 0 and rows["alice"]["role"] == "pilote"

    # a record edited by hand into something else is refused, naming the file
    path = contributions.record_path(config, teamed, assignment)
    path.write_text(path.read_text().replace('"rating": 5', '"rating": 9'), encoding="utf-8")
    with pytest.raises(DataError, match=r"contributions\.json"):
        contributions.contributions(config, teamed, assignment)
