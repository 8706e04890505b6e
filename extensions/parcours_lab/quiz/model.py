"""Quiz banks: ``courses/<id>/quizzes/<lesson>.yaml`` (teacher) or ``<lesson>.sealed.json``
(learner-side copy), parsed into :class:`Question` s with precise errors.

Each problem raises :class:`QuizDefinitionError` naming the bank file, the question id
and what to do, when the author runs the cell that shows the quiz.
"""

from __future__ import annotations

import json
import keyword
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parcours_grading.errors import BadInputError

SCHEMA_VERSION = 1
TYPES = ("single", "multiple", "numeric", "text", "ordering", "code")
_COMMON = {"id", "type", "prompt", "explanation", "hints", "attempts", "skills", "minutes"}
_KEYS = {
    "single": _COMMON | {"options", "answer"},
    "multiple": _COMMON | {"options", "answer"},
    "numeric": _COMMON | {"answer", "tolerance", "unit"},
    "text": _COMMON | {"answer"},
    "ordering": _COMMON | {"options", "answer"},
    "code": _COMMON | {"target", "check"},
}
_BANK_KEYS = {"schema_version", "lesson", "language", "questions"}


class QuizDefinitionError(BadInputError):
    """A quiz bank or one of its questions is malformed (names the file and question)."""


@dataclass(frozen=True)
class Question:
    """One quiz question, as the author wrote it (answer fields included)."""

    id: str
    type: str
    prompt: str
    lesson: str
    options: tuple[str, ...] = ()
    #: single: index; multiple: tuple of indices; numeric: float; text: tuple of variants;
    #: ordering: tuple of options in the right order; code: None
    answer: Any = None
    tolerance: float = 0.0
    unit: str = ""
    explanation: str = ""
    hints: tuple[str, ...] = ()
    attempts: int = 2
    skills: tuple[str, ...] = ()
    #: estimated minutes (used by spaced-repetition planning)
    minutes: float = 1.0
    #: code questions: the learner's name checked, and the teacher's check source
    target: str = ""
    check: str = ""


@dataclass(frozen=True)
class Bank:
    """The questions of one lesson."""

    lesson: str
    source: Path
    language: str = ""
    questions: dict[str, Question] = field(default_factory=dict)

    def question(self, question_id: str) -> Question:
        """The question ``question_id`` (a clear error naming the known ids otherwise)."""
        try:
            return self.questions[question_id]
        except KeyError:
            raise QuizDefinitionError(
                f"{self.source}: no question '{question_id}' in lesson '{self.lesson}'; "
                f"known: {', '.join(self.questions) or '(none)'} — fix the id in this cell "
                "or add the question to the bank"
            ) from None


def _fail(source: str, qid: str, message: str, fix: str = "") -> QuizDefinitionError:
    where = f"question '{qid}'" if qid else "bank"
    text = f"{where}: {message}" + (f" — {fix}" if fix else "") + f" (in {source})"
    return QuizDefinitionError(text)


def _strings(value: Any, source: str, qid: str, key: str, *, min_len: int = 0) -> tuple[str, ...]:
    if isinstance(value, str) and key in {"hints", "skills"}:
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise _fail(source, qid, f"'{key}' must be a list of texts, found {value!r}",
                    f'write {key}: ["...", "..."]')
    items = tuple(str(v) for v in value)
    if len(items) < min_len:
        raise _fail(source, qid, f"'{key}' needs at least {min_len} entries, found {len(items)}")
    return items


def _options(raw: dict[str, Any], source: str, qid: str) -> tuple[str, ...]:
    if "options" not in raw:
        raise _fail(source, qid, f"a '{raw['type']}' question needs 'options'",
                    'add options: ["...", "..."]')
    options = _strings(raw["options"], source, qid, "options", min_len=2)
    if len(set(options)) != len(options):
        raise _fail(source, qid, "two options have the same text", "make every option distinct")
    return options


