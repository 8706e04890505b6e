"""At-risk learners and KPIs on the hand-made class (now = 2026-09-22 00:00 UTC)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from parcours.analytics import actual_minutes, at_risk, kpi_trend, kpis, validation_times
from parcours.analytics.risk import explain
from parcours.i18n import language

DAY = 86400.0


def test_risk_measures_and_reasons(data, now):
    r = at_risk(data, None, now).set_index("learner")
    # a: last trace A2 at 09-21 10:00 -> 14 h; scores in time order L1 .5 (q1 1, q2 0),
    #    L2 1, A1 .8, L3 1, A2 0: earlier mean (.5 + 1 + .8)/3 = .7667, last two .5
    assert r.loc["a", "days_inactive"] == pytest.approx(14 / 24)
    assert r.loc["a", "score_drop"] == pytest.approx(2.3 / 3 - 0.5)
    assert r.loc["a", "late"] == 1
    assert r.loc["a", "reflections_missing"] == 4  # L2, A1, L3, A2
    assert r.loc["a", "reasons"] == ["score_drop", "reflections_missing"]
    # b: last event 09-08 09:05; A1 and A2 missed; q2 of L1 never answered (1 of 2)
    assert r.loc["b", "days_inactive"] == pytest.approx(13 + 14 / 24 + 55 / 1440)
    assert r.loc["b", "unanswered"] == 0.5
    assert math.isnan(r.loc["b", "score_drop"])  # a single scored activity
    assert r.loc["b", "reasons"] == ["days_inactive", "missed_deadlines", "unanswered_quizzes"]
    # c: last trace A1 at 09-14 06:00 -> 7.75 days (under 10: a skipped week is no worry);
    #    A2 missed; L1 1, L2 0, A1 1 -> 1 - .5, and the last two (.5) are under 60 %
    assert r.loc["c", "days_inactive"] == pytest.approx(7.75)
    assert r.loc["c", "score_drop"] == pytest.approx(0.5)
    assert r.loc["c", "recent_score"] == pytest.approx(0.5)
    assert r.loc["c", "reasons"] == ["missed_deadlines", "score_drop"]
    # d: never active: days since the first opening (09-07 08:00)
    assert r.loc["d", "days_inactive"] == pytest.approx(14 + 16 / 24)
    assert r.loc["d", "reasons"] == ["days_inactive", "missed_deadlines"]
    with language("fr"):
        assert explain(r.loc[["c"]]) == ["1 devoir non rendu ; scores en baisse de 50 points"]
    with language("en"):
        assert explain(r.loc[["b"]]) == [
            "inactive for 13 days; 2 assignments missed; 50% of the questions unanswered"
        ]
    # the reflections a missed are said beside her real reason, not counted as one
    assert r.loc["a", "n_reasons"] == 1
    # most reasons first (the supporting one not counted), then longest inactive
    assert list(r.index) == ["b", "d", "c", "a"]


def test_missing_reflections_alone_flag_nobody(data, now):
    # without her falling scores, a's four missing reflections are no reason to call her
    r = at_risk(data, {"score_drop": 0.9}, now).set_index("learner")
    assert r.loc["a", "reflections_missing"] == 4
    assert not r.loc["a", "at_risk"] and r.loc["a", "reasons"] == []


def test_a_small_drop_from_high_scores_is_no_worry(data, now):
    # c fell by 50 points to 50 %: flagged; with the bar at 40 % she is not
    r = at_risk(data, {"score_drop_below": 0.4}, now).set_index("learner")
    assert "score_drop" not in r.loc["c", "reasons"]


def test_thresholds_are_editable(data, now):
    relaxed = at_risk(
        data,
        {
            "days_inactive": 14,
            "missed_deadlines": 3,
            "score_drop": 0.6,
            "unanswered_quizzes": 0.9,
            "reflections_missing": 5,
        },
        now,
    )
    flagged = relaxed.set_index("learner")["reasons"].to_dict()
    assert flagged == {"a": [], "b": [], "c": [], "d": ["days_inactive"]}


def test_kpis_against_targets(data, now):
    k = kpis(data, now).set_index("kpi")
    # active in the 7 days before now: only a (L3 on 09-15, A2 on 09-21) -> 1/4
    assert k.loc["weekly_active", "value"] == 0.25
    assert k.loc["weekly_active", "target"] == 0.7
    assert not k.loc["weekly_active", "met"]
    # first attempts: a 1 0 1 1, b 0, c 1 1 0 -> 5/8
    assert k.loc["quiz_mean", "value"] == pytest.approx(5 / 8)
    # mastery >= 0.7: only c s1 (5/6) of 8 learner-skill pairs
    assert k.loc["skills_validated", "value"] == pytest.approx(1 / 8)
    # validated: c s1 after q2 (5 min after q1), a s2 at q4 (6 days after q3)
    assert k.loc["time_to_competence_days", "value"] == pytest.approx((6 + 5 / 1440) / 2)
    assert pd.isna(k.loc["time_to_competence_change", "value"])  # no baseline: no verdict
    assert k.loc["time_to_competence_change", "met"] is None
    # L1 reflections 25, 15 -> 20 / 20; L2 35 / 30; L3 from event time 120 s = 2 / 10
    assert k.loc["time_ratio", "value"] == pytest.approx(1.0)
    # feedback 48 h after a's A1, 24 h after c's A1
    assert k.loc["feedback_delay_hours", "value"] == pytest.approx(36.0)


def test_time_to_competence_against_a_baseline(data, now):
    k = kpis(data, now, baseline_days=4.0).set_index("kpi")
    change = (6 + 5 / 1440) / 2 / 4.0 - 1
    assert k.loc["time_to_competence_change", "value"] == pytest.approx(change)
    assert k.loc["time_to_competence_change", "met"]  # -25 % <= -20 %


def test_validation_times(data):
    v = validation_times(data).set_index(["learner", "skill"])
    assert v.loc[("a", "s2"), "days"] == pytest.approx(6.0)
    assert v["validated_at"].notna().sum() == 2


def test_actual_minutes(data):
    m = actual_minutes(data).set_index("activity")
    assert m.loc["L1", "actual"] == 20 and m.loc["L1", "source"] == "reflection"
    assert m.loc["L2", "ratio"] == pytest.approx(35 / 30)
    assert m.loc["L3", "actual"] == pytest.approx(2.0) and m.loc["L3", "source"] == "events"


def test_kpi_trend_by_week(data, now):
    t = kpi_trend(data)
    wa = t[t["kpi"] == "weekly_active"].set_index("week")["value"]
    # week of 09-07: a b c; week of 09-14: a (L3) and c (A1 at 09-14 06:00); 09-21: a
    assert wa.to_dict() == {
        pd.Timestamp("2026-09-07", tz="UTC"): 0.75,
        pd.Timestamp("2026-09-14", tz="UTC"): 0.5,
        pd.Timestamp("2026-09-21", tz="UTC"): 0.25,
    }
    sv = t[t["kpi"] == "skills_validated"]["value"].tolist()
    # c s1 validated in week 09-07, a s2 in week 09-14, then a's A2 (0/4, skill s2, week
    # 09-21) takes it back: the last week is the KPI's value (1/8), not a running total
    assert sv == [1 / 8, 2 / 8, 1 / 8]
    assert sv[-1] == kpis(data, now).set_index("kpi").loc["skills_validated", "value"]


def test_a_class_without_events_still_gets_a_risk_table(data, now):
    from parcours.analytics.frames import assemble, events_frame

    quiet = assemble(
        list(data.courses.values()),
        events_frame([]),
        data.grades,
        data.submissions,
        learners=data.learners,
    )
    r = at_risk(quiet, None, now).set_index("learner")
    assert r.loc["b", "reasons"] == ["days_inactive", "missed_deadlines"]
    assert r.loc["a", "unanswered"] == 0.0


def test_an_empty_class_gives_empty_tables(course, now):
    from parcours.analytics import class_report
    from parcours.analytics.frames import assemble, events_frame

    report = class_report(assemble([course], events_frame([])), now)
    assert report.learners.empty and report.risk.empty and report.mastery.empty
    assert len(report.kpis) == 7 and report.kpis["value"].isna().all()
    assert report.funnel.empty or (report.funnel["reached"] == 0).all()
