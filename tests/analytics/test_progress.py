"""Status, progress, funnel and status matrix on the hand-made class of conftest.py."""

from __future__ import annotations

import pandas as pd
from parcours.analytics import (
    activity_status,
    dropout_points,
    funnel,
    progress_by_activity,
    progress_by_learner,
    progress_by_module,
    status_matrix,
)


def test_activity_status_follows_the_rules(data, now):
    status = activity_status(data, now)
    table = status.pivot(index="learner", columns="activity", values="status")
    assert table.loc["a"].to_dict() == {
        "L1": "done",
        "L2": "done",
        "A1": "done",
        "L3": "done",
        "A2": "late",  # handed in 09-21 10:00, due 09-20 22:00
    }
    assert table.loc["b"].to_dict() == {
        "L1": "started",  # opened and answered, never completed
        "L2": "not_started",
        "A1": "missed",
        "L3": "not_started",
        "A2": "missed",
    }
    assert table.loc["c"].to_dict() == {
        "L1": "done",
        "L2": "done",
        "A1": "done",  # 09-14 06:00 is after the due date but within the extension (09-15)
        "L3": "not_started",
        "A2": "missed",
    }
    assert table.loc["d"].to_dict() == {
        "L1": "not_started",
        "L2": "not_started",
        "A1": "missed",
        "L3": "not_started",
        "A2": "missed",
    }


def test_before_the_due_date_nothing_is_missed(data, now):
    status = activity_status(data, "2026-09-10T00:00:00Z")
    assert not (status["status"] == "missed").any()


def test_progress_by_learner(data, now):
    prog = progress_by_learner(activity_status(data, now)).set_index("learner")
    # completed = done or late, out of 5 activities
    assert prog["completed"].to_dict() == {"a": 5, "b": 0, "c": 3, "d": 0}
    assert prog["completion"].to_dict() == {"a": 1.0, "b": 0.0, "c": 0.6, "d": 0.0}
    assert prog["late"].to_dict() == {"a": 1, "b": 0, "c": 0, "d": 0}
    assert prog["missed"].to_dict() == {"a": 0, "b": 2, "c": 1, "d": 2}
    assert prog.loc["a", "last_at"] == pd.Timestamp("2026-09-21T10:00:00Z")


def test_progress_by_activity_and_module(data, now):
    status = activity_status(data, now)
    acts = progress_by_activity(status).set_index("activity")
    assert list(acts.index) == ["L1", "L2", "A1", "L3", "A2"]
    assert acts["completed"].to_dict() == {"L1": 2, "L2": 2, "A1": 2, "L3": 1, "A2": 1}
    assert acts.loc["A1", "completion"] == 0.5
    mods = progress_by_module(status).set_index(["learner", "module"])
    # m1 holds L1, L2, A1; m2 holds L3, A2
    assert mods.loc[("c", "m1"), "finished"]
    assert mods.loc[("c", "m2"), "completed"] == 0
    assert mods.loc[("a", "m2"), "finished"]


def test_funnel_counts_who_reached_each_activity(data, now):
    f = funnel(activity_status(data, now)).set_index("activity")
    # reached = any trace: L1 a b c; L2 a c; A1 a c (submissions); L3 a; A2 a
    assert f["reached"].to_dict() == {"L1": 3, "L2": 2, "A1": 2, "L3": 1, "A2": 1}
    # furthest activity reached: b -> L1, c -> A1, a -> A2
    assert f["stopped_here"].to_dict() == {"L1": 1, "L2": 0, "A1": 1, "L3": 0, "A2": 1}
    assert f["drop"].to_dict() == {"L1": 1, "L2": 0, "A1": 1, "L3": 0, "A2": 0}
    assert f.loc["L1", "share"] == 0.75


def test_dropout_points_excludes_the_last_activity(data, now):
    points = dropout_points(activity_status(data, now))
    assert points["activity"].tolist() == ["L1", "A1"]


def test_status_matrix_in_course_order(data, now):
    status = activity_status(data, now)
    m = status_matrix(status, "c1")
    assert list(m.columns) == ["L1", "L2", "A1", "L3", "A2"]
    assert m.loc["b", "A1"] == "missed"
    codes = status_matrix(status, "c1", codes=True)
    # STATUSES order: not_started 0, started 1, done 2, late 3, missed 4
    assert codes.loc["a"].tolist() == [2, 2, 2, 2, 3]
    assert codes.loc["b"].tolist() == [1, 0, 4, 0, 4]
