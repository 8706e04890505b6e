"""Workload across courses and A/B comparison, figures worked out by hand."""

from __future__ import annotations

import hashlib
import math

import pandas as pd
import pytest
from parcours.analytics import (
    ab_compare,
    ab_version,
    compare_groups,
    daily_load,
    overload_summary,
    weekly_load,
)
from parcours.analytics.frames import assemble, events_frame
from parcours.i18n import language
from scipy import stats


@pytest.fixture
def two_courses(course_factory):
    """c1 (all learners) and c2 (only a): c2's module n1 = lesson K1 (5 min) and assignment
    B1 (200 min) open 09-14 08:00, due 09-14 20:00 — one day; c2 allows 5 h a week."""
    c1 = course_factory()
    c2 = course_factory(
        id="c2",
        skills=[{"id": "s1", "label": "S1"}],
        modules=[
            {
                "id": "n1",
                "title": "N1",
                "lessons": [
                    {
                        "id": "K1",
                        "title": "K1",
                        "notebook": "k1.ipynb",
                        "objectives": ["o"],
                        "minutes": 5,
                    }
                ],
            }
        ],
        assignments=[
            {
                "id": "B1",
                "title": "B1",
                "source": "source/B1",
                "module": "n1",
                "opens": "2026-09-14T08:00:00",
                "due": "2026-09-14T20:00:00",
                "points": 1,
                "minutes": 200,
            }
        ],
        workload={"hours_per_day": 3.5, "hours_per_week": 5},
    )
    learners = pd.DataFrame(
        {
            "course": ["c1", "c1", "c2"],
            "learner": ["a", "b", "a"],
            "student_id": ["alice", "bob", "alice"],
        }
    )
    return assemble([c1, c2], events_frame([]), learners=learners)


def test_daily_load_spreads_minutes_over_each_window(two_courses):
    d = daily_load(two_courses).set_index(["learner", "day"])
    # c1 week 09-07..09-13: L1 20 + L2 30 + A1 60 = 110 min over 7 days
    assert d.loc[("b", pd.Timestamp("2026-09-10")), "minutes"] == pytest.approx(110 / 7)
    # 09-14 for a: c1 (L3 10 + A2 120) / 7 + c2 (K1 5 + B1 200) on one day = 223.57 > 210
    a14 = d.loc[("a", pd.Timestamp("2026-09-14"))]
    assert a14["minutes"] == pytest.approx(130 / 7 + 205)
    assert a14["limit_minutes"] == 210 and a14["over"]
    assert not d.loc[("b", pd.Timestamp("2026-09-14")), "over"]
    assert d.loc[("b", pd.Timestamp("2026-09-14")), "minutes"] == pytest.approx(130 / 7)


def test_weekly_load_uses_the_strictest_limit(two_courses):
    daily = daily_load(two_courses)
    w = weekly_load(daily, two_courses).set_index(["learner", "week"])
    week = pd.Timestamp("2026-09-14")
    assert w.loc[("a", week), "minutes"] == pytest.approx(130 + 205)
    assert w.loc[("a", week), "limit_minutes"] == 300  # min(10 h, 5 h)
    assert w.loc[("a", week), "over"]
    assert w.loc[("b", week), "limit_minutes"] == 600 and not w.loc[("b", week), "over"]
    summary = overload_summary(daily, w).set_index("learner")
    assert summary.loc["a", "days_over"] == 1 and summary.loc["a", "weeks_over"] == 1
    assert summary.loc["b", "days_over"] == 0


def test_remaining_only_leaves_out_completed_work(data):
    # a completed everything in c1: nothing remains planned
    remaining = daily_load(data, remaining_only=True)
    assert "a" not in set(remaining["learner"])
    assert remaining[remaining["learner"] == "d"]["minutes"].sum() == pytest.approx(240)


def test_ab_version_is_a_stable_hash():
    digest = hashlib.sha256(b"2026:L3:p-0001").digest()
    expected = ["A", "B"][int.from_bytes(digest[:8], "big") % 2]
    assert ab_version("p-0001", "L3", ["B", "A"], 2026) == expected
    picks = [ab_version(f"p-{i}", "L3", ["A", "B"], 2026) for i in range(2000)]
    assert 900 < picks.count("A") < 1100  # uniform
    assert picks == [ab_version(f"p-{i}", "L3", ["A", "B"], 2026) for i in range(2000)]


def test_small_groups_use_mann_whitney_and_warn():
    with language("fr"):
        r = compare_groups([1, 2, 3], [4, 5, 6], labels=("A", "B"))
    assert "trop petit" in r.warning
    with language("en"):
        r = compare_groups([1, 2, 3], [4, 5, 6], labels=("A", "B"))
    assert r.test == "mann-whitney"
    assert r.statistic == 9.0  # every B above every A
    assert r.effect == 1.0  # rank-biserial 2U/(n1 n2) - 1
    assert "too small" in r.warning
    # Welch interval for 5 - 2 = 3: se = sqrt(1/3 + 1/3), df = 4
    half = stats.t.ppf(0.975, 4) * math.sqrt(2 / 3)
    assert (r.ci_low, r.ci_high) == pytest.approx((3 - half, 3 + half))


def test_large_groups_use_welch_with_hedges_g():
    a = [0.0, 1.0] * 20  # mean .5, sd .5064
    b = [1.0, 1.0, 0.0] * 14  # mean .6667
    with language("en"):
        r = compare_groups(a, b)
    assert r.test == "welch" and r.n == (40, 42)
    assert r.p_value == pytest.approx(stats.ttest_ind(b, a, equal_var=False).pvalue)
    s = math.sqrt((39 * pd.Series(a).var() + 41 * pd.Series(b).var()) / 80)
    assert r.effect == pytest.approx((2 / 3 - 0.5) / s * (1 - 3 / (4 * 82 - 9)))
    assert r.warning == "No difference shown: the confidence interval includes 0."


def test_binary_outcome_uses_fisher():
    r = compare_groups([1, 0, 0, 0], [1, 1, 1, 0], binary=True)
    assert r.test == "fisher"
    assert r.effect == pytest.approx(0.5)  # 3/4 - 1/4
    assert r.p_value == pytest.approx(stats.fisher_exact([[3, 1], [1, 3]]).pvalue)
    assert r.ci_low < 0.5 < r.ci_high


def test_ab_compare_on_the_class(course):
    # two learners hashed to each version; L3 completed by one A and both B
    pool = [f"x{i}" for i in range(100)]
    side_a = [w for w in pool if ab_version(w, "L3", ["A", "B"], 2026) == "A"][:2]
    side_b = [w for w in pool if ab_version(w, "L3", ["A", "B"], 2026) == "B"][:2]
    events = [
        {
            "id": w,
            "timestamp": "2026-09-15T10:00:00+00:00",
            "actor": w,
            "verb": "completed",
            "course": "c1",
            "object_type": "lesson",
            "object_id": "L3",
            "lesson": "L3",
        }
        for w in [side_a[0], *side_b]
    ]
    learners = pd.DataFrame({"course": "c1", "learner": side_a + side_b, "student_id": ""})
    data = assemble([course], events_frame(events), learners=learners)
    with language("en"):
        r = ab_compare(data, "c1", "L3", "completed")
    assert r.versions == ("A", "B") and r.n == (2, 2)
    assert r.means == (0.5, 1.0) and r.effect == pytest.approx(0.5)
    assert r.test == "fisher"
    assert r.warning.startswith("Sample too small")
