"""Quiz banks, part of a course's content: ``courses/<id>/quizzes/<lesson>.yaml`` (the
teacher's) or ``<lesson>.sealed.json`` (the learner-side copy), against the JSON Schema
``schemas/quiz-bank-v1.json``. Checked by ``parcours check``, sealed for learners, shown
by the widgets of :mod:`parcours_lab.quiz`."""

from __future__ import annotations

from .model import (
    Bank,
    Question,
    QuizDefinitionError,
    load_bank,
    parse_bank,
    seal_bank,
    sealed_text,
    shown_order,
)

__all__ = [
    "Bank",
    "Question",
    "QuizDefinitionError",
    "load_bank",
    "parse_bank",
    "seal_bank",
    "sealed_text",
    "shown_order",
]
