"""The coordinator's page (``notebooks/coordinator.ipynb``): courses, KPIs, learners at risk,
dropout, mastery, groups, workload, A/B — laid out from :mod:`.coordinator`'s numbers
over :class:`.pages.Page`, like :mod:`.teacher_page` and
:mod:`.learner_page`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..i18n import N_, _, ngettext
from . import badges, blocks, teams, tutoring, ui
from .coordinator_tables import ab_html, workload_html
from .pages import HEATMAP_LABELS_MAX, HEATMAP_MAX_PX, PERIODS, STATUS_NAMES, Page, State

if TYPE_CHECKING:
    from .data import DashboardData


class CoordinatorPage(Page):
    """Courses, KPIs, learners at risk, dropout, mastery, groups, workload, A/B."""

    title_id = N_("Coordinator dashboard")
    query_keys = ("lang", "course", "cohort", "group", "period")

    @classmethod
    def build_ahead(cls, state: State, pictures: bool) -> Page:
        """The default page, its numbers computed first (:func:`.coordinator.warm`)."""
        from .coordinator import warm

        warm(state.data)
        return super().build_ahead(state, pictures)

    def __init__(self, state: State, query: dict[str, str]):
        import ipywidgets as w

        from .coordinator import filter_options

        super().__init__(state, query)
        options = filter_options(state.data)

        def asked(name: str, known: list[str]) -> str:
            value = query.get(name, "")
            return value if value in known else ""

        period = query.get("period", "")
        self.filters = {
            "course": w.Dropdown(
                value=asked("course", options["course"]),
                options=[("*", ""), *[(state.data.courses[c].title, c) for c in options["course"]]],
            ),
            "cohort": w.Dropdown(
                value=asked("cohort", options["cohort"]),
                options=[("*", ""), *[(c, c) for c in options["cohort"]]],
            ),
            "group": w.Dropdown(
                value=asked("group", options["group"]),
                options=[("*", ""), *[(c, c) for c in options["group"]]],
            ),
            "period": w.Dropdown(
                value=int(period) if period.isdigit() and int(period) in PERIODS else 0,
                options=[(str(p), p) for p in PERIODS],
            ),
        }
        for name, widget in self.filters.items():
            widget.add_class(f"parcours-filter-{name}")
            widget.observe(lambda _change: self.refresh(), names="value")
        self.controls.append(w.HBox(list(self.filters.values())))
        self.skill = w.Dropdown()
        self.mode = w.Dropdown()
        self.size = w.BoundedIntText(value=3, min=2, max=5)
        for widget, css in ((self.skill, "skill"), (self.mode, "mode"), (self.size, "size")):
            widget.add_class(f"parcours-groups-{css}")
            widget.observe(lambda _change: self._groups_changed(), names="value")
        self.groups_out = w.Output()
        # the CSV export is made on demand: a class's whole list would weigh on every visit
        self.export = w.Button(icon="download")
        self.export.add_class("parcours-groups-export")
        self.export.on_click(lambda _button: self._export_groups())
        self.export_link = w.HTML()

    def state_query(self) -> dict[str, str]:
        return {
            name: str(widget.value)
            for name, widget in self.filters.items()
            if widget.value not in ("", 0, None)
        }

    def filtered(self) -> DashboardData:
        import pandas as pd

        f = self.filters
        days = f["period"].value
        since = self.state.data.now - pd.Timedelta(days=days) if days else None
        return self.state.data.filtered(
            course=f["course"].value, cohort=f["cohort"].value, group=f["group"].value, since=since
        )

    def sections(self) -> list[Any]:
        import ipywidgets as w

        from . import coordinator as vm

        labels = {
            "course": _("Course"),
            "cohort": _("Cohort"),
            "group": _("Group"),
            "period": _("Period (days, 0 = all)"),
        }
        for name, widget in self.filters.items():
            widget.description = labels[name]
            widget.style = {"description_width": "initial"}
        data = self.filtered()
        self._data = data
        # Static parts are few blocks of plain HTML and figure outputs: written into the
        # first view's HTML page, and one Output widget each once the page is live.
        batch: list[Any] = []
        out: list[Any] = []

        def add(text: str, css: str = "") -> None:
            batch.append(lambda: blocks.show_html(f"<div class='{css}'>{text}</div>"))

        def flush() -> None:
            parts = list(batch)
            batch.clear()
            if parts:
                out.append(blocks.Static.of(lambda: [part() for part in parts]))

        from ..i18n import display

        zone = vm.page_zone(data)
        add(
            "<p id='as-of'>"
            + _("Data as of {moment}.").format(moment=display.moment(data.now, zone))
            + "</p>"
        )
        overview = vm.courses_overview(data)
        add(
            ui.heading(_("Courses"))
            + ui.table_html(
                overview,
                {
                    "course": _("Course"),
                    "title": _("Title"),
                    "learners": _("Learners"),
                    "activities": _("Activities"),
                    "completion": _("Completion"),
                    "weekly_active": _("Active this week"),
                    "quiz_mean": _("Quiz mean"),
                },
                kinds={
                    "completion": "%",
                    "weekly_active": "%",
                    "quiz_mean": "%",
                    "learners": "int",
                    "activities": "int",
                },
                table_id="table-courses",
            ),
            "parcours-section-courses",
        )
        if data.frames.learners.empty:
            none = _("No learner matches these filters.")
            add(f"<p id='no-learners'>{none}</p>")
            flush()
            return out
        kpis = vm.course_kpis(data)
        add(ui.heading(_("KPIs against targets")) + ui.kpi_cards(kpis), "parcours-section-kpis")
        batch.append(lambda: self._trend(kpis, zone))
        risk = vm.learners_at_risk(data)
        add(
            ui.heading(_("Learners at risk"))
            + "<p id='risk-count'>"
            + ngettext("{n} learner flagged.", "{n} learners flagged.", len(risk)).format(
                n=display.integer(len(risk))
            )
            + "</p>"
            + ui.table_html(
                risk,
                {
                    "name": _("Learner"),
                    "course": _("Course"),
                    "cohort": _("Cohort"),
                    "group": _("Group"),
                    "n_reasons": _("Rules"),
                    "why": _("Reasons"),
                    "days_inactive": _("Days inactive"),
                },
                kinds={"n_reasons": "int", "days_inactive": "int"},
                table_id="table-risk",
            ),
            "parcours-section-risk",
        )
        flush()  # tutors' follow-ups of these learners (compliance, dashboards/followups.py)
        from .followups import followups_panel

        out.append(followups_panel(self.state.config, data, risk))
        batch.append(lambda: tutoring.show(self.state.config, data))  # #26
        batch.append(lambda: self._dropout(data))
        batch.append(lambda: self._mastery(data))
        add(ui.heading(_("Differentiation groups")))
        flush()
        self._groups_controls(data)
        out.append(w.HBox([self.skill, self.mode, self.size, self.export, self.export_link]))
        if self.live:
            self._render_groups()
        else:  # first view: the table as HTML (75 KB for 1,000 learners; not twice in widgets)
            self.groups_out.outputs = ()
            out.append(blocks.Static.of(self._render_groups_table))
        out.append(self.groups_out)
        batch.append(lambda: teams.show_formed(self.state.config, data))  # #27: teams formed
        batch.append(lambda: badges.show_issued(self.state.config, data))  # #28
        add(workload_html(data), "parcours-section-workload")
        add(ab_html(data), "parcours-section-ab")
        flush()
        return out

    def _trend(self, kpis: list[Any], zone: str) -> None:
        import pandas as pd

        from ..i18n import display

        # weeks as the language writes them (21 sept.), made here: plotly.js would name
        # the months in English
        traces = [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": [display.short_day(pd.Timestamp(w), zone) for w in k.weeks],
                "y": k.trend,
                "name": f"{_(k.key)} ({k.course})",
            }
            for k in kpis
            if k.key in ("weekly_active", "quiz_mean") and k.trend
        ]
        blocks.show_figure(
            ui.figure(
                "line",
                title=_("KPI trend per week"),
                x_title=_("Week starting"),
                y_title=_("Share"),
                x=[],
                y=[],
                traces=traces,
                y_range=[0, 1.05],
                y_percent=True,
            ),
            "trend",
        )

    def _dropout(self, data: DashboardData) -> None:
        from .coordinator import funnel_chart, heatmap

        labels, reached = funnel_chart(data)
        blocks.show_html(ui.heading(_("Dropout points")))
        blocks.show_figure(
            ui.figure(
                "bar",
                title=_("Learners reaching each activity"),
                x_title=_("Activity"),
                y_title=_("Learners"),
                x=labels,
                y=reached,
            ),
            "funnel",
        )
        names = [_(s) for s in STATUS_NAMES]
        scale = [
            [0.0, "#eeeeee"],
            [0.25, "#9ecae1"],
            [0.5, "#31a354"],
            [0.75, "#fdae6b"],
            [1.0, "#de2d26"],
        ]
        for cid in data.courses:
            x, y, z = heatmap(data, cid)
            if not y:
                continue
            blocks.show_figure(
                ui.figure(
                    "heatmap",
                    title=_("Learner × activity status ({course})").format(
                        course=data.courses[cid].title
                    ),
                    x_title=_("Activity"),
                    y_title=_("Learner"),
                    z=z,
                    x=x,
                    y=y,
                    colorscale=scale,
                    colorbar={"tickvals": [0, 1, 2, 3, 4], "ticktext": names},
                    height=min(max(360, 12 * len(y) + 140), HEATMAP_MAX_PX),
                    y_labels=len(y) <= HEATMAP_LABELS_MAX,
                ),
                f"heatmap-{cid}",
            )

    def _mastery(self, data: DashboardData) -> None:
        from .coordinator import mastery_by_skill, mastery_labels, skill_label

        m = mastery_by_skill(data)
        blocks.show_html(ui.heading(_("Skill mastery")))
        blocks.show_figure(
            ui.figure(
                "bar",
                title=_("Mean mastery per skill"),
                x_title=_("Skill"),
                y_title=_("Mastery"),
                x=mastery_labels(data, m),
                y=m["mastery"].round(3).tolist(),
                y_percent=True,
                y_range=[0, 1.05],
            ),
            "mastery",
        )
        blocks.show_html(
            ui.table_html(
                m.assign(
                    skill=[
                        skill_label(data, c, s)
                        for c, s in zip(m["course"], m["skill"], strict=True)
                    ]
                ),
                {
                    "course": _("Course"),
                    "skill": _("Skill"),
                    "mastery": _("Mastery"),
                    "width": _("Uncertainty (interval width)"),
                    "remediation": _("remediation"),
                    "consolidation": _("consolidation"),
                    "extension": _("extension"),
                },
                kinds={
                    "mastery": "%",
                    "width": "%",
                    "remediation": "int",
                    "consolidation": "int",
                    "extension": "int",
                },
                table_id="table-mastery",
            )
        )

    def _groups_controls(self, data: DashboardData) -> None:
        """Refill the skill and mode choices (labels in the language in force) without
        re-rendering the groups for every intermediate value."""
        labels = {s.id: s.label for c in data.courses.values() for s in c.skills}
        skills = sorted(labels)
        self._building = True
        try:
            current = self.skill.value
            self.skill.options = [(labels[s], s) for s in skills]
            if skills:
                self.skill.value = current if current in skills else skills[0]
            current_mode = self.mode.value or "bands"
            self.mode.options = [
                (_("bands"), "bands"),
                (_("pairs"), "pairs"),
                (_("teams"), "teams"),
            ]
            self.mode.value = current_mode
        finally:
            self._building = False
        self.export.description = _("Prepare the CSV file")
        self.skill.description = _("Skill")
        self.size.description = _("Team size")
        self.mode.description = _("Grouping")
        for widget in (self.skill, self.size, self.mode):  # labels whole, never cut
            widget.style = {"description_width": "initial"}
        self.export.layout.width = "auto"

    def _groups(self) -> tuple[Any, str, str] | None:
        """The groups of the current skill, mode and size (frame, mode, skill); None when
        there is nothing to group. Raises ParcoursError when they cannot be made."""
        from . import coordinator as vm

        data = getattr(self, "_data", None)
        skill = self.skill.value
        if data is None or not skill:
            return None
        mode = self.mode.value or "bands"
        return vm.groups(data, skill, mode, int(self.size.value)), mode, skill

    def _groups_changed(self) -> None:
        """A grouping control changed: the groups anew (the page as widgets first, if it
        still shows its first view, where the groups are HTML)."""
        if getattr(self, "_building", False):
            return
        if self.live:
            self._render_groups()
        else:
            self.refresh()

    def _render_groups(self) -> None:
        """The groups into their output widget."""
        self.export_link.value = ""  # an export made for other groups would mislead
        blocks.output_of(self._render_groups_table, self.groups_out)

    def _render_groups_table(self) -> None:
        """Show the groups' table (or why there is none)."""
        from ..errors import ParcoursError

        try:
            made = self._groups()
        except ParcoursError as exc:
            blocks.show_html(f"<p role='alert'>{ui.html.escape(str(exc))}</p>")
            return
        if made is None:
            return
        frame, mode, _skill = made
        columns = {"name": _("Learner"), "mean": _("Mastery"), "why_named": _("Why")}
        if mode == "bands":
            columns = {"name": _("Learner"), "band": _("Band"), **columns}
        elif mode == "pairs":
            columns = {"group": _("Pair"), "role": _("Role"), **columns}
        else:
            columns = {"team": _("Team"), "role_name": _("Role"), **columns}
        if frame["course"].nunique() > 1:  # groups are made within each course
            columns = {"course": _("Course"), **columns}
        blocks.show_html(
            ui.table_html(frame, columns, translate=("band", "role"), table_id="table-groups")
        )

    def _export_groups(self) -> None:
        """The current groups as a CSV download link (every learner, the reasons in the
        language in force)."""
        from ..errors import ParcoursError

        try:
            made = self._groups()
        except ParcoursError as exc:
            self.export_link.value = f"<span role='alert'>{ui.html.escape(str(exc))}</span>"
            return
        if made is None:
            return
        frame, mode, skill = made
        from .names import pseudonymous

        frame = pseudonymous(frame)  # exports stay pseudonymous
        self.export_link.value = ui.csv_link(frame, f"{mode}-{skill}.csv", _("Download as CSV"))
