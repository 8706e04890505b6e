"""The numbers the dashboards show, on a synthetic class in the real stores, checked
against the analytics functions and against the raw frames."""

from __future__ import annotations

import base64

import pandas as pd
import pytest
from parcours.dashboards import coordinator, learner, teacher, ui
from parcours.errors import BadInputError
from parcours.i18n import language

COURSE = "analyse-de-donnees"


def test_overview_and_kpis_come_from_analytics(dashboard_data) -> None:
    from parcours.analytics import kpis

    overview = coordinator.courses_overview(dashboard_data)
    assert list(overview["course"]) == [COURSE]
    assert int(overview["learners"].iloc[0]) == 40
    expected = kpis(dashboard_data.frames, dashboard_data.now).set_index("kpi")["value"]
    cards = {k.key: k for k in coordinator.course_kpis(dashboard_data)}
    assert set(cards) == set(coordinator.KPI_KEYS)
    for key, card in cards.items():
        assert card.value == pytest.approx(expected[key])
        assert len(card.trend) == len(card.weeks) <= 6
    assert cards["weekly_active"].target == 0.7
    assert cards["weekly_active"].met == (cards["weekly_active"].value >= 0.7)


def test_filters_restrict_every_frame(dashboard_data) -> None:
    cohort = dashboard_data.cohorts()[0]
    one = dashboard_data.filtered(cohort=cohort)
    assert len(one.frames.learners) == 20  # cohorts alternate
    members = set(one.frames.learners["learner"])
    assert set(one.frames.events["learner"]) <= members
    assert set(one.frames.submissions["learner"]) <= members
    assert dashboard_data.filtered() is dashboard_data
    since = dashboard_data.now - pd.Timedelta(days=7)
    recent = dashboard_data.filtered(since=since)
    assert (recent.frames.events["timestamp"] >= since).all()
    group = dashboard_data.groups()[0]
    both = dashboard_data.filtered(cohort=cohort, group=group)
    assert 0 < len(both.frames.learners) < 20


def test_risk_funnel_heatmap_and_groups(dashboard_data) -> None:
    from parcours.analytics import at_risk

    risk = coordinator.learners_at_risk(dashboard_data)
    every = at_risk(dashboard_data.frames, dashboard_data.risk_thresholds, dashboard_data.now)
    assert sorted(risk["learner"]) == sorted(every[every["at_risk"]]["learner"])
    assert {"cohort", "group", "why"} <= set(risk.columns)
    funnel = coordinator.funnel(dashboard_data)
    assert (funnel["learners"] == 40).all() and (funnel["reached"] <= 40).all()
    assert list(funnel["activity"]) == list(
        dashboard_data.frames.activities.sort_values("order")["activity"]
    )
    x, y, z = coordinator.heatmap(dashboard_data, COURSE)
    assert len(x) == 9 and len(y) == 40 and all(len(row) == 9 for row in z)
    progress = [sum(v in (2, 3) for v in row) for row in z]
    assert progress == sorted(progress)  # least advanced first
    for mode in ("bands", "pairs", "teams"):
        frame = coordinator.groups(dashboard_data, "lire", mode, 3)
        assert set(frame["learner"]) == set(dashboard_data.frames.learners["learner"])
    with pytest.raises(BadInputError):
        coordinator.groups(dashboard_data, "lire", "circles", 3)
    mastery = coordinator.mastery_by_skill(dashboard_data)
    assert (mastery[["remediation", "consolidation", "extension"]].sum(axis=1) == 40).all()


def test_workload_and_ab(dashboard_data) -> None:
    load = coordinator.workload_alerts(dashboard_data)
    assert (
        load["alert"] == ((load["days_over"] > 0) | (load["week_minutes"] > load["week_limit"]))
    ).all()
    ab = coordinator.ab_results(dashboard_data)
    assert list(ab["lesson"]) == ["l03-selectionner"]
    assert ab["n_a"].iloc[0] + ab["n_b"].iloc[0] <= 40


