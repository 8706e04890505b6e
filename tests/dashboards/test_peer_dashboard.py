"""Peer review and teams on the staff's dashboards (#27, item 5): the session's class of
40 (its real nbgrader gradebook) in a copy of the demo course whose devoir-1 is reviewed
by peers (reviews due before the page's "now") and whose devoir-2 is handed in by teams;
the allocation, reviews and team hand-ins written through peer review's own functions.
The teacher's page shows allocated, done, late and disagreeing reviews, each reviewer's
progress, the teams with their last hand-in in the course's zone and their grades; the
coordinator's groups show the teams formed against the class mean; in French with a
decimal comma; a hostile team name and role shown as text."""

from __future__ import annotations

import dataclasses
import html
import re
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from parcours.dashboards import peer as block
from parcours.dashboards import teams as teams_block
from parcours.i18n import language

from .conftest import COURSE, REPO

PEER = """
[assignments.peer_review]
reviewers = 3
due = 2026-10-10T23:59:00
rubric = "peer/devoir-1.toml"
"""
TEAM = """
[assignments.team]
size = 3
file = "equipes.csv"
"""
RUBRIC = """
[[tasks]]
id = "analyse"
title = "L'analyse"
[[tasks.criteria]]
id = "juste"
title = "L'analyse est juste"
levels = [{ points = 0, description = "Non" }, { points = 1, description = "En partie" },
          { points = 2, description = "Oui" }]
[[tasks.criteria]]
id = "claire"
title = "L'analyse est claire"
levels = [{ points = 0, description = "Non" }, { points = 1, description = "Oui" }]
"""
HOSTILE_TEAM = "<img src=x onerror=alert(1)>"
HOSTILE_ROLE = "<script>alert(2)</script>"
#: the last hand-in of the first team: 23:30 in Paris (summer time, UTC+2)
LAST_AT = "2026-10-12T21:30:00+00:00"
#: an appeal as a learner may write it: shown as text
APPEAL = "Ma copie vaut <b>3</b> : relisez <script>alert(1)</script>la question 2."
#: when the reviews were written: before the reviews' due date (10 Oct, 23:59 in Paris)
REVIEWED_AT = pd.Timestamp("2026-10-09T12:00:00+00:00").to_pydatetime()


def _plain(text: str) -> str:
    """What a reader reads: tags dropped, entities decoded, spaces made plain."""
    shown = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return " ".join(shown.replace("\u202f", " ").replace("\u00a0", " ").split())


def _html(page: Any) -> str:
    """The HTML of a rendered page's static blocks."""
    outputs = [o for b in page.blocks if hasattr(b, "outputs") for o in b.outputs]
    return "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)


def _logins(data: Any, assignment: str) -> list[str]:
    """The logins of the learners who handed ``assignment`` in, sorted."""
    f = data.frames
    subs = f.submissions[f.submissions["assignment"] == assignment]
    known = dict(zip(f.learners["learner"], f.learners["student_id"], strict=True))
    return sorted(known[p] for p in subs["learner"])


