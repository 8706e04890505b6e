"""The teacher's and the learner's dashboard pages (see :mod:`.pages` for the pattern)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from ..i18n import N_, _, ngettext
from . import ui
from .pages import Page, State

if TYPE_CHECKING:
    from .data import DashboardData
    from .learner import Viewer

#: the review questions a learner's page lists (the most overdue; the rest are counted)
REVIEW_ROWS = 10


class TeacherPage(Page):
    """Per assignment: hand-ins, grading, scores, hard questions, reflections, feedback
    delay; actions (extension, remediation release) behind a confirmation."""

    title_id = N_("Teacher dashboard")
    query_keys = ("lang", "assignment")

    def __init__(self, state: State, query: dict[str, str]):
        import ipywidgets as w

        from .teacher import assignments

        super().__init__(state, query)
        choices = assignments(state.data)
        from ..hub.dashboards import hub_mode, hub_viewer

        if hub_mode():  # on the hub: the courses the visitor teaches (all: coordinators)
            _user, role, courses = hub_viewer()
            choices = [c for c in choices if role == "coordinator" or c[0] in courses]
        values = [f"{c}/{a}" for c, a, _t in choices]
        wanted = query.get("assignment", "")
        several = len({c for c, _a, _t in choices}) > 1
        self.assignment = w.Dropdown(
            options=[
                (f"{state.data.courses[c].title}: {t}" if several else t, f"{c}/{a}")
                for c, a, t in choices
            ],
            value=wanted if wanted in values else (values[0] if values else None),
        )
        self.assignment.add_class("parcours-assignment")
        self.assignment.layout.width = "auto"
        self.assignment.observe(lambda _change: self.refresh(), names="value")
        self.controls.append(self.assignment)
        self.message = w.HTML()
        self.message.add_class("parcours-action-message")

    def state_query(self) -> dict[str, str]:
        return {"assignment": self.assignment.value} if self.assignment.value else {}

    def course_language(self, state: State, query: dict[str, str]) -> str | None:
        """The language of the assignment's course (the one asked for, else the first)."""
        from .pages import shared_language
        from .teacher import assignments

        wanted = query.get("assignment", "").split("/", 1)[0]
        first = next((c for c, _a, _t in assignments(state.data)), "")
        return shared_language(state.data, [wanted if wanted in state.data.courses else first])

    def sections(self) -> list[Any]:
        from . import teacher as vm

        data = self.state.data
        self.assignment.description = _("Assignment")
        self.assignment.style = {"description_width": "initial"}
        out: list[Any] = []
        if not self.assignment.value:
            return [self.html(f"<p>{_('Nothing to show.')}</p>")]
        from ..i18n import display

        course, name = self.assignment.value.split("/", 1)
        s = vm.assignment_status(data, course, name)
        rows = [
            (_("Learners"), s.learners),
            (_("Submitted on time"), s.on_time),
            (_("Submitted late"), s.late),
            (_("Missing"), s.missing),
            (_("Not yet due"), s.not_due),
            (_("Autograded"), s.autograded),
            (_("Needs manual grading"), s.needs_manual),
            (_("Feedback released"), s.feedback_released),
            (_("Median feedback delay"), display.days(s.median_feedback_days)),
        ]
        cells = "".join(
            f"<tr><th scope='row'>{html.escape(k)}</th><td class='n' data-v='{v}'>"
            f"{html.escape(display.integer(v) if isinstance(v, int) else str(v))}</td></tr>"
            for k, v in rows
        )
        out.append(
            self.html(
                ui.heading(_("Hand-ins and grading"))
                + f"<table class='parcours-table' id='table-status'>{cells}</table>",
                "parcours-section-status",
            )
        )
        scores = vm.score_distribution(data, course, name)
        questions = vm.question_difficulty(data, course, name)

        def figures() -> None:
            ui.show_figure(
                ui.figure(
                    "histogram",
                    title=_("Score distribution"),
                    x_title=_("Score (share of points)"),
                    x_percent=True,
                    y_title=_("Learners"),
                    x=scores.tolist(),
                ),
                "scores",
            )
            graded = questions[questions["graded"] > 0]
            ui.show_figure(
                ui.figure(
                    "bar",
                    title=_("Share of graded answers failing each question"),
                    x_title=_("Question"),
                    y_title=_("Share failing"),
                    x=graded["question"].astype(str).tolist(),
                    y=graded["failed"].astype(float).round(3).tolist(),
                    y_percent=True,
                    y_range=[0, 1.05],
                ),
                "questions",
            )
            waiting = int(questions["to_grade"].sum()) if len(questions) else 0
            if waiting:
                note = ngettext(
                    "{n} answer is still to grade by hand: it is counted apart, not as a failure.",
                    "{n} answers are still to grade by hand: they are counted apart, not as "
                    "failures.",
                    waiting,
                ).format(n=display.integer(waiting))
                ui.show_html(f"<p id='to-grade-note' class='parcours-note'>{html.escape(note)}</p>")
            ui.show_html(
                ui.table_html(
                    questions,
                    {
                        "question": _("Question"),
                        "graded": _("Graded"),
                        "to_grade": _("To grade"),
                        "mean": _("Mean score"),
                        "failed": _("Failing"),
                    },
                    kinds={"mean": "%", "failed": "%", "graded": "int", "to_grade": "int"},
                    table_id="table-questions",
                )
            )

        out.append(ui.Static.of(figures))
        r = vm.reflections_summary(data, course, name)
        items = "".join(f"<li>{html.escape(str(k))} ({n})</li>" for k, n in r["difficulties"])
        helps = "".join(f"<li>{html.escape(str(k))} ({n})</li>" for k, n in r["help"])
        out.append(
            self.html(
                ui.heading(_("Reflections"))
                + "<p id='reflections-summary'>"
                + html.escape(
                    ngettext(
                        "{n} reflection; {minutes} spent on average; confidence {confidence} / 5.",
                        "{n} reflections; {minutes} spent on average; confidence {confidence} / 5.",
                        r["count"],
                    ).format(
                        n=display.integer(r["count"]),
                        minutes=display.minutes(r["mean_minutes"]),
                        confidence=display.number(r["mean_confidence"], 1),
                    )
                )
                + "</p>"
                + f"<p>{_('Difficulties named most')}</p><ul>{items}</ul>"
                + f"<p>{_('Help used')}</p><ul>{helps}</ul>",
                "parcours-section-reflections",
            )
        )
        out.extend(self._actions(data, course, name))
        return out

    def _actions(self, data: DashboardData, course: str, assignment: str) -> list[Any]:
        import ipywidgets as w

        from ..i18n import display
        from . import teacher as vm
        from .coordinator import activity_title

        def vm_title(assignment_id: str) -> str:
            return activity_title(data, course, assignment_id)

        learners = vm.learner_choices(data, course)
        who = w.Dropdown(options=learners, description=_("Learner"))
        days = w.BoundedFloatText(value=2, min=0.5, max=60, step=0.5, description=_("Days"))
        extend = w.Button(description=_("Extend…"))
        skill_labels = {s.id: s.label for s in data.courses[course].skills}
        skill = w.Dropdown(
            options=[(label, sid) for sid, label in skill_labels.items()], description=_("Skill")
        )
        band = w.Dropdown(
            options=[
                (_("remediation"), "remediation"),
                (_("consolidation"), "consolidation"),
                (_("extension"), "extension"),
            ],
            description=_("Band"),
        )
        release = w.Button(description=_("Release remediation…"))
        for widget, css in (
            (who, "extend-learner"),
            (days, "extend-days"),
            (skill, "release-skill"),
            (band, "release-band"),
        ):
            widget.add_class(f"parcours-{css}")
            widget.style = {"description_width": "initial"}
        for button in (extend, release):
            button.layout.width = "auto"
        confirm = w.Button(description=_("Confirm"), button_style="danger")
        cancel = w.Button(description=_("Cancel"))
        box = w.VBox([])
        pending: dict[str, Any] = {}

        def ask(text: str, action: Any) -> None:
            pending["action"] = action
            self.message.value = f"<p role='alert'>{html.escape(text)}</p>"
            box.children = [confirm, cancel]

        def on_extend(_b: Any) -> None:
            ask(
                _("Give {learner} {days} more on {assignment}?").format(
                    learner=who.value,
                    days=display.days(days.value),
                    assignment=vm_title(assignment),
                ),
                lambda: vm.extend_learner(
                    self.state.config, data, course, assignment, who.value, days.value
                ),
            )

        def on_release(_b: Any) -> None:
            members = vm.band_members(data, course, skill.value, band.value)
            ask(
                ngettext(
                    "Release {assignment} to the {n} learner of the band {band} on {skill}?",
                    "Release {assignment} to the {n} learners of the band {band} on {skill}?",
                    len(members),
                ).format(
                    assignment=vm_title(assignment),
                    n=len(members),
                    band=_(band.value),
                    skill=skill_labels.get(skill.value, skill.value),
                ),
                lambda: vm.release_remediation(
                    self.state.config, data, course, assignment, members
                ),
            )

        def on_confirm(_b: Any) -> None:
            from ..errors import ParcoursError

            action = pending.pop("action", None)
            box.children = []
            if action is None:
                return
            try:
                done = action()
            except ParcoursError as exc:
                self.message.value = f"<p role='alert'>{html.escape(str(exc))}</p>"
                return
            said = f"{_('Done:')} {done}"
            self.message.value = f"<p role='status'>{html.escape(said)}</p>"

        def on_cancel(_b: Any) -> None:
            pending.clear()
            box.children = []
            self.message.value = f"<p role='status'>{html.escape(_('Cancelled.'))}</p>"

        extend.on_click(on_extend)
        release.on_click(on_release)
        confirm.on_click(on_confirm)
        cancel.on_click(on_cancel)
        return [
            self.html(ui.heading(_("Actions"))),
            w.HBox([who, days, extend]),
            w.HBox([skill, band, release]),
            self.message,
            box,
        ]


