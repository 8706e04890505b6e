"""Small pieces shared by the quiz, reflection, satisfaction and review widgets: markdown,
accessible feedback, and recording with a visible notice when the store is unavailable."""

from __future__ import annotations

import html
from typing import Any

from parcours.errors import EventStoreError
from parcours.i18n import _
from parcours.store import Event

from .recorder import Outcome, Recorder, default_recorder


def markdown(source: str) -> str:
    """Markdown (author's prompt, explanation) as HTML."""
    import mistune

    return str(mistune.html(source))


def live(message_html: str, *, kind: str = "status") -> str:
    """A message screen readers announce (``role="alert"`` is read when it appears).

    ``kind`` is a CSS hook only: meaning is always carried by words and symbols too.
    """
    if not message_html:
        return ""
    return (
        f'<div role="alert" aria-live="assertive" class="parcours-{kind}" '
        f'style="border-left: 4px solid; padding: 0.3em 0.6em; margin: 0.3em 0">'
        f"{message_html}</div>"
    )


def escape(value: Any) -> str:
    return html.escape(str(value))


def record(event: Event, lang: str, recorder: Recorder | None = None) -> tuple[Outcome | None, str]:
    """Record ``event``; returns the outcome and the notice HTML to show ('' when stored).

    Never raises for a store problem: a spooled event gets a notice saying it is kept
    locally; an event neither stored nor spooled gets a notice saying so, in words.
    """
    try:
        outcome = (recorder or default_recorder()).record(event)
    except EventStoreError as exc:
        notice = _("⚠ Answer NOT recorded: {reason}", lang).format(reason=exc)
        return None, live(escape(notice), kind="error")
    if outcome.status == "spooled":
        notice = _(
            "⚠ Recording delayed: the answer store is unavailable. Your answer is kept in "
            "your account and will be sent automatically later.",
            lang,
        )
        return outcome, live(escape(notice), kind="warning")
    return outcome, ""


class Displayable:
    """A widget group shown once per cell run: ``show()`` displays it; being the cell's
    last expression too does not show it twice."""

    container: Any
    _shown_in: int | None = None

    def show(self) -> Any:
        """Display the widgets now; returns self."""
        from IPython import get_ipython
        from IPython.display import display

        shell = get_ipython()
        self._shown_in = shell.execution_count if shell is not None else -1
        display(self.container)
        return self

    def _ipython_display_(self) -> None:
        from IPython import get_ipython

        shell = get_ipython()
        if self._shown_in is None or shell is None or shell.execution_count != self._shown_in:
            self.show()
