"""Tables of the coordinator's page built as plain HTML from the view-model
(:mod:`.coordinator`): the workload alerts and the A/B comparisons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..i18n import _, ngettext
from . import ui

if TYPE_CHECKING:
    from .data import DashboardData


def workload_html(data: DashboardData) -> str:
    """The learners whose planned work over the next 7 days is above the limits."""
    from ..i18n import display
    from . import coordinator as vm

    workload = vm.workload_alerts(data)
    alerts = workload[workload["alert"]] if len(workload) else workload
    return (
        ui.heading(_("Workload alerts"))
        + "<p id='workload-count'>"
        + ngettext(
            "{n} learner above the limits over the next 7 days.",
            "{n} learners above the limits over the next 7 days.",
            len(alerts),
        ).format(n=display.integer(len(alerts)))
        + "</p>"
        + ui.table_html(
            alerts,
            {
                "name": _("Learner"),
                "week_minutes": _("Minutes this week"),
                "week_limit": _("Weekly limit"),
                "max_day_minutes": _("Busiest day (min)"),
                "day_limit": _("Daily limit"),
                "days_over": _("Days over"),
            },
            kinds={
                "week_minutes": "int",
                "week_limit": "int",
                "max_day_minutes": "int",
                "day_limit": "int",
                "days_over": "int",
            },
            table_id="table-workload",
        )
    )


def ab_html(data: DashboardData) -> str:
    """Each lesson's A/B versions compared (test, p, effect size and its interval)."""
    from . import coordinator as vm

    ab = vm.ab_results(data)
    if len(ab):
        titles = [
            vm.activity_title(data, c, a) for c, a in zip(ab["course"], ab["lesson"], strict=True)
        ]
        ab = ab.assign(lesson=titles)
    return ui.heading(_("A/B comparisons")) + ui.table_html(
        ab,
        {
            **({"course": _("Course")} if len(data.courses) > 1 else {}),
            "lesson": _("Lesson"),
            "a": "A",
            "b": "B",
            "n_a": "n A",
            "n_b": "n B",
            "mean_a": _("Mean A"),
            "mean_b": _("Mean B"),
            "test": _("Test"),
            "p_value": "p",
            "effect": _("Effect size"),
            "ci_low": _("CI low"),
            "ci_high": _("CI high"),
            "warning": _("Warning"),
        },
        kinds={"n_a": "int", "n_b": "int", "mean_a": "%", "mean_b": "%"},
        table_id="table-ab",
    )
