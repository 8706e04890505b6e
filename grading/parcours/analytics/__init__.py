"""Class analytics: pure functions over pandas frames, called by the dashboards, the CLI
(``parcours report``, ``parcours groups``) and the exports. They never open a notebook.

Start with :func:`load_frames` (see :mod:`.frames` for every frame's columns), then::

    data = load_frames(config, ["analyse-de-donnees"])
    status = activity_status(data)               # learner × activity status
    report = class_report(data)                  # everything at once
    mastery = skill_mastery(data)
    teams(mastery, "lire", size=4, seed=config.random_seed)
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what the lazy names are, for type checkers; nothing imported at run time
    from .abtest import ABResult, ab_compare, ab_version, compare_groups
    from .dropout import dropout_points, funnel, status_matrix
    from .frames import ClassData, assemble, events_frame, load_frames
    from .groups import bands, pairs, teams
    from .kpi import actual_minutes, kpi_trend, kpis, validation_times, weekly_active
    from .mastery import beta_posterior, evidence, first_attempts, skill_mastery
    from .progress import (
        STATUSES,
        activity_status,
        progress_by_activity,
        progress_by_learner,
        progress_by_module,
    )
    from .report import (
        ClassReport,
        assignment_report,
        class_report,
        learner_report,
        question_report,
        write_report,
    )
    from .risk import at_risk
    from .workload import daily_load, overload_summary, weekly_load

#: public name -> submodule; imported on first use, so that importing one submodule
#: (e.g. abtest.ab_version in a learner's kernel) does not load pandas and scipy
_LAZY = {
    "ABResult": "abtest",
    "ClassData": "frames",
    "ClassReport": "report",
    "STATUSES": "progress",
    "ab_compare": "abtest",
    "ab_version": "abtest",
    "activity_status": "progress",
    "actual_minutes": "kpi",
    "assemble": "frames",
    "assignment_report": "report",
    "at_risk": "risk",
    "bands": "groups",
    "beta_posterior": "mastery",
    "class_report": "report",
    "compare_groups": "abtest",
    "daily_load": "workload",
    "dropout_points": "dropout",
    "events_frame": "frames",
    "evidence": "mastery",
    "first_attempts": "mastery",
    "funnel": "dropout",
    "kpi_trend": "kpi",
    "kpis": "kpi",
    "learner_report": "report",
    "load_frames": "frames",
    "overload_summary": "workload",
    "pairs": "groups",
    "progress_by_activity": "progress",
    "progress_by_learner": "progress",
    "progress_by_module": "progress",
    "question_report": "report",
    "skill_mastery": "mastery",
    "status_matrix": "dropout",
    "teams": "groups",
    "validation_times": "kpi",
    "weekly_active": "kpi",
    "weekly_load": "workload",
    "write_report": "report",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "STATUSES",
    "ABResult",
    "ClassData",
    "ClassReport",
    "ab_compare",
    "ab_version",
    "activity_status",
    "actual_minutes",
    "assemble",
    "assignment_report",
    "at_risk",
    "bands",
    "beta_posterior",
    "class_report",
    "compare_groups",
    "daily_load",
    "dropout_points",
    "events_frame",
    "evidence",
    "first_attempts",
    "funnel",
    "kpi_trend",
    "kpis",
    "learner_report",
    "load_frames",
    "overload_summary",
    "pairs",
    "progress_by_activity",
    "progress_by_learner",
    "progress_by_module",
    "question_report",
    "skill_mastery",
    "status_matrix",
    "teams",
    "validation_times",
    "weekly_active",
    "weekly_load",
    "write_report",
]
