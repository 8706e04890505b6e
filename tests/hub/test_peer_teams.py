"""A team assignment on the real hub (issue #27): a team of three hands in once, one
member from her "Mon parcours" panel in a real chromium; all three get the on-submit
grade, then the teacher's feedback; the whole team sees who handed in (her panel says
so) and she rates her team-mates' contributions, which the teacher reads (every refusal
through the service); a member of another team (through the service's hand-in route,
the one the panel calls) hands in for her own team only; a learner in no team is
refused with the reason.
Screenshot in tests/_output/."""

from __future__ import annotations

import io
import os
import pwd
import re
import shutil
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import COURSE_E, E2E_LEARNERS, HubSite
from .test_hub_browser import _log_in, _show_panel, browser  # noqa: F401
from .test_service import _call, _token

pytestmark = pytest.mark.browser

ASSIGNMENT = "devoir-1"
TEAM = E2E_LEARNERS[:3]
OTHER_TEAM = E2E_LEARNERS[3:6]
NO_TEAM = E2E_LEARNERS[6]
TEACHER = "pt-prof-a"


@pytest.fixture(scope="module")
def teams(hub_site: HubSite) -> Iterator[dict[str, str]]:
    """devoir-1 of the end-to-end course handed in by teams of three (a CSV as
    ``parcours groups --mode teams --csv`` writes it), released; tokens."""
    folder = hub_site.project / "courses" / COURSE_E
    manifest = folder / "course.toml"
    before = manifest.read_text(encoding="utf-8")
    rows = ["learner,team,role"]
    rows += [
        f"{n},equipe-1,{r}" for n, r in zip(TEAM, ("pilote", "codeur", "rapporteur"), strict=True)
    ]
    rows += [f"{n},equipe-2," for n in OTHER_TEAM]
    (folder / "equipes.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    cut = before.index('[[assignments]]\nid = "devoir-2"')
    table = '[assignments.team]\nsize = 3\nfile = "equipes.csv"\n'
    manifest.write_text(before[:cut] + table + "\n" + before[cut:], encoding="utf-8")
    teacher = _token(hub_site, TEACHER)
    path = f"api/courses/{COURSE_E}/assignments/{ASSIGNMENT}/release"
    released = _call(hub_site, teacher, "POST", path, json={"to": []})
    assert released.status_code == 200, released.text
    names = [*TEAM, *OTHER_TEAM, NO_TEAM]
    try:
        yield {"teacher": teacher, **{n: _token(hub_site, n) for n in names}}
    finally:
        manifest.write_text(before, encoding="utf-8")
        (folder / "equipes.csv").unlink(missing_ok=True)


def _tar(files: list[Path]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in files:
            tar.add(path, arcname=path.name, recursive=False)
    return buffer.getvalue()


def _result(site: HubSite, token: str, path: str) -> dict[str, Any]:
    started = time.monotonic()
    while True:  # the service answers once the result is written (or after 60 s)
        result: dict[str, Any] = _call(site, token, "GET", path + "/result?wait=60").json()
        if result["status"] != "pending":
            return result
        assert time.monotonic() - started < 300, "no on-submit result in 5 minutes"


@pytest.mark.timeout(900)
def test_a_team_hands_in_once(
    browser: Any,  # noqa: F811
    hub_site: HubSite,
    teams: dict[str, str],
    output_dir: Path,
) -> None:
    path = f"api/courses/{COURSE_E}/assignments/{ASSIGNMENT}"
    source = sorted(
        (hub_site.project / "courses" / COURSE_E / "source" / ASSIGNMENT).glob("*.ipynb")
    )
    answered = _tar(source)

    # the middle member fetches, works and hands in from her panel, once, for the team
    name = TEAM[1]
    page = _log_in(browser, hub_site, name)
    page.wait_for_url(f"**/user/{name}/lab**", timeout=180_000)
    page.locator(".jp-LabShell").wait_for(timeout=120_000)
    panel = _show_panel(page)
    live = panel.locator(".parcours-panel-live")
    work = panel.locator(".parcours-panel-assignment").filter(has_text="Explorer la fréquentation")
    work.get_by_role("button", name=re.compile("^Récupérer")).click()
    live.get_by_text(re.compile("Récupéré dans")).wait_for(timeout=120_000)
    account = pwd.getpwnam(name)
    mine = Path(account.pw_dir) / COURSE_E / ASSIGNMENT
    for notebook in source:  # her work: every answer written
        shutil.copyfile(notebook, mine / notebook.name)
        os.chown(mine / notebook.name, account.pw_uid, account.pw_gid)
    work.get_by_role("button", name=re.compile("^Rendre")).click()
    form = work.locator(".parcours-panel-reflection")
    form.locator("input[type=number]").fill("50")
    form.locator("textarea").fill("la jointure")
    # her panel loaded again (the shortcut pressed) while she writes: what she wrote stays
    _show_panel(page)
    assert form.locator("input[type=number]").input_value() == "50"
    assert form.locator("textarea").input_value() == "la jointure"
    form.get_by_label("4", exact=True).check()
    form.get_by_role("button", name="Envoyer et rendre").click()
    live.get_by_text(re.compile("reçu le")).wait_for(timeout=180_000)
    # her panel, loaded again after the hand-in, says who handed in for the team
    team_part = panel.locator(".parcours-team")
    team_part.locator(".parcours-team-hand-in", has_text=f"Dernier rendu par {name}").wait_for(
        timeout=120_000
    )
    assert all(member in team_part.inner_text() for member in TEAM)
    # a group of its own, named (not under "Évaluation par les pairs")
    teams_group = panel.locator(".parcours-panel-teams[role=group]")
    assert teams_group.locator("h4").inner_text() == "Travail en équipe"
    assert teams_group.locator(".parcours-team").count() == 1
    # handed in: she rates each team-mate's contribution, with the mouse then the keyboard
    page.locator("#parcours-panel[aria-busy]").wait_for(state="detached", timeout=120_000)
    rated = team_part.locator(".parcours-team-contribution")
    assert rated.count() == 2  # her two team-mates, never herself
    assert rated.first.get_attribute("role") == "radiogroup"
    with page.expect_response(lambda r: "peer/contribution" in r.url) as sent:
        rated.first.get_by_label("3 – comme convenu").check()
    assert sent.value.ok, sent.value.text()
    with page.expect_response(lambda r: "peer/contribution" in r.url) as sent:
        page.keyboard.press("ArrowRight")
    assert sent.value.ok, sent.value.text()
    live.get_by_text(f"Votre avis sur {TEAM[0]} est enregistré").wait_for(timeout=30_000)
    team_part.scroll_into_view_if_needed()
    page.screenshot(path=str(output_dir / "team-hand-in.png"))
    page.context.close()

    # all three get the grade on submit, the same
    results = {n: _result(hub_site, teams[n], path) for n in TEAM}
    scores = {(r["score"], r["max_score"]) for r in results.values()}
    assert len(scores) == 1 and scores.pop()[0] > 0, results
    # the whole team sees who handed in (the panel's peer group shows it)
    for name in TEAM:
        view = _call(hub_site, teams[name], "GET", f"api/courses/{COURSE_E}/peer").json()
        (team,) = view["teams"]
        assert team["team"] == "equipe-1" and [m["learner"] for m in team["members"]] == TEAM
        assert [h["by"] for h in team["hand_ins"]] == [TEAM[1]]

    # contributions through the service: a team-mate only, once her team has handed in
    rate = path + "/team/contribution"
    for who, body in (
        (TEAM[0], {"mate": TEAM[0], "rating": 3}),  # herself
        (TEAM[0], {"mate": OTHER_TEAM[0], "rating": 1}),  # another team's member
        (TEAM[0], {"mate": TEAM[2], "rating": 9}),  # off the scale
        (NO_TEAM, {"mate": TEAM[0], "rating": 3}),  # in no team
        (OTHER_TEAM[0], {"mate": OTHER_TEAM[1], "rating": 3}),  # not handed in yet
    ):
        refused = _call(hub_site, teams[who], "POST", rate, json=body)
        assert refused.status_code == 400, (who, body, refused.text)
    other_course = f"api/courses/{COURSE_E}/assignments/devoir-2/team/contribution"
    assert _call(hub_site, teams[TEAM[0]], "POST", other_course, json={}).status_code == 404
    given = _call(hub_site, teams[TEAM[2]], "POST", rate, json={"mate": TEAM[0], "rating": 5})
    assert given.status_code == 201, given.text
    # the teacher reads the mean each member received; a learner never does
    shown = hub_site.run("peer", COURSE_E, ASSIGNMENT, "contributions")
    assert shown.returncode == 0, shown.stderr
    line = next(x for x in shown.stdout.splitlines() if f" {TEAM[0]} (" in x)
    assert "contribution 4,5/5 (2 notes)" in line, shown.stdout
    mine = _call(hub_site, teams[TEAM[0]], "GET", f"api/courses/{COURSE_E}/peer").json()
    assert "4,5" not in str(mine) and [m["learner"] for m in mine["teams"][0]["mates"]] == [
        TEAM[1],
        TEAM[2],
    ]

    # a member of another team hands in for her own team only: the first team's hand-in
    # and grade stay as they were; a learner in no team is refused, told why
    blank = _call(hub_site, teams[OTHER_TEAM[0]], "GET", path).content
    other = _call(hub_site, teams[OTHER_TEAM[0]], "POST", path, data=blank,
                  headers={"Content-Type": "application/gzip"})  # fmt: skip
    assert other.status_code == 201, other.text
    theirs = _result(hub_site, teams[OTHER_TEAM[2]], path)
    assert theirs["score"] < results[TEAM[0]]["score"]
    again = _result(hub_site, teams[TEAM[0]], path)
    assert (again["score"], again["received"]) == (
        results[TEAM[0]]["score"],
        results[TEAM[0]]["received"],
    )
    view = _call(hub_site, teams[TEAM[0]], "GET", f"api/courses/{COURSE_E}/peer").json()
    assert [h["by"] for h in view["teams"][0]["hand_ins"]] == [TEAM[1]]
    refused = _call(hub_site, teams[NO_TEAM], "POST", path, data=answered,
                    headers={"Content-Type": "application/gzip"})  # fmt: skip
    assert refused.status_code == 400, refused.text
    said = refused.json()["message"]
    assert ("équipe" in said or "team" in said) and ASSIGNMENT in said, said

    # the teacher collects, autogrades, releases the feedback: all three read theirs
    teacher = teams["teacher"]
    collected = _call(hub_site, teacher, "POST", path + "/collect", json={}, timeout=900)
    assert collected.status_code == 200, collected.text
    graded = _call(hub_site, teacher, "POST", path + "/autograde", json={}, timeout=900)
    assert graded.status_code == 200, graded.text
    fed = _call(hub_site, teacher, "POST", path + "/feedback-release", json={}, timeout=900)
    assert fed.status_code == 200, fed.text
    assert set(TEAM) <= set(fed.json()["released"]), fed.text
    pages = {n: _call(hub_site, teams[n], "GET", path + "/feedback").json()["pages"] for n in TEAM}
    assert all(pages.values()), pages.keys()
