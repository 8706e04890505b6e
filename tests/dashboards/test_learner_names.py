"""Who is who on the coordinator's page (dashboards/names.py): the learners-at-risk table,
the status heatmap, the differentiation groups, the workload alerts and the follow-ups
name a learner alike — the roster's name and login, else the login — never by pseudonym
(pseudonyms stay in exports); the follow-ups' times are in the course's zone, named; the
days of inactivity in the reasons and in the table are one number."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from pathlib import Path

import pandas as pd
from parcours.dashboards import coordinator, teacher, ui
from parcours.i18n import language

from .conftest import COURSE

PSEUDONYM = re.compile(r"\bp-[0-9a-f]{16}\b")


def _logins(data) -> dict[str, str]:
    m = data.memberships
    return dict(zip(m["learner"], m["student_id"], strict=True))


def test_coordinator_tables_name_learners_by_login(dashboard_data) -> None:
    logins = _logins(dashboard_data)
    risk = coordinator.learners_at_risk(dashboard_data)
    assert len(risk)
    assert list(risk["name"]) == [logins[p] for p in risk["learner"]]
    _x, y, _z = coordinator.heatmap(dashboard_data, COURSE)
    assert y and all(name.startswith("apprenant") for name in y), y[:3]
    for mode in ("bands", "pairs", "teams"):
        groups = coordinator.groups(dashboard_data, "lire", mode, 3)
        assert list(groups["name"]) == [logins[p] for p in groups["learner"]]
        assert not any(PSEUDONYM.search(text) for text in groups["why_named"]), mode
    pairs = coordinator.groups(dashboard_data, "lire", "pairs", 3)
    assert any(PSEUDONYM.search(text) for text in pairs["why"])  # the export's column
    load = coordinator.workload_alerts(dashboard_data)
    assert list(load["name"]) == [logins[p] for p in load["learner"]]
    # what the page shows in its "Learner" columns
    shown = ui.table_html(risk, {"name": "Learner"}, table_id="t")
    assert not PSEUDONYM.search(shown) and logins[risk["learner"].iloc[0]] in shown


def test_roster_names_are_shown_with_the_login(dashboard_data) -> None:
    from parcours.dashboards.names import label

    m = dashboard_data.memberships
    named = dataclasses.replace(
        dashboard_data,
        memberships=m.assign(name=[f"Prénom {s[-2:]} Nom" for s in m["student_id"]]),
        cache={},
    )
    risk = coordinator.learners_at_risk(named)
    first, login = risk["name"].iloc[0], _logins(named)[risk["learner"].iloc[0]]
    assert first == f"Prénom {login[-2:]} Nom ({login})"
    assert label("", "alice") == "alice" and label("", "", "p-0123456789abcdef").startswith("p-")
    # the teacher's band members stay logins (they are what the actions take)
    band = teacher.band_members(named, COURSE, "lire", "remediation")
    assert band and all(s.startswith("apprenant") for s in band)


def test_days_inactive_reason_and_column_agree(dashboard_data) -> None:
    """The reason "inactive for 16 days" beside 16 in the "Days inactive" column, at any hour of the
    day the page is seen (the last event's hour gives 16.7 days at some)."""
    checked = 0
    for hours in (0, 6, 12, 18):
        later = dataclasses.replace(
            dashboard_data, now=dashboard_data.now + pd.Timedelta(hours=hours), cache={}
        )
        with language("en"):
            risk = coordinator.learners_at_risk(later)
            for why, days in zip(risk["why"], risk["days_inactive"], strict=True):
                found = re.search(r"inactive for (\d+) days?", why)
                if found:
                    assert found.group(1) == ui.fmt(days, "int"), (why, days, hours)
                    checked += 1
    assert checked, "the class has learners flagged for inactivity"


def test_followups_name_learners_as_the_risk_table_and_show_the_zone(
    dashboard_data, tmp_path: Path
) -> None:
    from parcours.compliance.followups import record_followup
    from parcours.config import load_config
    from parcours.dashboards.followups import followups_table
    from parcours.pipeline.roster import Learner, roster_path, write_roster

    config = load_config()
    config.data_dir = str(tmp_path)  # the session's class keeps its follow-ups list
    course = dashboard_data.courses[COURSE]
    risk = coordinator.learners_at_risk(dashboard_data)
    pseudo = risk["learner"].iloc[0]
    login = _logins(dashboard_data)[pseudo]
    write_roster(roster_path(config, course), [Learner(login)])
    moment = dt.datetime(2026, 10, 20, 14, 5, tzinfo=dt.UTC)  # 16:05 in Paris (UTC+2)
    record_followup(config, course, login, how="phone", outcome="ok", by="tutrice",
                    contacted_at=moment)  # fmt: skip
    with language("fr"):
        page = followups_table(config, dashboard_data)
    cells = [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", page)]
    assert cells[0] == risk["name"].iloc[0] == login  # the same text as the risk table's
    assert cells[3].startswith("20 oct. 2026") and "16:05" in cells[3], cells[3]
    assert cells[3].endswith("(heure de Paris, UTC+2)"), cells[3]
    assert not PSEUDONYM.search(page)