def test_teacher_view(dashboard_data) -> None:
    status = teacher.assignment_status(dashboard_data, COURSE, "devoir-1")
    assert status.learners == 40
    assert status.on_time + status.late + status.missing + status.not_due == 40
    subs = dashboard_data.frames.submissions
    assert status.on_time + status.late == int((subs["assignment"] == "devoir-1").sum())
    scores = teacher.score_distribution(dashboard_data, COURSE, "devoir-1")
    assert ((scores >= 0) & (scores <= 1)).all()
    hard = teacher.question_difficulty(dashboard_data, COURSE, "devoir-1")
    assert list(hard["failed"]) == sorted(hard["failed"], reverse=True)
    summary = teacher.reflections_summary(dashboard_data, COURSE, "devoir-1")
    ev = dashboard_data.frames.events
    assert summary["count"] == int(
        ((ev["verb"] == "reflected") & (ev["lesson"] == "devoir-1")).sum()
    )
    band = teacher.band_members(dashboard_data, COURSE, "lire", "remediation")
    assert all(s.startswith("apprenant") for s in band)


def test_learner_is_scoped(dashboard_data, world_env, monkeypatch) -> None:
    from parcours.config import load_config

    config = load_config()
    student = world_env.student_ids[0]
    me = learner.pseudonym(dashboard_data, student)
    path = learner.my_path(dashboard_data, me)
    assert len(path) == 9 and path["next"].sum() <= 1
    results = learner.my_results(dashboard_data, me)
    subs = dashboard_data.frames.submissions
    assert len(results) == int((subs["learner"] == me).sum())
    assert len(learner.my_week(dashboard_data, me)) == 7
    assert list(learner.my_mastery(dashboard_data, me)["skill"]) == sorted(
        s.id for s in dashboard_data.courses[COURSE].skills
    )

    # who may see whom: a course's teachers are its course.toml's (prof-demo here)
    config.dashboard_teachers = []
    config.learner = "alice"
    assert learner.resolve_learner(config, {}, {}).student_id == "alice"
    with pytest.raises(
        BadInputError, match="ne peut pas ouvrir le tableau de bord de l'apprenant « bob »"
    ):
        learner.resolve_learner(config, {"learner": "bob"}, {})
    hub = learner.resolve_learner(config, {}, {"JUPYTERHUB_USER": "carla"})
    assert hub.student_id == "carla" and not hub.may_choose
    teacher_view = learner.resolve_learner(
        config, {"learner": "bob"}, {"JUPYTERHUB_USER": "prof-demo"}
    )
    assert teacher_view.student_id == "bob" and teacher_view.may_choose
    assert teacher_view.courses == (COURSE,)  # her rows of the teacher's own courses
    # no environment variable makes anyone a teacher (it used to: #25)
    before = load_config().dashboard_teachers
    monkeypatch.setenv("PARCOURS_DASHBOARD_TEACHERS", "someone-else")
    assert load_config().dashboard_teachers == before
    with pytest.raises(BadInputError, match=r"course\.toml"):
        learner.resolve_learner(config, {"learner": "bob"}, {"JUPYTERHUB_USER": "someone-else"})
    config.learner = ""
    with pytest.raises(BadInputError, match="aucun apprenant connu"):
        learner.resolve_learner(config, {}, {})


def test_sortable_table_and_csv() -> None:
    frame = pd.DataFrame({"who": ["b", "a"], "share": [0.5, float("nan")]})
    with language("fr"):
        html = ui.table_html(
            frame, {"who": "Who", "share": "Share"}, kinds={"share": "%"}, table_id="t"
        )
    assert html.count('<button type="button" onclick=') == 2
    assert 'aria-sort="none"' in html and "50\u00a0%" in html and "–" in html
    # text left, numbers right (a reader compares them)
    assert '<td data-v="b">b</td>' in html and '<td data-v="0.5" class="n">' in html
    with language("en"):
        assert "50%" in ui.table_html(frame, {"share": "Share"}, kinds={"share": "%"})
    link = ui.csv_link(frame, "x.csv", "CSV")
    data = link.split("base64,", 1)[1].split('"', 1)[0]
    assert base64.b64decode(data).decode("utf-8-sig").splitlines()[0] == "who,share"
    assert ui.table_html(frame.iloc[:0], {"who": "Who"}).startswith("<p")