@pytest.fixture
def world(dashboard_data: Any, tmp_path: Path) -> dict[str, Any]:
    """The copy of the course, its own data folder for peer review's records, the
    allocation (k = 3), reviews (two submissions scored far apart, some reviews left
    undone) and three teams of devoir-2 (the second named and roled with HTML)."""
    from parcours.config import load_config
    from parcours.course import load_course
    from parcours.peer.allocate import allocate
    from parcours.peer.appeals import appeal, rate_review
    from parcours.peer.contributions import rate_contribution
    from parcours.peer.records import add_allocations, read_allocation, record_review
    from parcours.peer.teams import record_hand_in

    folder = tmp_path / "courses" / COURSE
    shutil.copytree(REPO / "courses" / COURSE, folder)
    manifest = folder / "course.toml"
    text = manifest.read_text(encoding="utf-8")
    for ident, table in (("devoir-2", PEER), ("devoir-3", TEAM)):  # after the one before
        cut = text.index(f'[[assignments]]\nid = "{ident}"')
        text = text[:cut] + table + "\n" + text[cut:]
    manifest.write_text(text, encoding="utf-8")
    (folder / "peer").mkdir()
    (folder / "peer" / "devoir-1.toml").write_text(RUBRIC, encoding="utf-8")
    # teams of devoir-2: two graded members and one still waiting for a manual grade each
    f = dashboard_data.frames
    g = f.grades[f.grades["assignment"] == "devoir-2"]
    waiting = set(g[g["needs_manual_grade"].astype(bool)]["learner"])
    logins = dict(zip(f.learners["learner"], f.learners["student_id"], strict=True))
    done = sorted(logins[p] for p in set(g["learner"]) - waiting)
    wait = sorted(logins[p] for p in waiting)
    members = [m for n in range(3) for m in sorted([*done[2 * n : 2 * n + 2], wait[n]])]
    roles = ["expert", "animateur", "rapporteur"]
    rows = ["learner,team,role"]
    rows += [f"{m},equipe-a,{r}" for m, r in zip(members[:3], roles, strict=True)]
    rows += [f"{m},{HOSTILE_TEAM},{HOSTILE_ROLE}" for m in members[3:6]]
    rows += [f"{m},equipe-c," for m in members[6:9]]
    (folder / "equipes.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    course = load_course(folder)
    config = load_config(REPO)
    config.data_dir = str(tmp_path / "data")
    frames = dataclasses.replace(dashboard_data.frames, courses={COURSE: course})
    data = dataclasses.replace(dashboard_data, frames=frames, cache={})

    authors = _logins(data, "devoir-1")
    add_allocations(config, course, "devoir-1", allocate(authors, authors, 3, seed="t"))
    assignment = next(a for a in course.assignments if a.id == "devoir-1")
    allocation = read_allocation(config, course, "devoir-1")
    disputed = authors[:2]  # scored 0, 3 and 3 by their three reviewers
    for n, (author, entry) in enumerate(sorted(allocation.items())):
        for m, reviewer in enumerate(sorted(entry["reviewers"])):
            if author not in disputed and (n + m) % 4 == 0:
                continue  # left undone
            low = author in disputed and m == 0
            scores = {"analyse.juste": 0 if low else 2, "analyse.claire": 0 if low else 1}
            record_review(
                config, course, assignment, reviewer, entry["label"], scores, now=REVIEWED_AT
            )
    record_hand_in(config, course, "devoir-2", members[1], "2026-10-11T08:00:00+00:00")
    record_hand_in(config, course, "devoir-2", members[2], LAST_AT)
    record_hand_in(config, course, "devoir-2", members[4], "2026-10-12T09:15:00+00:00")
    # the first disputed author rates her first review 2 and appeals (hostile text)
    rate_review(config, course, assignment, disputed[0], 1, 2)
    appeal(config, course, assignment, disputed[0], APPEAL)
    # team-mates rate members[1]'s contribution 4 and 5; nobody rates members[0]'s
    teamed = course.assignment("devoir-2")
    rate_contribution(config, course, teamed, members[0], members[1], 4)
    rate_contribution(config, course, teamed, members[2], members[1], 5)
    world = {"config": config, "data": data, "course": course, "members": members}
    return {**world, "plain": dashboard_data}


def test_review_figures_are_the_records(world: dict[str, Any]) -> None:
    from parcours.peer.records import read_allocation, read_reviews

    config, data, course = world["config"], world["data"], world["course"]
    allocation = read_allocation(config, course, "devoir-1")
    reviews = read_reviews(config, course, "devoir-1")
    pairs = [(a, r, e["label"]) for a, e in allocation.items() for r in e["reviewers"]]
    done = [p for p in pairs if p[1] in reviews.get(p[2], {})]
    spreads = {}
    for label, by in reviews.items():
        totals = [sum(r["scores"].values()) for r in by.values()]
        spreads[label] = max(totals) - min(totals)
    p = block.review_progress(config, data, COURSE, "devoir-1")
    assert p.submissions == len(allocation) == len(_logins(data, "devoir-1"))
    assert p.allocated == len(pairs) == 3 * len(allocation)
    assert p.done == len(done) and 0 < p.done < p.allocated
    # the reviews were due on 10 October, the page sees the class on 25 October
    assert p.due < data.now.to_pydatetime()
    assert p.late == len(pairs) - len(done)
    # disagreement: a spread over 30 % of the 3 points
    flagged = {label for label, s in spreads.items() if s > 0.3 * 3}
    assert p.flagged == len(flagged) == 2
    assert set(p.disagreements["label"]) == flagged
    assert sorted(p.disagreements["author"]) == _logins(data, "devoir-1")[:2]
    assert set(p.disagreements["median"]) == {3.0}
    # per reviewer: her allocation, her reviews, the rest late
    mine = p.reviewers.set_index("reviewer")
    for reviewer in {r for _a, r, _l in pairs}:
        allocated = sum(r == reviewer for _a, r, _l in pairs)
        finished = sum(r == reviewer for _a, r, _l in done)
        assert mine.loc[reviewer, "allocated"] == allocated
        assert mine.loc[reviewer, "done"] == finished
        assert mine.loc[reviewer, "late"] == allocated - finished
    assert int(mine["late"].sum()) == p.late
    # the one review rated (2 of 5): its reviewer's helpfulness; nobody else's yet
    assert mine["helpful"].notna().sum() == 1 and mine["helpful"].max() == 2.0


def test_late_is_nothing_before_the_due_date(world: dict[str, Any]) -> None:
    data = world["data"]
    early = dataclasses.replace(data, now=pd.Timestamp("2026-10-05T12:00:00Z"), cache={})
    p = block.review_progress(world["config"], early, COURSE, "devoir-1")
    assert p.late == 0 and p.done < p.allocated
    assert int(p.reviewers["to_do"].sum()) == p.allocated - p.done


def test_teams_their_hand_ins_and_grades(world: dict[str, Any]) -> None:
    config, data, members = world["config"], world["data"], world["members"]
    f = data.frames
    subs = f.submissions[f.submissions["assignment"] == "devoir-2"]
    logins = dict(zip(f.learners["learner"], f.learners["student_id"], strict=True))
    waiting = f.grades[(f.grades["assignment"] == "devoir-2") & f.grades["needs_manual_grade"]]
    graded = {
        logins[p]: s / m
        for p, s, m in zip(subs["learner"], subs["score"], subs["max_score"], strict=True)
        if p not in set(waiting["learner"])
    }
    teams = teams_block.team_activity(config, data, COURSE, "devoir-2").set_index("team")
    assert list(teams.index) == sorted(["equipe-a", HOSTILE_TEAM, "equipe-c"])
    a = teams.loc["equipe-a"]
    assert a["hand_ins"] == 2 and a["last_by"] == members[2]
    assert a["last_at"] == pd.Timestamp(LAST_AT)
    assert a["members"].startswith(f"{members[0]} (expert); {members[1]} (")
    assert f"{members[1]} (" in a["members"] and "contribution 4,5/5)" in a["members"]
    assert a["members"].count("contribution") == 1  # members[0]'s: no rating yet
    for team, mates in (("equipe-a", members[:3]), ("equipe-c", members[6:9])):
        marks = [graded[m] for m in mates if m in graded]
        assert teams.loc[team, "graded"] == len(marks)
        assert teams.loc[team, "grade"] == pytest.approx(statistics.fmean(marks))
    assert teams.loc["equipe-c", "hand_ins"] == 0 and pd.isna(teams.loc["equipe-c", "last_at"])
    assert teams_block.class_mean(data, COURSE, "devoir-2") == pytest.approx(
        statistics.fmean(graded.values())
    )


def test_teacher_page_in_french(world: dict[str, Any]) -> None:
    from parcours.dashboards.pages import State
    from parcours.dashboards.teacher_page import TeacherPage

    config, data, members = world["config"], world["data"], world["members"]
    p = block.review_progress(config, data, COURSE, "devoir-1")
    page = TeacherPage(State(config, data, time.monotonic()), {"assignment": f"{COURSE}/devoir-1"})
    page.render()
    assert page.lang == "fr"
    shown = _html(page)
    assert block.PEER_CSS in shown and teams_block.TEAMS_CSS in shown
    plain = _plain(shown)
    assert "Évaluation par les pairs" in plain and "Équipes" in plain
    assert (
        f"{p.title} : {p.done} évaluations faites sur {p.allocated} pour {p.submissions} "
        f"copies, {p.late} en retard ; évaluations à rendre le 10 oct. 2026, 23:59 "
        "(heure de Paris, UTC+2)."
    ) in plain
    assert "Avancement de chaque évaluateur" in plain
    assert "table-peer-reviewers" in shown and "table-peer-disagreements" in shown
    assert "2 copies dont les notes s'écartent de plus de 30 % des 3 points" in plain
    # helpfulness per reviewer; the appeal waiting for her answer, its text as text
    assert "Utilité (1 à 5)" in plain and "Contestations : " in plain
    assert "1 contestation ; en attente de votre réponse : 1" in plain
    assert APPEAL in plain and html.escape(APPEAL) in shown and "<b>3</b>" not in shown
    assert "en attente de votre réponse" in plain
    # the last hand-in on the wall clock of Paris, the zone named; a decimal comma
    assert f"{members[2]} 12 oct. 2026, 23:30 (heure de Paris, UTC+2)" in plain
    mean = teams_block.class_mean(data, COURSE, "devoir-2")
    said = f"{mean * 100:.1f}".replace(".", ",")
    assert f"moyenne de la classe {said} %" in plain and "," in said
    assert "animateur" in plain.lower() or "facilitateur" in plain.lower()
    # learner-provided text as text: never a tag
    assert "<img src=x" not in shown and "<script>alert" not in shown
    assert html.escape(HOSTILE_TEAM) in shown and html.escape(HOSTILE_ROLE) in shown
    assert HOSTILE_TEAM in plain and HOSTILE_ROLE in plain


def test_teacher_page_in_english_and_without_peer_work(world: dict[str, Any]) -> None:
    config, data = world["config"], world["data"]
    with language("en"):
        text = _plain(block.peer_html(config, data, COURSE, "devoir-3"))
    assert text.startswith("Peer review")
    assert "reviews due 10 Oct 2026, 23:59 (Paris time, UTC+2)" in text
    assert "Choose a peer-reviewed assignment above" in text  # devoir-3 is not one
    # the demo course as it is: no peer review, no team, no section
    assert block.sections(config, world["plain"], COURSE) == []


def test_coordinator_groups_show_the_teams_formed(world: dict[str, Any]) -> None:
    from parcours.dashboards.coordinator_page import CoordinatorPage
    from parcours.dashboards.pages import State

    config, data = world["config"], world["data"]
    frame = teams_block.teams_formed(config, data)
    teams = teams_block.team_activity(config, data, COURSE, "devoir-2")
    mean = teams_block.class_mean(data, COURSE, "devoir-2")
    assert sorted(frame["team"]) == sorted(teams["team"])
    for row in frame.to_dict("records"):
        grade = teams.set_index("team").loc[row["team"], "grade"]
        assert row["class_mean"] == pytest.approx(mean)
        assert row["difference"] == pytest.approx((grade - mean) * 100, abs=0.05)
    page = CoordinatorPage(State(config, data, time.monotonic()), {"lang": "fr"})
    page.render()
    shown = _html(page)
    assert teams_block.FORMED_CSS in shown
    plain = _plain(shown)
    groups, formed = plain.index("Groupes de différenciation"), plain.index("Équipes formées")
    assert groups < formed < plain.index("Alertes de charge")
    assert "Moyenne de l'équipe" in plain and "Moyenne de la classe" in plain
    gaps = [g for g in frame["difference"] if g > 0]
    assert gaps and all(f"{g:.1f}".replace(".", ",") in plain for g in gaps)  # decimal comma
    assert "<img src=x" not in shown and html.escape(HOSTILE_TEAM) in shown
    # filtered to learners of no team: no team shown
    outsider = sorted(set(_logins(data, "devoir-1")) - set(world["members"]))[0]
    pseudo = data.frames.learners.set_index("student_id").loc[outsider, "learner"]
    alone = dataclasses.replace(
        data,
        frames=dataclasses.replace(
            data.frames, learners=data.frames.learners[data.frames.learners["learner"] == pseudo]
        ),
        cache={},
    )
    assert teams_block.teams_formed(config, alone).empty


def test_a_team_file_that_cannot_be_read_is_said(world: dict[str, Any]) -> None:
    config, data, course = world["config"], world["data"], world["course"]
    (course.folder / "equipes.csv").write_text(
        "learner,team\nx,a\nx,b\n", encoding="utf-8"
    )  # a learner in two teams
    with language("fr"):
        text = teams_block.teams_html(config, data, COURSE)
    assert "role='alert'" in text and "x est dans deux équipes" in _plain(text)
    assert teams_block.teams_formed(config, data).empty
    # the peer-review block stands on its own
    assert "table-peer" in block.peer_html(config, data, COURSE, "devoir-1")


@pytest.mark.browser
def test_sections_pass_axe_in_chromium(world: dict[str, Any], page: Any, output_dir: Path) -> None:
    """The teacher's two sections and the coordinator's teams, in the dashboards' style,
    in a real chromium: no serious axe violation, the hostile team name shown as text
    (no image loaded, no script run)."""
    from parcours.dashboards import ui

    from ..axe import axe_violations

    config, data = world["config"], world["data"]
    with language("fr"):
        shown = block.sections(config, data, COURSE, "devoir-1")
        parts = [f"<div class='{css}'>{text}</div>" for text, css in shown]
        formed = teams_block.formed_html(config, data)
        parts.append(f"<div class='{teams_block.FORMED_CSS}'>{formed}</div>")
    document = (
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'><title>Enseignement</title>"
        f"{ui.STYLE}</head><body><main><h1>Tableau de bord</h1>{''.join(parts)}</main></body>"
        "</html>"
    )
    page.set_content(document)
    assert page.locator("img").count() == 0 and page.locator("script").count() == 0
    assert page.get_by_text(HOSTILE_TEAM).count() >= 2  # the teacher's and the coordinator's
    page.screenshot(path=str(output_dir / "peer-sections.png"), full_page=True)
    assert axe_violations(page) == []
    assert page.errors == []