def _index(value: Any, options: tuple[str, ...], source: str, qid: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(source, qid, f"answer {value!r} is not an option index",
                    f"give the position of the right option, 0 to {len(options) - 1} "
                    "(the first option is 0)")
    if not 0 <= value < len(options):
        raise _fail(source, qid,
                    f"answer index {value} is out of range ({len(options)} options)",
                    f"use 0 to {len(options) - 1} (the first option is 0)")
    return value


def parse_question(raw: Any, lesson: str, source: str, position: int) -> Question:
    """One question from its YAML mapping (raises QuizDefinitionError)."""
    if not isinstance(raw, dict):
        raise _fail(source, f"#{position + 1}", "each question must be a mapping (id, type, ...)")
    qid = raw.get("id")
    if not isinstance(qid, str) or not qid.strip():
        raise _fail(source, f"#{position + 1}", "the question has no 'id'",
                    "add id: <lesson>-q<n>, unique in the course")
    kind = raw.get("type")
    if kind not in TYPES:
        raise _fail(source, qid, f"unknown type {kind!r}", f"use one of {', '.join(TYPES)}")
    unknown = sorted(set(raw) - _KEYS[kind])
    if unknown:
        raise _fail(source, qid, f"unknown key(s) for a '{kind}' question: {', '.join(unknown)}",
                    f"allowed: {', '.join(sorted(_KEYS[kind]))}")
    prompt = raw.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise _fail(source, qid, "the 'prompt' is missing or empty", "write the question text")
    attempts = raw.get("attempts", 2)
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise _fail(source, qid, f"'attempts' must be a whole number ≥ 1, found {attempts!r}")
    minutes = raw.get("minutes", 1)
    if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes <= 0:
        raise _fail(source, qid, f"'minutes' must be a positive number, found {minutes!r}")
    explanation = raw.get("explanation", "")
    if not isinstance(explanation, str):
        raise _fail(source, qid, "'explanation' must be a text")
    values: dict[str, Any] = {
        "id": qid, "type": kind, "prompt": prompt, "lesson": lesson, "attempts": attempts,
        "explanation": explanation, "minutes": float(minutes),
        "hints": _strings(raw.get("hints", []), source, qid, "hints"),
        "skills": _strings(raw.get("skills", []), source, qid, "skills"),
    }  # fmt: skip
    if kind != "code" and "answer" not in raw:
        raise _fail(source, qid, "the 'answer' is missing",
                    "add answer: (see docs/quiz-authoring.md)")
    answer = raw.get("answer")
    if kind == "single":
        options = _options(raw, source, qid)
        values |= {"options": options, "answer": _index(answer, options, source, qid)}
    elif kind == "multiple":
        options = _options(raw, source, qid)
        if not isinstance(answer, list) or not answer:
            raise _fail(source, qid, f"answer must be a list of option indices, found {answer!r}",
                        "write answer: [0, 2]")
        indices = tuple(sorted({_index(a, options, source, qid) for a in answer}))
        values |= {"options": options, "answer": indices}
    elif kind == "numeric":
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            raise _fail(source, qid, f"answer must be a number, found {answer!r}",
                        "write answer: 3.5 (no quotes, no unit: put the unit in 'unit')")
        tolerance = raw.get("tolerance", 0)
        if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or tolerance < 0:
            raise _fail(source, qid, f"tolerance must be a number ≥ 0, found {tolerance!r}")
        unit = raw.get("unit", "")
        if not isinstance(unit, str):
            raise _fail(source, qid, f"unit must be a text, found {unit!r}")
        values |= {"answer": float(answer), "tolerance": float(tolerance), "unit": unit.strip()}
    elif kind == "text":
        variants = _strings([answer] if isinstance(answer, str) else answer, source, qid,
                            "answer", min_len=1)
        if not all(v.strip() for v in variants):
            raise _fail(source, qid, "an accepted answer is empty", "remove it")
        values |= {"answer": variants}
    elif kind == "ordering":
        options = _options(raw, source, qid)
        order = _strings(answer, source, qid, "answer")
        if sorted(order) != sorted(options):
            raise _fail(source, qid, "answer must list every option once, in the right order",
                        f"reorder exactly these options: {list(options)}")
        values |= {"options": options, "answer": order}
    else:
        values |= _code_fields(raw, source, qid)
    return Question(**values)


def _code_fields(raw: dict[str, Any], source: str, qid: str) -> dict[str, Any]:
    target = raw.get("target")
    if not isinstance(target, str) or not target.isidentifier() or keyword.iskeyword(target):
        raise _fail(source, qid, f"'target' must be a Python name, found {target!r}",
                    "write target: the name the learner defines, e.g. moyenne")
    code = raw.get("check")
    if not isinstance(code, str) or not code.strip():
        raise _fail(source, qid, "a code question needs 'check' (a function `check`)",
                    "write check: | def check(<target>): assert ...")
    try:
        tree = compile(code, f"<check of {qid}>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise _fail(source, qid, f"'check' has a syntax error at line {exc.lineno}: {exc.msg}",
                    "fix the check function's code") from None
    if "check" not in tree.co_names:
        raise _fail(source, qid, "'check' must define a function named check",
                    f"write def check({target}): ...")
    return {"target": target, "check": code}


def parse_bank(data: Any, source: str | Path, *, lesson: str | None = None) -> Bank:
    """A bank from its decoded YAML (or unsealed JSON) document."""
    shown = str(source)
    if not isinstance(data, dict):
        raise _fail(shown, "",
                    "the file must hold a mapping with schema_version, lesson, questions")
    unknown = sorted(set(data) - _BANK_KEYS - {"sealed"})
    if unknown:
        raise _fail(shown, "", f"unknown key(s): {', '.join(unknown)}",
                    f"allowed: {', '.join(sorted(_BANK_KEYS))}")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise _fail(shown, "", f"schema_version must be {SCHEMA_VERSION}, "
                    f"found {data.get('schema_version')!r}", "add schema_version: 1")
    bank_lesson = data.get("lesson")
    if not isinstance(bank_lesson, str) or not bank_lesson:
        raise _fail(shown, "", "'lesson' is missing", "add lesson: <lesson id>")
    if lesson and bank_lesson != lesson:
        raise _fail(shown, "", f"this bank is for lesson '{bank_lesson}', not '{lesson}'",
                    "fix 'lesson' in the file or the lesson id in the notebook")
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise _fail(shown, "", "'questions' must be a non-empty list")
    questions: dict[str, Question] = {}
    for position, raw in enumerate(raw_questions):
        question = parse_question(raw, bank_lesson, shown, position)
        if question.id in questions:
            raise _fail(shown, question.id, "this id is used twice",
                        "give each question its own id")
        questions[question.id] = question
    language = data.get("language", "")
    if language not in ("", "fr", "en"):
        raise _fail(shown, "", f"language must be fr or en, found {language!r}")
    return Bank(lesson=bank_lesson, source=Path(source), language=language, questions=questions)


def load_bank(path: str | Path, *, lesson: str | None = None) -> Bank:
    """Read a bank file: YAML (teacher) or ``.sealed.json`` (learner copy)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _fail(str(path), "", "file not found", "create it or check the lesson id") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(str(path), "", f"cannot be read ({exc})", "save it as UTF-8 text") from None
    if path.name.endswith(".sealed.json"):
        from .seal import unseal

        try:
            data = unseal(json.loads(text))
        except ValueError as exc:
            raise _fail(str(path), "", f"damaged sealed bank ({exc})",
                        "seal the YAML bank again with seal_bank()") from None
    else:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            place = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise _fail(str(path), "", f"not valid YAML{place}: {getattr(exc, 'problem', exc)}",
                        "check indentation and quotes") from None
    return parse_bank(data, path, lesson=lesson)


def bank_paths(quizzes: Path, lesson: str) -> list[Path]:
    """Where a lesson's bank may be, in order: the teacher's YAML, then the sealed copy."""
    return [quizzes / f"{lesson}{suffix}" for suffix in (".yaml", ".yml", ".sealed.json")]
