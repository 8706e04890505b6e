"""The learner's 'Révisions' notebook: today's spaced-repetition queue as quiz widgets.

::

    from parcours_lab import review
    review.show("analyse-de-donnees")

Each question answered here is recorded like any quiz answer (with ``"review": true`` in
``extra``), so the next queue takes it into account.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from parcours.i18n import N_, _, ngettext

from .ui import escape

if TYPE_CHECKING:
    from parcours.review import ReviewQueue

    from .quiz.widgets import QuizWidget
    from .recorder import Recorder


class ReviewSession:
    """Today's queue and the quiz widgets showing it."""

    def __init__(self, queue: ReviewQueue, quizzes: list[QuizWidget], header: Any):
        self.queue = queue
        self.quizzes = quizzes
        self.header = header


#: the heading of the review (a sentence with an apostrophe)
TITLE = N_("Today's review")


def show(
    course: str,
    *,
    date: dt.date | str | None = None,
    recorder: Recorder | None = None,
    lang: str | None = None,
) -> ReviewSession:
    """Show today's review (or ``date``'s) for the learner running this kernel."""
    from zoneinfo import ZoneInfo

    import ipywidgets as w
    from IPython.display import display
    from parcours.course import read_manifest
    from parcours.errors import BadInputError
    from parcours.review import learner_queue

    from .context import actor, course_context
    from .quiz.locate import find_question
    from .quiz.widgets import QuizWidget
    from .recorder import default_recorder

    ctx = course_context(course)
    if ctx.folder is None:
        raise BadInputError(
            _(
                "course '{course}' not found (looked in ParcoursConfig.courses_dir and "
                "around this notebook) — check the course id",
                lang=lang or ctx.language,
            ).format(course=course)
        )
    manifest = read_manifest(ctx.folder / "course.toml")
    lang = lang or ctx.language
    day = dt.date.fromisoformat(date) if isinstance(date, str) else date
    day = day or dt.datetime.now(ZoneInfo(manifest.timezone)).date()
    who = actor()
    rec = recorder or default_recorder()
    queue = learner_queue(rec.store, manifest, who, day)
    if queue.items:
        shown, postponed = len(queue.items), len(queue.postponed)
        summary = ngettext(
            "{n} question to review today (about {minutes} min).",
            "{n} questions to review today (about {minutes} min).",
            shown,
            lang,
        ).format(n=shown, minutes=round(queue.minutes))
        if postponed:
            summary += " " + ngettext(
                "{n} more postponed to respect today's workload.",
                "{n} more postponed to respect today's workload.",
                postponed,
                lang,
            ).format(n=postponed)
    else:
        summary = _("Nothing to review today.", lang)
    header = w.HTML(
        f"<h2>{escape(_(TITLE, lang))} — {day.isoformat()}</h2><p>{escape(summary)}</p>"
    )
    display(header)
    quizzes = []
    for item in queue.items:
        question = find_question(ctx, item.question, item.lesson or None)
        quizzes.append(
            QuizWidget(
                question,
                course=ctx.id,
                actor=who,
                lang=lang,
                recorder=rec,
                extra={"review": True},
            ).show()
        )
    return ReviewSession(queue, quizzes, header)
