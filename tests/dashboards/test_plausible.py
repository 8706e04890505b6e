"""The demo's synthetic class behaves like a real one, and the rules flag whom a tutor
would call: weekly activity moves smoothly, a minority of learners is flagged, each for a
reason of their own (never for missing reflections alone), and the skills-validated KPI
is the last value of its weekly series."""

from __future__ import annotations

import pandas as pd
from parcours.analytics import at_risk, kpi_trend, kpis
from parcours.analytics.risk import SUPPORTING
from parcours.i18n import language


def test_weekly_activity_moves_smoothly(dashboard_data) -> None:
    trend = kpi_trend(dashboard_data.frames)
    active = trend[trend["kpi"] == "weekly_active"].sort_values("week")["value"]
    # full weeks only: the first and the last may be cut by the simulation's edges
    weeks = active.iloc[1:-1].to_numpy()
    assert len(weeks) >= 4
    assert weeks.min() >= 0.5, weeks  # no week where the class vanishes
    assert abs(pd.Series(weeks).diff().dropna()).max() <= 0.2, weeks  # no 10 % -> 98 %


def test_a_minority_is_flagged_each_for_a_reason_to_act_on(dashboard_data) -> None:
    with language("en"):
        risk = at_risk(dashboard_data.frames, dashboard_data.risk_thresholds, dashboard_data.now)
    flagged = risk[risk["at_risk"]]
    assert 0 < len(flagged) < len(risk) / 3, flagged[["reasons", "why"]]
    for reasons, why in zip(flagged["reasons"], flagged["why"], strict=True):
        own = [r for r in reasons if r not in SUPPORTING]
        assert own, reasons  # never flagged for missing reflections alone
        assert why and "(s)" not in why  # plurals through ngettext, not "devoir(s)"
    assert not risk[~risk["at_risk"]]["reasons"].map(len).any()


def test_submissions_and_reflections_are_realistic(dashboard_data) -> None:
    subs = dashboard_data.frames.submissions
    assert 0.03 <= subs["late"].mean() <= 0.25  # some late hand-ins, not most
    ev = dashboard_data.frames.events
    reflected = ev[ev["verb"] == "reflected"]
    completed = ev[ev["verb"] == "completed"]
    # about one lesson in two gets a reflection; assignments more often
    assert 0.3 <= len(reflected[reflected["object_type"] == "lesson"]) / len(completed) <= 0.75


def test_skills_validated_is_the_end_of_its_weekly_series(dashboard_data) -> None:
    value = (
        kpis(dashboard_data.frames, dashboard_data.now)
        .set_index("kpi")
        .loc["skills_validated", "value"]
    )
    trend = kpi_trend(dashboard_data.frames)
    series = trend[trend["kpi"] == "skills_validated"].sort_values("week")["value"]
    assert series.iloc[-1] == value
