"""Answer checking, one function per question type; pure (no widgets), so tests and the
review queue use it directly."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from parcours.quizbank.model import Question


@dataclass(frozen=True)
class Result:
    """The verdict on one attempt."""

    success: bool
    #: 0..1 (partial credit for multiple choice and ordering)
    score: float
    #: why, for the learner, when the answer could not be judged or the check said so
    detail: str = ""
    #: True when the response was unusable (empty, not a number): no attempt is counted
    invalid: bool = False
    #: True when the answer is right as far as it goes but incomplete: some right options
    #: ticked, none wrong (a multiple choice). An answer with anything wrong in it (a
    #: false statement ticked, an ordering with a misplaced item) is wrong, not "nearly"
    incomplete: bool = False


def normalise_text(value: str) -> str:
    """Case, accents, inner spaces and surrounding punctuation do not matter."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = re.sub(r"\s+", " ", stripped.casefold()).strip()
    return folded.strip(" .,;:!?«»\"'")


_SPACES = re.compile(r"[\s\u00a0\u202f]")


def parse_number(value: str, unit: str = "") -> float:
    """A number as a learner types it: ``3,5``, ``1 234.5``, ``12 €`` (ValueError if not)."""
    text = value.strip()
    if unit and text.endswith(unit):
        text = text[: -len(unit)]
    text = _SPACES.sub("", text).replace(",", ".")
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def check_answer(
    question: Question, response: Any, namespace: dict[str, Any] | None = None
) -> Result:
    """Judge ``response`` for ``question``.

    Responses by type: single → option index; multiple → list of indices; numeric → the
    text typed (or a number); text → the text typed; ordering → option texts in the chosen
    order; code → ignored (the object named ``question.target`` in ``namespace`` is checked).
    """
    kind = question.type
    if kind == "code":
        return _check_code(question, namespace or {})
    if response is None or response == "" or response == []:
        return Result(False, 0.0, "no_answer", invalid=True)
    if kind == "single":
        ok = int(response) == question.answer
        return Result(ok, float(ok))
    if kind == "multiple":
        chosen, right = set(response), set(question.answer)
        score = len(chosen & right) / len(chosen | right)
        return Result(chosen == right, round(score, 4), incomplete=bool(chosen) and chosen < right)
    if kind == "numeric":
        try:
            number = (
                float(response)
                if isinstance(response, int | float)
                else parse_number(str(response), question.unit)
            )
        except ValueError:
            return Result(False, 0.0, "not_a_number", invalid=True)
        ok = abs(number - question.answer) <= question.tolerance + 1e-12
        return Result(ok, float(ok))
    if kind == "text":
        typed = normalise_text(str(response))
        ok = typed in {normalise_text(v) for v in question.answer}
        return Result(ok, float(ok))
    if kind == "ordering":
        order = list(response)
        if len(order) != len(question.answer) or any(o is None for o in order):
            return Result(False, 0.0, "no_answer", invalid=True)
        right = sum(a == b for a, b in zip(order, question.answer, strict=True))
        return Result(right == len(order), round(right / len(order), 4))
    raise ValueError(f"unknown question type {kind!r}")


def _check_code(question: Question, namespace: dict[str, Any]) -> Result:
    if question.target not in namespace:
        return Result(False, 0.0, "code_missing", invalid=True)
    scope: dict[str, Any] = {"__name__": f"parcours_check_{question.id}"}
    exec(compile(question.check, f"<check of {question.id}>", "exec"), scope)  # teacher's code
    try:
        scope["check"](namespace[question.target])
    except AssertionError as exc:
        return Result(False, 0.0, str(exc) or "")
    except Exception as exc:  # the learner's code may raise anything: that is feedback
        return Result(False, 0.0, f"code_error:{type(exc).__name__}: {exc}")
    return Result(True, 1.0)


def describe_answer(question: Question, lang: str = "fr") -> str:
    """The right answer as a learner reads it."""
    if question.type == "single":
        return question.options[question.answer]
    if question.type == "multiple":
        return " ; ".join(question.options[i] for i in question.answer)
    if question.type == "numeric":
        from parcours.i18n import number

        shown = number(question.answer, lang, decimals=6)
        if question.tolerance:
            shown += f" (± {number(question.tolerance, lang, decimals=6)})"
        return f"{shown} {question.unit}".strip()
    if question.type == "text":
        return question.answer[0]
    if question.type == "ordering":
        return " → ".join(question.answer)
    return ""