class LearnerPage(Page):
    """My path, deadlines, results and feedback, mastery, week's workload, review queue."""

    title_id = N_("My progress")

    def __init__(self, state: State, query: dict[str, str], environ: dict[str, str] | None = None):
        from ..errors import BadInputError
        from .learner import pseudonym, resolve_learner

        self.error = ""
        self.viewer: Viewer | None
        try:  # environ: who asks, when a server renders the page (dashboards/served.py)
            self.viewer = resolve_learner(state.config, query, environ)
        except BadInputError as exc:
            self.viewer = None
            self.error = str(exc)
        self.pseudo = pseudonym(state.data, self.viewer.student_id) if self.viewer else ""
        #: what this viewer may see of the learner: her courses' rows only for a teacher
        self.data = state.data
        if self.viewer is not None and self.viewer.courses is not None:
            self.data = state.data.only_courses(self.viewer.courses)
        super().__init__(state, query)

    def course_language(self, state: State, query: dict[str, str]) -> str | None:
        """The language of the learner's courses when they share one."""
        from .pages import shared_language

        learners = self.data.frames.learners
        if not self.pseudo or learners.empty:
            return shared_language(state.data, [])
        mine = learners[learners["learner"] == self.pseudo]["course"]
        return shared_language(state.data, [str(c) for c in mine.unique()])

    def sections(self) -> list[Any]:
        from ..pipeline.deadlines import lateness
        from . import learner as vm

        if self.viewer is None:
            return [self.html(f"<p role='alert' id='learner-error'>{html.escape(self.error)}</p>")]
        from ..i18n import display
        from .coordinator import activity_title, skill_label

        data, me = self.data, self.pseudo
        out: list[Any] = [
            self.html(
                f"<p id='learner-name'>{html.escape(_('Learner'))}: "
                f"<strong>{html.escape(self.viewer.student_id)}</strong></p>"
            )
        ]
        path = vm.my_path(data, me).assign(next=lambda f: f["next"].map({True: "→", False: ""}))
        path["deadline"] = data.shown_times(
            path["course"], path["deadline"], self.lang, path["activity"]
        )
        # a learner of several courses reads which course each line belongs to
        course = {"course": _("Course")} if path["course"].nunique() > 1 else {}
        out.append(
            self.html(
                ui.heading(_("My path"))
                + ui.table_html(
                    path,
                    {
                        **course,
                        "next": _("Next"),
                        "title": _("Activity"),
                        "kind": _("Kind"),
                        "minutes": _("Estimated minutes"),
                        "deadline": _("Due"),
                        "status": _("Status"),
                    },
                    translate=("status", "kind"),
                    kinds={"minutes": "int"},
                    table_id="table-path",
                ),
                "parcours-section-path",
            )
        )
        deadlines = vm.my_deadlines(data, me)
        # each date in the zone its assignment was written in, the zone named: the
        # browser's own zone is not known to the server
        deadlines["due"] = data.shown_times(
            deadlines["course"], deadlines["due"], self.lang, deadlines["activity"]
        )
        deadlines["deadline"] = data.shown_times(
            deadlines["course"], deadlines["deadline"], self.lang, deadlines["activity"]
        )
        out.append(
            self.html(
                ui.heading(_("My deadlines"))
                + ui.table_html(
                    deadlines,
                    {
                        **course,
                        "title": _("Assignment"),
                        "due": _("Due"),
                        "deadline": _("My deadline"),
                        "extended": _("Extension"),
                        "days_left": _("Days left"),
                        "status": _("Status"),
                    },
                    translate=("status",),
                    table_id="table-deadlines",
                ),
                "parcours-section-deadlines",
            )
        )
        results = vm.my_results(data, me)
        results["assignment"] = [
            activity_title(data, c, a)
            for c, a in zip(results["course"], results["assignment"], strict=True)
        ]
        results["timestamp"] = data.shown_times(
            results["course"], results["timestamp"], self.lang, results["assignment"]
        )
        results["late"] = [
            lateness(s, self.lang) if s > 0 else _("no") for s in results["late_seconds"]
        ]
        out.append(
            self.html(
                ui.heading(_("My results"))
                + ui.table_html(
                    results,
                    {
                        **course,
                        "assignment": _("Assignment"),
                        "timestamp": _("Submitted"),
                        "late": _("Late by"),
                        "raw_score": _("Raw score"),
                        "penalty": _("Late penalty"),
                        "score": _("Score"),
                        "max_score": _("Points"),
                        "fraction": _("Score (%)"),
                        "feedback": _("Feedback"),
                    },
                    kinds={"fraction": "%"},
                    table_id="table-results",
                ),
                "parcours-section-results",
            )
        )
        mastery = vm.my_mastery(data, me)
        mastery = mastery.assign(
            skill=[
                skill_label(data, c, s)
                for c, s in zip(mastery["course"], mastery["skill"], strict=True)
            ]
        )
        seen = mastery[mastery["n"] > 0] if len(mastery) else mastery
        week = vm.my_week(data, me)

        def figures() -> None:
            # each estimate with its interval (9 chances in 10 that the mastery lies in
            # it); skills without evidence have no bar (their 0.5 would be a guess)
            ui.show_figure(
                ui.figure(
                    "bars with intervals",
                    title=_("My mastery per skill"),
                    x_title=_("Skill"),
                    y_title=_("Mastery (0 to 1)"),
                    x=seen["skill"].tolist(),
                    y=seen["mean"].round(3).tolist(),
                    low=seen["low"].round(3).tolist(),
                    high=seen["high"].round(3).tolist(),
                    y_range=[0, 1.05],
                ),
                "my-mastery",
            )
            ui.show_figure(
                ui.figure(
                    "bar",
                    title=_("My planned work this week"),
                    x_title=_("Day"),
                    y_title=_("Minutes"),
                    x=[display.short_day(d) for d in week["day"]],
                    y=week["minutes"].tolist(),
                    lines=[float(week["limit"].iloc[0])],
                ),
                "my-week",
            )

        out.append(ui.Static.of(figures))
        out.append(
            self.html(
                ui.heading(_("My mastery per skill"))
                + "<p id='mastery-note' class='parcours-note'>"
                + html.escape(
                    _(
                        "Each bar estimates your mastery from your answers to the quizzes "
                        "and your graded work; the line through it is its interval: 9 chances "
                        "in 10 that your mastery lies there. Few answers give a long line. "
                        "Skills without answers yet have no bar: nothing is known of them."
                    )
                )
                + "</p>"
                + ui.table_html(
                    mastery.assign(
                        interval=[
                            f"{display.percent(lo)} – {display.percent(hi)}"
                            for lo, hi in zip(mastery["low"], mastery["high"], strict=True)
                        ],
                        mean=[
                            m if n > 0 else None
                            for m, n in zip(mastery["mean"], mastery["n"], strict=True)
                        ],
                    ),
                    {
                        "skill": _("Skill"),
                        "mean": _("Mastery"),
                        "interval": _("Interval (9 in 10)"),
                        "n": _("Evidence"),
                        "band": _("Band"),
                        "why": _("Why"),
                    },
                    kinds={"mean": "%", "n": "int"},
                    translate=("band",),
                    table_id="table-my-mastery",
                ),
                "parcours-section-mastery",
            )
        )
        out.append(self._review(data, me))
        return out

    def _review(self, data: DashboardData, me: str) -> ui.Static:
        """Today's review: how many questions and minutes, then the most overdue ones by
        their text and lesson (not their ids), and how long each has waited."""
        from ..i18n import display
        from . import learner as vm
        from .coordinator import activity_title

        queue = vm.review_queue(self.state.config, data, me)
        if queue.empty:
            summary = _("Nothing to review today.")
        else:
            summary = ngettext(
                "{n} question to review today (about {minutes} min).",
                "{n} questions to review today (about {minutes} min).",
                len(queue),
            ).format(n=len(queue), minutes=display.number(queue["minutes"].sum(), 0))
            if len(queue) > REVIEW_ROWS:
                summary += " " + _(
                    "The {shown} waiting longest are listed here; your review notebook "
                    "has them all."
                ).format(shown=REVIEW_ROWS)
        shown = queue.head(REVIEW_ROWS).copy()
        shown["lesson"] = [
            activity_title(data, c, a)
            for c, a in zip(shown["course"], shown["lesson"], strict=True)
        ]
        shown["since"] = [_("today") if n == 0 else display.days(n, 0) for n in shown["days_due"]]
        table = (
            ui.table_html(
                shown,
                {
                    "text": _("Question"),
                    "lesson": _("Lesson"),
                    "since": _("Waiting for"),
                    "reviews": _("Reviews"),
                },
                kinds={"reviews": "int"},
                table_id="table-review",
            )
            if len(shown)
            else ""
        )
        return self.html(
            ui.heading(_("To review today"))
            + f"<p id='review-summary' class='parcours-note'>{html.escape(summary)}</p>"
            + table,
            "parcours-section-review",
        )
