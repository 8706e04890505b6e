"""Formative quizzes in a lesson: answer checking and widgets, over the course's question
banks (:mod:`parcours.quizbank`).

Widgets (and ipywidgets) are imported only when a quiz is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .check import Result, check_answer, normalise_text, parse_number

if TYPE_CHECKING:
    from .widgets import QuizWidget

__all__ = [
    "Result",
    "check_answer",
    "normalise_text",
    "parse_number",
    "show",
]


def show(course: str, question_id: str, *, lesson: str | None = None, **options: Any) -> QuizWidget:
    """Show one question of a course's bank (without a lesson session): the question is
    looked up in ``lesson``'s bank, or in every bank of the course."""
    from ..context import actor, course_context
    from .locate import bank_for, find_question
    from .widgets import QuizWidget

    ctx = course_context(course)
    question = find_question(ctx, question_id, lesson)
    bank_language = bank_for(ctx, question.lesson).language
    lang = options.pop("lang", None) or bank_language or ctx.language
    return QuizWidget(question, course=ctx.id, actor=actor(), lang=lang, **options).show()
