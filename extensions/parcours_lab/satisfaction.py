"""Module satisfaction: a 1-5 rating, the NPS question (0-10) and free text, recorded as a
``rated`` event on the module (the last lesson of a module shows it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from parcours.errors import BadInputError
from parcours.i18n import _
from parcours.store import Event

from .ui import Displayable, escape, live, record

if TYPE_CHECKING:
    import ipywidgets as w

    from .recorder import Outcome, Recorder


class SatisfactionWidget(Displayable):
    """The satisfaction form. Tests set ``rating.value`` (1-5), ``nps.value`` (0-10),
    ``comment.value``, then ``submit_button.click()``."""

    def __init__(
        self,
        course: str,
        module: str,
        *,
        actor: str,
        lesson: str = "",
        lang: str = "fr",
        recorder: Recorder | None = None,
        extra: dict[str, Any] | None = None,
    ):
        import ipywidgets as w

        self.course, self.module, self.lesson = course, module, lesson
        self.actor, self.lang, self.recorder = actor, lang, recorder
        self.extra = dict(extra or {})
        self.last_outcome: Outcome | None = None
        style = {"description_width": "initial"}
        self.title = w.HTML(f"<h3>{escape(_('Your opinion of the module', lang))}</h3>")
        self.rating = w.RadioButtons(
            options=[(str(i), i) for i in range(1, 6)],
            value=None,
            description=_("Module rating (1 to 5)", lang),
            style=style,
        )
        nps = _("Would you recommend this module? (0 = not at all, 10 = certainly)", lang)
        self.nps_label = w.HTML(f"<strong>{escape(nps)}</strong>")
        self.nps = w.Dropdown(
            options=[(str(i), i) for i in range(11)], value=None, description="NPS", style=style
        )
        self.comment = w.Textarea(
            description=_("Comments", lang), style=style, layout=w.Layout(width="40em")
        )
        self.submit_button = w.Button(description=_("Submit", lang), icon="paper-plane")
        self.submit_button.on_click(self._on_submit)
        self.feedback = w.HTML()
        self.notice = w.HTML()
        self.container = w.VBox(
            [
                self.title,
                self.rating,
                self.nps_label,
                self.nps,
                self.comment,
                self.submit_button,
                self.feedback,
                self.notice,
            ],
            layout=w.Layout(border="1px solid #999", padding="0.5em"),
        )

    def _on_submit(self, _button: w.Button | None = None) -> None:
        if self.rating.value is None or self.nps.value is None:
            self.feedback.value = live(
                escape(_("Choose a rating and an answer from 0 to 10.", self.lang)), kind="info"
            )
            return
        event = Event.make(
            actor=self.actor,
            verb="rated",
            course=self.course,
            object_type="module",
            object_id=self.module,
            lesson=self.lesson,
            score=(self.rating.value - 1) / 4,
            extra={
                "rating": int(self.rating.value),
                "nps": int(self.nps.value),
                "comment": self.comment.value.strip(),
            }
            | self.extra,
        )
        self.last_outcome, self.notice.value = record(event, self.lang, self.recorder)
        self.feedback.value = live(
            escape(_("✔ Thank you, it is recorded.", self.lang)), kind="correct"
        )


def show(
    course: str, module: str | None = None, lesson: str | None = None, **options: Any
) -> SatisfactionWidget:
    """Show the satisfaction form for ``module`` (or the module holding ``lesson``)."""
    from .context import actor, course_context

    ctx = course_context(course)
    if module is None:
        if lesson is None:
            raise BadInputError(
                _(
                    "satisfaction.show: name module=... or lesson=..., e.g. "
                    "satisfaction.show({course!r}, module='m1')",
                    lang=options.get("lang") or ctx.language,
                ).format(course=course)
            )
        ctx.require_lesson(lesson)
        module = ctx.lesson_module.get(lesson, lesson)
    lang = options.pop("lang", None) or ctx.language
    widget = SatisfactionWidget(
        ctx.id, module, actor=actor(), lesson=lesson or "", lang=lang, **options
    )
    return widget.show()
