"""The teacher's dashboard page (see :mod:`.pages` for the pattern)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from ..i18n import N_, _, ngettext
from . import blocks, ui
from .pages import Page, State

if TYPE_CHECKING:
    from .data import DashboardData


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
        from .viewer import hub_mode, hub_viewer

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
            blocks.show_figure(
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
            blocks.show_figure(
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
                blocks.show_html(
                    f"<p id='to-grade-note' class='parcours-note'>{html.escape(note)}</p>"
                )
            blocks.show_html(
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

        out.append(blocks.Static.of(figures))
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
        from .peer import sections as peer_sections  # #27: only a course that has such work

        peer = peer_sections(self.state.config, data, course, name)
        out.extend(self.html(text, css) for text, css in peer)
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
                    self.state.config, data, course, assignment, who.value, days.value, _by()
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
            redraw = pending.pop("redraw", False)
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
            if redraw:  # the page's tables show what was just recorded
                self.refresh()

        def on_cancel(_b: Any) -> None:
            pending.clear()
            box.children = []
            self.message.value = f"<p role='status'>{html.escape(_('Cancelled.'))}</p>"

        extend.on_click(on_extend)
        release.on_click(on_release)
        confirm.on_click(on_confirm)
        cancel.on_click(on_cancel)

        def ask_and_redraw(text: str, action: Any) -> None:
            ask(text, action)
            pending["redraw"] = True

        return [
            self.html(ui.heading(_("Actions"))),
            w.HBox([who, days, extend]),
            w.HBox([skill, band, release]),
            *self._appeal(data, course, assignment, ask_and_redraw),
            self.message,
            box,
        ]

    def _appeal(self, data: DashboardData, course: str, assignment: str, ask: Any) -> list[Any]:
        """Answer a learner's open appeal of her peer grade (and change that grade):
        nothing when the assignment has no appeal waiting for an answer."""
        import ipywidgets as w

        from . import appeals as vm
        from .coordinator import activity_title

        waiting = vm.open_appeals(self.state.config, data, course, assignment)
        if not waiting:
            return []
        learner = w.Dropdown(options=waiting, description=_("Appeal of"))
        answer = w.Textarea(description=_("Your answer"), rows=3)
        tasks = vm.graded_tasks(data, course, assignment)
        task = w.Dropdown(options=tasks, description=_("Task"))
        grade = w.Text(description=_("New grade (points)"), placeholder=_("unchanged"))
        send = w.Button(description=_("Answer the appeal…"))
        send.layout.width = "auto"
        for widget, css in (
            (learner, "appeal-learner"),
            (answer, "appeal-answer"),
            (task, "appeal-task"),
            (grade, "appeal-grade"),
        ):
            widget.add_class(f"parcours-{css}")
            widget.style = {"description_width": "initial"}

        def on_send(_b: Any) -> None:
            name = next(shown for shown, login in waiting if login == learner.value)
            question = _("Answer the appeal of {learner} on {assignment}?").format(
                learner=name, assignment=activity_title(data, course, assignment)
            )
            if grade.value.strip():
                question += " " + _("Her grade becomes {grade} points.").format(
                    grade=grade.value.strip()
                )
            ask(
                question,
                lambda: vm.settle_appeal(
                    self.state.config,
                    data,
                    course,
                    assignment,
                    learner.value,
                    answer.value,
                    grade.value,
                    task.value if tasks else None,
                    _by(),
                ),
            )

        send.on_click(on_send)
        grading = [task, grade] if len(tasks) > 1 else [grade] if tasks else []
        return [w.HBox([learner, *grading]), w.HBox([answer, send])]


def _by() -> str:
    """Who acts from the page: on the hub, the user the hub's service named after
    checking her token; on one machine, nobody named here (the records say who runs it)."""
    from .viewer import hub_mode, hub_viewer

    return hub_viewer()[0] if hub_mode() else ""
