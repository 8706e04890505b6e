"""The quiz widget (ipywidgets 8): prompt, native inputs, Check and Hint buttons, feedback
in words and symbols (never colour alone), attempts, and one recorded event per attempt.

Keyboard: every control is a native, focusable HTML control (radio buttons, checkboxes,
text fields, selects, buttons) in reading order, so Tab / arrows / Space / Enter suffice.
A single choice is one radio group (:class:`.choices.RadioGroup`: one Tab stop, arrows
within it); option texts are rendered inline markdown that wraps; Enter in a numeric or
text field checks the answer; once the question is settled (right, or no attempt left)
its inputs, Check and Hint are disabled. In JupyterLab the "Mon parcours" extension keeps
the quiz's keys away from the notebook's shortcuts and moves the focus to the feedback
after a check.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import ipywidgets as w
from parcours.i18n import N_, _, ngettext
from parcours.quizbank.model import Question, shown_order
from parcours.store import Event

from ..recorder import Outcome, Recorder
from ..ui import Displayable, escape, live, markdown, record
from .check import Result, check_answer, describe_answer
from .choices import STYLE, RadioGroup, inline_markdown, plain_text

#: what the learner reads for an answer that cannot be checked yet (the check's detail)
NOT_CHECKED = {
    "no_answer": N_("Choose or type an answer first."),
    "not_a_number": N_("'{value}' is not a number."),
    "code_missing": N_("'{target}' is not defined yet: run your cell first."),
}
#: the verdict on a wrong answer, in words and a symbol (never colour alone)
VERDICTS = {"partly": N_("◐ Nearly: answer incomplete."), "wrong": N_("✘ Incorrect.")}


#: seconds a check waits after Enter for the typed value (it arrives within milliseconds)
SUBMIT_WAIT_S = 0.5


class QuizWidget(Displayable):
    """One question on screen. Tests drive it through its widgets: set ``inputs`` values,
    then ``check_button.click()``; read ``feedback.value`` and ``notice.value``."""

    def __init__(
        self,
        question: Question,
        *,
        course: str,
        actor: str,
        lang: str = "fr",
        recorder: Recorder | None = None,
        extra: dict[str, Any] | None = None,
        namespace: dict[str, Any] | None = None,
        on_attempt: Callable[[QuizWidget], None] | None = None,
    ):
        self.question = question
        self.course = course
        self.actor = actor
        self.lang = lang
        self.recorder = recorder
        self.extra = dict(extra or {})
        self._namespace = namespace
        #: called after each recorded attempt (the lesson counts its answered questions)
        self.on_attempt = on_attempt
        self.attempt = 0
        self.hints_used = 0
        self.done = False
        self.last_result: Result | None = None
        self.last_outcome: Outcome | None = None
        self._since = time.monotonic()
        #: Enter arrived before the typed value (the browser batches its updates)
        self._check_when_typed = False

        q = question
        self.prompt = w.HTML(
            f'<div class="parcours-prompt"><strong>{_("Question", lang)}</strong> '
            f"{markdown(q.prompt)}</div>"
        )
        self.inputs: list[w.Widget] = self._make_inputs()
        if q.type in {"numeric", "text"}:  # Enter in the field checks the answer
            with warnings.catch_warnings():  # ipywidgets 8 keeps on_submit, deprecated
                warnings.simplefilter("ignore", DeprecationWarning)
                self.inputs[0].on_submit(self._on_submit)
            self.inputs[0].observe(self._on_typed, "value")
        self.check_button = w.Button(
            description=_("Check", lang), tooltip=_("Check my answer", lang), icon="check"
        )
        self.check_button.on_click(self._on_check)
        self.hint_button = w.Button(
            description=_("Hint", lang),
            tooltip=_("Show a hint", lang),
            icon="lightbulb-o",
            layout=w.Layout(display="" if q.hints else "none"),
        )
        self.hint_button.on_click(self._on_hint)
        self.status = w.HTML(
            escape(_("Attempt {n} of {total}", lang).format(n=1, total=q.attempts))
            if q.attempts > 1
            else ""
        )
        self.hints = w.HTML()
        self.feedback = w.HTML()
        self.notice = w.HTML()
        self.container = w.VBox(
            [
                w.HTML(STYLE),
                self.prompt,
                *self.inputs,
                w.HBox([self.check_button, self.hint_button, self.status]),
                self.hints,
                self.feedback,
                self.notice,
            ],
            layout=w.Layout(border="1px solid #999", padding="0.5em", margin="0.5em 0"),
        )
        self.container.add_class("parcours-quiz")
        self.container.add_class(f"parcours-q-{q.id}")  # tests and styles find one question

    # -- inputs per type ---------------------------------------------------------------
    def _make_inputs(self) -> list[w.Widget]:
        q, lang = self.question, self.lang
        label = _("Answer", self.lang)
        if q.type == "single":
            return [RadioGroup(list(q.options), label=label)]
        if q.type == "multiple":
            return [
                w.Checkbox(
                    value=False,
                    description=inline_markdown(opt),
                    description_allow_html=True,
                    indent=False,
                    layout=w.Layout(width="auto"),
                )
                for opt in q.options
            ]
        if q.type == "numeric":
            unit = _(", in {unit}", lang).format(unit=q.unit) if q.unit else ""
            helptext = _("A number{unit}", lang).format(unit=unit)
            return [
                w.Text(
                    description=label,
                    placeholder=helptext,
                    tooltip=helptext,
                    layout=w.Layout(width="24em"),
                ),
                *([w.Label(q.unit)] if q.unit else []),
            ]
        if q.type == "text":
            return [w.Text(description=label, tooltip=label, layout=w.Layout(width="30em"))]
        if q.type == "ordering":
            return self._ordering_lists()
        return [
            w.HTML(
                escape(
                    _("Define '{target}' in a cell above, run it, then check.", lang).format(
                        target=q.target
                    )
                )
            )
        ]

    def _ordering_lists(self) -> list[w.Widget]:
        """One drop-down list per position, offering the items shuffled for this learner
        (:func:`.model.shown_order`: never in the right order), as wide as the quiz (up
        to 60em) so that a chosen item reads whole in the closed list."""
        offered = [(plain_text(opt), opt) for opt in shown_order(self.question, self.actor)]
        lists = []
        for i in range(len(offered)):
            choice = w.Dropdown(
                options=offered,
                value=None,
                description=_("Position {n}", self.lang).format(n=i + 1),
                style={"description_width": "initial"},
                layout=w.Layout(width="100%", max_width="60em"),
            )
            choice.add_class("parcours-ordering")
            lists.append(choice)
        return lists

    def response(self) -> Any:
        """The learner's current answer, in the form :func:`check_answer` takes."""
        kind = self.question.type
        if kind == "single":
            return self.inputs[0].value
        if kind == "multiple":
            return [i for i, box in enumerate(self.inputs) if box.value]
        if kind in {"numeric", "text"}:
            return self.inputs[0].value.strip()
        if kind == "ordering":
            return [d.value for d in self.inputs]
        return None

    # -- behaviour ---------------------------------------------------------------------
    def namespace(self) -> dict[str, Any]:
        if self._namespace is not None:
            return self._namespace
        from IPython import get_ipython

        shell = get_ipython()
        return shell.user_ns if shell is not None else {}

    def _on_hint(self, _button: w.Button | None = None) -> None:
        hints = self.question.hints
        if self.hints_used < len(hints):
            self.hints_used += 1
        shown = "".join(f"<li>{markdown(h)}</li>" for h in hints[: self.hints_used])
        more = "" if self.hints_used < len(hints) else f"<p>{_('No more hints.', self.lang)}</p>"
        self.hints.value = f'<ul aria-label="{_("Hint", self.lang)}">{shown}</ul>{more}'
        if self.hints_used >= len(hints):
            self.hint_button.disabled = True

    def _on_submit(self, _field: w.Widget | None = None) -> None:
        """Enter in the field. The browser sends the typed value after the Enter (it holds
        widget updates while the kernel is busy): check as soon as the value arrives, or
        after :data:`SUBMIT_WAIT_S` when it was already there (Enter pressed again)."""
        import asyncio

        self._check_when_typed = True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no kernel's loop (a script): the value is the field's
            self._on_typed(None)
            return
        loop.call_later(SUBMIT_WAIT_S, self._on_typed, None)

    def _on_typed(self, _change: Any) -> None:
        if self._check_when_typed:
            self._check_when_typed = False
            self._on_check()

    def _on_check(self, _source: w.Widget | None = None) -> None:
        if self.done:
            return
        q, lang = self.question, self.lang
        result = check_answer(q, self.response(), self.namespace() if q.type == "code" else None)
        self.last_result = result
        if result.invalid:
            known = {"no_answer", "not_a_number"}
            key = result.detail if result.detail in known else "code_missing"
            message = _(NOT_CHECKED[key], lang).format(value=self.response(), target=q.target)
            self.feedback.value = live(escape(message), kind="info")
            return
        self.attempt += 1
        now = time.monotonic()
        duration, self._since = now - self._since, now
        self.done = result.success or self.attempt >= q.attempts
        self._record(result, duration)
        self._show_feedback(result)
        if self.on_attempt is not None:
            self.on_attempt(self)
        if self.done:  # settled: nothing more to answer, no more hints
            for control in [*self.inputs, self.check_button, self.hint_button]:
                control.disabled = True
            self.status.value = ""
        else:
            self.status.value = escape(
                _("Attempt {n} of {total}", lang).format(n=self.attempt + 1, total=q.attempts)
            )

    def _show_feedback(self, result: Result) -> None:
        q, lang = self.question, self.lang
        parts: list[str] = []
        if result.success:
            parts.append(f"<strong>{escape(_('✔ Correct.', lang))}</strong>")
        else:
            # "nearly" only for a right but incomplete answer: a partial score with
            # something wrong in it (a false statement ticked, misplaced steps) is wrong
            verdict = "partly" if result.incomplete else "wrong"
            parts.append(f"<strong>{escape(_(VERDICTS[verdict], lang))}</strong>")
            detail = result.detail
            if detail.startswith("code_error:"):
                detail = _("Your code raised an error: {error}", lang).format(
                    error=detail.removeprefix("code_error:")
                )
            if detail:
                parts.append(f"<p>{escape(detail)}</p>")
            if not self.done:
                left = q.attempts - self.attempt
                retry = ngettext(
                    "Try again ({left} attempt left).",
                    "Try again ({left} attempts left).",
                    left,
                    lang,
                )
                parts.append(f"<p>{escape(retry.format(left=left))}</p>")
            elif q.type != "code":
                answer = describe_answer(q, lang)
                parts.append(
                    f"<p>{escape(_('The right answer: {answer}', lang).format(answer=answer))}</p>"
                )
        if self.done and q.explanation:
            parts.append(markdown(q.explanation))
        self.feedback.value = live("".join(parts), kind="correct" if result.success else "wrong")

    def _record(self, result: Result, duration: float) -> None:
        q = self.question
        response: Any = self.response()
        if q.type == "code":
            response = {"target": q.target, "detail": result.detail}
        extra = {"type": q.type, "hints": self.hints_used, "skills": list(q.skills)} | self.extra
        event = Event.make(
            actor=self.actor,
            verb="answered",
            course=self.course,
            object_type="question",
            object_id=q.id,
            lesson=q.lesson,
            score=float(result.score),
            success=result.success,
            response=response,
            duration_s=round(duration, 3),
            attempt=self.attempt,
            extra=extra,
        )
        self.last_outcome, notice = record(event, self.lang, self.recorder)
        self.notice.value = notice
