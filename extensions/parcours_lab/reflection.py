"""The reflective return ("retour réflexif") at the end of a lesson or of an assignment:
time spent, difficulties met, help used, confidence. Recorded as a ``reflected`` event.

In an assignment notebook, the last cell before submission::

    from parcours_lab import reflection
    reflection.show("analyse-de-donnees", assignment="devoir-1")
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from parcours.errors import BadInputError
from parcours.i18n import N_, _
from parcours.store import Event

from .ui import Displayable, escape, live, record

if TYPE_CHECKING:
    import ipywidgets as w

    from .recorder import Outcome, Recorder

#: the help a learner may have used: recorded id -> what the form says
HELP_KINDS = {
    "camarade": N_("A classmate"),
    "forum": N_("The forum"),
    "tuteur": N_("The tutor"),
    "documentation": N_("The documentation"),
    "IA": N_("An AI assistant"),
    "aucune": N_("None"),
}


class ReflectionWidget(Displayable):
    """The reflection form. Tests fill ``minutes``, ``difficulties``, ``help`` (checkboxes
    in :data:`HELP_KINDS` order) and ``confidence``, then ``submit_button.click()``."""

    def __init__(
        self,
        course: str,
        *,
        object_type: str,
        object_id: str,
        actor: str,
        lang: str = "fr",
        minutes: int = 0,
        recorder: Recorder | None = None,
        extra: dict[str, Any] | None = None,
    ):
        import ipywidgets as w

        self.course, self.object_type, self.object_id = course, object_type, object_id
        self.actor, self.lang, self.recorder = actor, lang, recorder
        self.extra = dict(extra or {})
        self.last_outcome: Outcome | None = None
        style = {"description_width": "initial"}
        self.title = w.HTML(f"<h3>{escape(_('Looking back', lang))}</h3>")
        self.minutes = w.BoundedIntText(
            value=minutes, min=0, max=1440, description=_("Time spent (minutes)", lang), style=style
        )
        self.difficulties = w.Textarea(
            description=_("Difficulties met", lang),
            placeholder=_("What blocked or slowed you…", lang),
            style=style,
            layout=w.Layout(width="40em"),
        )
        self.help_label = w.HTML(f"<strong>{escape(_('Help used', lang))}</strong>")
        self.help = [
            w.Checkbox(value=False, description=_(label, lang), indent=False)
            for label in HELP_KINDS.values()
        ]
        self.confidence = w.RadioButtons(
            options=[(str(i), i) for i in range(1, 6)],
            value=None,
            description=_("Confidence (1 = low, 5 = high)", lang),
            style=style,
        )
        self.submit_button = w.Button(description=_("Submit", lang), icon="paper-plane")
        self.submit_button.on_click(self._on_submit)
        self.feedback = w.HTML()
        self.notice = w.HTML()
        self.container: w.VBox = w.VBox(
            [
                self.title,
                self.minutes,
                self.difficulties,
                self.help_label,
                w.HBox(self.help, layout=w.Layout(flex_flow="row wrap")),
                self.confidence,
                self.submit_button,
                self.feedback,
                self.notice,
            ],
            layout=w.Layout(border="1px solid #999", padding="0.5em"),
        )

    def values(self) -> dict[str, Any]:
        """The reflection fields as recorded in ``extra``."""
        return {
            "minutes": int(self.minutes.value),
            "difficulties": self.difficulties.value.strip(),
            "help": [kind for kind, box in zip(HELP_KINDS, self.help, strict=True) if box.value],
            "confidence": self.confidence.value,
        }

    def _on_submit(self, _button: w.Button | None = None) -> None:
        values = self.values()
        problem = ""
        if values["minutes"] <= 0:
            problem = _("Give the time spent (in minutes).", self.lang)
        elif values["confidence"] is None:
            problem = _("Choose your confidence level.", self.lang)
        if problem:
            self.feedback.value = live(escape(problem), kind="info")
            return
        event = Event.make(
            actor=self.actor,
            verb="reflected",
            course=self.course,
            object_type=self.object_type,
            object_id=self.object_id,
            lesson=self.object_id,
            duration_s=float(values["minutes"] * 60),
            extra=values | self.extra,
        )
        self.last_outcome, notice = record(event, self.lang, self.recorder)
        self.feedback.value, self.notice.value = self._said(self.last_outcome, notice)

    def _said(self, outcome: Outcome | None, notice: str) -> tuple[str, str]:
        """(feedback, notice) after a submission: one message, the true one: recorded;
        kept in the learner's account to be sent later (the store was unreachable); or
        not recorded (the notice :func:`.ui.record` wrote, naming why)."""
        if outcome is None:  # neither stored nor kept: the notice says so
            return "", notice
        if outcome.status == "spooled":
            deferred = _(
                "✔ Thank you. Your answers are saved in your account; the answer store "
                "cannot be reached now, they will be sent automatically later.",
                self.lang,
            )
            return live(escape(deferred), kind="warning"), ""
        if outcome.status == "disabled":  # recording is switched off (PARCOURS_EVENTS)
            return live(escape(_("✔ Thank you.", self.lang)), kind="correct"), ""
        return live(escape(_("✔ Thank you, it is recorded.", self.lang)), kind="correct"), ""


class GradedReflection(Displayable):
    """What a notebook being graded shows in place of the form (nbgrader's and Parcours'
    graders set ``NBGRADER_EXECUTION``): its title, no widget — nobody fills a form there,
    and its 46 widgets took 45 ms of the demo's 120 ms of cells in every graded copy."""

    def __init__(self, lang: str):
        from IPython.display import HTML

        self.container = HTML(f"<h3>{escape(_('Looking back', lang))}</h3>")


def show(
    course: str,
    lesson: str | None = None,
    assignment: str | None = None,
    **options: Any,
) -> Displayable:
    """Show the reflection form for a lesson or an assignment (exactly one of them); in a
    notebook being graded, its title only (:class:`GradedReflection`)."""
    from .context import actor, course_context

    if bool(lesson) == bool(assignment):
        raise BadInputError(
            _(
                "reflection.show: name either lesson=... or assignment=..., e.g. "
                "reflection.show({course!r}, assignment='devoir-1')",
                lang=options.get("lang") or course_context(course).language,
            ).format(course=course)
        )
    ctx = course_context(course)
    if lesson:
        ctx.require_lesson(lesson)
    elif ctx.assignment_module and assignment not in ctx.assignment_module:
        raise BadInputError(
            _(
                "course '{course}' has no assignment '{assignment}'; its assignments "
                "are: {known} — fix the id in this cell",
                lang=options.get("lang") or ctx.language,
            ).format(course=ctx.id, assignment=assignment, known=", ".join(ctx.assignment_module))
        )
    lang = options.pop("lang", None) or ctx.language
    if os.environ.get("NBGRADER_EXECUTION"):
        return GradedReflection(lang).show()
    widget = ReflectionWidget(
        ctx.id,
        object_type="lesson" if lesson else "assignment",
        object_id=str(lesson or assignment),
        actor=actor(),
        lang=lang,
        **options,
    )
    return widget.show()
