"""The learner's dashboard page (see :mod:`.pages` for the pattern)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from ..i18n import N_, _, ngettext
from . import blocks, ui
from .pages import Page, State

if TYPE_CHECKING:
    from .data import DashboardData
    from .learner import Viewer

#: the review questions a learner's page lists (the most overdue; the rest are counted)
REVIEW_ROWS = 10


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
            blocks.show_figure(
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
            blocks.show_figure(
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

        out.append(blocks.Static.of(figures))
        week_note = (
            ""
            if week["minutes"].sum() > 0
            else "<p id='week-note' class='parcours-note'>"
            + html.escape(
                _(
                    "Nothing is planned for the next seven days: no unfinished lesson or "
                    "assignment of yours is due this week."
                )
            )
            + "</p>"
        )
        out.append(
            self.html(
                week_note
                + ui.heading(_("My mastery per skill"))
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
        badges = self._badges(data, me)
        if badges is not None:
            out.append(badges)
        return out

    def _badges(self, data: DashboardData, me: str) -> blocks.Static | None:
        """Her badges in the courses shown that declare some (:mod:`.badges`); None when
        none does."""
        from .badges import course_badges_html

        assert self.viewer is not None
        learners = data.frames.learners
        mine = sorted(set(learners[learners["learner"] == me]["course"]))
        courses = [data.courses[c] for c in mine if c in data.courses]
        titled = len(courses) > 1
        parts = [
            course_badges_html(self.state.config, c, self.viewer.student_id, self.lang, titled)
            for c in courses
        ]
        if not any(parts):
            return None
        return self.html(ui.heading(_("My badges")) + "".join(parts), "parcours-section-badges")

    def _review(self, data: DashboardData, me: str) -> blocks.Static:
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
