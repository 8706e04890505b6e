"""Quiz banks: ``courses/<id>/quizzes/<lesson>.yaml`` (teacher) or ``<lesson>.sealed.json``
(learner-side copy), parsed into :class:`Question` s with precise errors.

A bank is validated against the JSON Schema ``schemas/quiz-bank-v1.json`` (shipped in the
package, compiled once by :mod:`..jsonschemas`); what a schema cannot say
(an index within the options, distinct ids, a ``check`` that compiles) is checked after.
Each problem raises :class:`QuizDefinitionError` naming the bank file, the question id
and what to do, when the author runs the cell that shows the quiz.
"""

from __future__ import annotations

import hashlib
import json
import keyword
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BadInputError
from ..i18n import N_, _, ngettext
from ..jsonschemas import SchemaProblem, compiled, schema_problems
from .seal import unseal

#: the version of ``schemas/quiz-bank-v<n>.json`` banks are written in
SCHEMA_VERSION = 1
TYPES = ("single", "multiple", "numeric", "text", "ordering", "code")
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
                _(
                    "{source}: no question '{question}' in lesson '{lesson}'; known: {known} "
                    "— fix the id in this cell or add the question to the bank",
                    lang=self.language or None,
                ).format(
                    source=self.source,
                    question=question_id,
                    lesson=self.lesson,
                    known=", ".join(self.questions) or _("(none)", lang=self.language or None),
                )
            ) from None


def _fail(source: str, qid: str, message: str, fix: str = "") -> QuizDefinitionError:
    where = _("question '{question}'").format(question=qid) if qid else _("quiz bank")
    text = _("{where}: {message}").format(where=where, message=message)
    text += (f" — {fix}" if fix else "") + in_source(source)
    return QuizDefinitionError(text)


def in_source(source: str) -> str:
    """The end of a bank problem naming its file (``parcours check`` shows the file apart
    and takes it off)."""
    return " " + _("(in {source})").format(source=source)


def _out_of_range(value: Any, options: int) -> tuple[str, str]:
    """(message, fix) for an answer index outside the options."""
    message = ngettext(
        "answer index {value} is out of range ({n} option)",
        "answer index {value} is out of range ({n} options)",
        options,
    ).format(value=value, n=options)
    return message, _("use 0 to {last} (the first option is 0)").format(last=options - 1)


def _question_label(data: dict[str, Any], position: int) -> str:
    """How a message names question ``position``: its id, else ``#<n>``."""
    raw = data["questions"][position]
    qid = raw.get("id") if isinstance(raw, dict) else None
    return qid if isinstance(qid, str) and qid.strip() else f"#{position + 1}"


_TEXTS_FIX = N_('write {key}: ["...", "..."]')
_ANSWER = {
    "single": (
        N_("answer {value!r} is not an option index"),
        N_("give the position of the right option, 0 to {last} (the first option is 0)"),
    ),
    "multiple": (
        N_("answer must be a list of option indices, found {value!r}"),
        N_("write answer: [0, 2]"),
    ),
    "numeric": (
        N_("answer must be a number, found {value!r}"),
        N_("write answer: 3.5 (no quotes, no unit: put the unit in 'unit')"),
    ),
    "text": (
        N_("an accepted answer is empty or not a text, found {value!r}"),
        N_('write answer: ["...", "..."] and remove empty ones'),
    ),
    "ordering": (
        N_("'answer' must be a list of texts, found {value!r}"),
        N_("list the options in the right order"),
    ),
}
#: the message and the fix for a question field that breaks the schema, by field
_FIELD = {
    "id": (N_("the question has no 'id'"), N_("add id: <lesson>-q<n>, unique in the course")),
    "type": (N_("unknown type {value!r}"), N_("use one of {types}")),
    "prompt": (N_("the 'prompt' is missing or empty"), N_("write the question text")),
    "attempts": (N_("'attempts' must be a whole number ≥ 1, found {value!r}"), ""),
    "minutes": (N_("'minutes' must be a positive number, found {value!r}"), ""),
    "explanation": (N_("'explanation' must be a text"), ""),
    "hints": (N_("'hints' must be a list of texts, found {value!r}"), _TEXTS_FIX),
    "skills": (N_("'skills' must be a list of texts, found {value!r}"), _TEXTS_FIX),
    "options": (N_("'options' must be a list of texts, found {value!r}"), _TEXTS_FIX),
    "tolerance": (N_("tolerance must be a number ≥ 0, found {value!r}"), ""),
    "unit": (N_("unit must be a text, found {value!r}"), ""),
    "target": (
        N_("'target' must be a Python name, found {value!r}"),
        N_("write target: the name the learner defines, e.g. moyenne"),
    ),
    "check": (
        N_("a code question needs 'check' (a function `check`)"),
        N_("write check: | def check(<target>): assert ..."),
    ),
}
#: the message and the fix for a bank key that breaks the schema, by key
_BANK = {
    "": (N_("the file must hold a mapping with schema_version, lesson, questions"), ""),
    "schema_version": (
        N_("schema_version must be {version}, found {value!r}"),
        N_("add schema_version: 1"),
    ),
    "lesson": (N_("'lesson' is missing"), N_("add lesson: <lesson id>")),
    "questions": (
        N_("'questions' must be a non-empty list"),
        N_("add questions: (a list of questions)"),
    ),
    "language": (N_("language must be fr or en, found {value!r}"), N_("write language: fr or en")),
}


def _filled(template: str, **values: Any) -> str:
    """``template`` (a message of the tables above) in the user's language, filled in."""
    if not template:
        return ""
    return _(template).format(types=", ".join(TYPES), version=SCHEMA_VERSION, **values)


def _bank_message(problem: SchemaProblem, data: Any) -> tuple[str, str, str]:
    """(question label or '', message, fix) for one schema problem of a bank."""
    path, rule, value = problem.path, problem.rule, problem.value
    # fastjsonschema's own words, for a rule without a message here (used as a template)
    raw = problem.raw.replace("{", "{{").replace("}", "}}")
    if rule == "additionalProperties" and not path:
        return (
            "",
            _("unknown key(s): {keys}").format(keys=", ".join(problem.unknown())),
            _("allowed: {keys}").format(keys=", ".join(sorted(_BANK_KEYS))),
        )
    if len(path) < 2:  # the bank itself or one of its keys
        key = problem.missing()[0] if rule == "required" else problem.field
        message, fix = _BANK.get(key, (raw, ""))
        found = data.get(key) if rule == "required" and isinstance(data, dict) else value
        return "", _filled(message, value=found), _filled(fix)
    label = _question_label(data, int(path[1]))
    question = data["questions"][int(path[1])]
    if len(path) == 2:  # the question itself
        if rule == "type":
            return label, _("each question must be a mapping (id, type, ...)"), ""
        kind = question.get("type")
        if rule == "propertyNames":
            allowed = problem.argument.get("enum", [])
            unknown = sorted(set(question) - set(allowed))
            return (
                label,
                _("unknown key(s) for a '{kind}' question: {keys}").format(
                    kind=kind, keys=", ".join(unknown)
                ),
                _("allowed: {keys}").format(keys=", ".join(sorted(allowed))),
            )
        if rule == "required":
            return label, *_missing(problem.missing()[0], kind)
    field = problem.field
    found = question.get(field) if len(path) > 3 else value  # a list's item: show the list
    if field == "answer":
        message, fix = _ANSWER.get(question.get("type"), (raw, ""))
        last = len(question.get("options") or []) - 1
        if question.get("type") in {"single", "multiple"} and rule == "minimum":
            return label, *_out_of_range(value, last + 1)
        if question.get("type") == "multiple" and len(path) > 3:
            message, fix = _ANSWER["single"]
            found = value
        return label, _filled(message, value=found), _filled(fix, last=last)
    if field == "options" and rule == "minItems":
        return label, _("'options' needs at least 2 entries, found {n}").format(n=len(value)), ""
    message, fix = _FIELD.get(field, (raw, ""))
    return label, _filled(message, value=found), _filled(fix, key=field)


def _missing(key: str, kind: Any) -> tuple[str, str]:
    """(message, fix) for a question key that must be there and is not."""
    if key == "answer":
        return _("the 'answer' is missing"), _("add answer: (see docs/quiz-authoring.md)")
    if key == "options":
        return _("a '{kind}' question needs 'options'").format(kind=kind), _(
            'add options: ["...", "..."]'
        )
    if key == "type":
        return _("the question has no 'type'"), _filled(N_("add type: one of {types}"))
    message, fix = _FIELD[key]
    return _filled(message, value=None), _filled(fix)


def _check_schema(data: Any, source: str) -> None:
    """Raise QuizDefinitionError for the first way ``data`` breaks quiz-bank-v1.json
    (naming how many more there are)."""
    found = schema_problems(compiled(__package__, f"quiz-bank-v{SCHEMA_VERSION}.json"), data)
    if not found:
        return
    label, message, fix = _bank_message(found[0], data)
    if len(found) > 1:
        more = ngettext(
            "then fix {n} more problem in this file",
            "then fix {n} more problems in this file",
            len(found) - 1,
        ).format(n=len(found) - 1)
        fix = f"{fix}; {more}" if fix else more
    raise _fail(source, label, message, fix)


def _index(value: int, options: tuple[str, ...], source: str, qid: str) -> int:
    if not 0 <= value < len(options):
        raise _fail(source, qid, *_out_of_range(value, len(options)))
    return value


def _texts(value: Any) -> tuple[str, ...]:
    """A list of texts (or one text, as hints and skills allow), as a tuple of str."""
    return tuple(str(v) for v in ([value] if isinstance(value, str) else value))


def _options(raw: dict[str, Any], source: str, qid: str) -> tuple[str, ...]:
    options = _texts(raw["options"])
    if len(set(options)) != len(options):
        raise _fail(
            source, qid, _("two options have the same text"), _("make every option distinct")
        )
    return options


def parse_question(raw: dict[str, Any], lesson: str, source: str) -> Question:
    """One question from its mapping, already valid against the bank's schema: what the
    schema cannot say is checked here (raises QuizDefinitionError)."""
    qid, kind = raw["id"], raw["type"]
    answer: Any = raw.get("answer")
    values: dict[str, Any] = {
        "id": qid, "type": kind, "prompt": raw["prompt"], "lesson": lesson,
        "attempts": raw.get("attempts", 2), "explanation": raw.get("explanation", ""),
        "minutes": float(raw.get("minutes", 1)),
        "hints": _texts(raw.get("hints", [])), "skills": _texts(raw.get("skills", [])),
    }  # fmt: skip
    if kind == "single":
        options = _options(raw, source, qid)
        values |= {"options": options, "answer": _index(answer, options, source, qid)}
    elif kind == "multiple":
        options = _options(raw, source, qid)
        indices = tuple(sorted({_index(a, options, source, qid) for a in answer}))
        values |= {"options": options, "answer": indices}
    elif kind == "numeric":
        values |= {
            "answer": float(answer),
            "tolerance": float(raw.get("tolerance", 0)),
            "unit": raw.get("unit", "").strip(),
        }
    elif kind == "text":
        variants = _texts(answer)
        if not all(v.strip() for v in variants):
            raise _fail(source, qid, _("an accepted answer is empty"), _("remove it"))
        values |= {"answer": variants}
    elif kind == "ordering":
        options = _options(raw, source, qid)
        order = _texts(answer)
        if sorted(order) != sorted(options):
            raise _fail(
                source,
                qid,
                _("answer must list every option once, in the right order"),
                _("reorder exactly these options: {options}").format(options=list(options)),
            )
        values |= {"options": options, "answer": order}
    else:
        values |= _code_fields(raw, source, qid)
    return Question(**values)


def _code_fields(raw: dict[str, Any], source: str, qid: str) -> dict[str, Any]:
    target, code = raw["target"], raw["check"]
    if keyword.iskeyword(target):
        raise _fail(
            source,
            qid,
            _("'target' must be a Python name, found {target!r} (a keyword)").format(target=target),
            _("write target: the name the learner defines, e.g. moyenne"),
        )
    try:
        tree = compile(code, f"<check of {qid}>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise _fail(
            source,
            qid,
            _("'check' has a syntax error at line {line}: {error}").format(
                line=exc.lineno, error=exc.msg
            ),
            _("fix the check function's code"),
        ) from None
    if "check" not in tree.co_names:
        raise _fail(
            source,
            qid,
            _("'check' must define a function named check"),
            _("write def check({target}): ...").format(target=target),
        )
    return {"target": target, "check": code}


def parse_bank(data: Any, source: str | Path, *, lesson: str | None = None) -> Bank:
    """A bank from its decoded YAML (or unsealed JSON) document, validated against
    ``schemas/quiz-bank-v1.json`` then checked for what the schema cannot say."""
    shown = str(source)
    _check_schema(data, shown)
    bank_lesson = data["lesson"]
    if lesson and bank_lesson != lesson:
        raise _fail(
            shown,
            "",
            _("this bank is for lesson '{bank}', not '{lesson}'").format(
                bank=bank_lesson, lesson=lesson
            ),
            _("fix 'lesson' in the file or the lesson id in the notebook"),
        )
    questions: dict[str, Question] = {}
    for raw in data["questions"]:
        question = parse_question(raw, bank_lesson, shown)
        if question.id in questions:
            raise _fail(
                shown, question.id, _("this id is used twice"), _("give each question its own id")
            )
        questions[question.id] = question
    return Bank(
        lesson=bank_lesson,
        source=Path(source),
        language=data.get("language", ""),
        questions=questions,
    )


def load_bank(path: str | Path, *, lesson: str | None = None) -> Bank:
    """Read a bank file: YAML (teacher) or ``.sealed.json`` (learner copy)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _fail(
            str(path), "", _("file not found"), _("create it or check the lesson id")
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(
            str(path),
            "",
            _("cannot be read ({error})").format(error=exc),
            _("save it as UTF-8 text"),
        ) from None
    if path.name.endswith(".sealed.json"):
        try:
            data = unseal(json.loads(text))
        except ValueError as exc:
            raise _fail(
                str(path),
                "",
                _("damaged sealed bank ({error})").format(error=exc),
                _("seal the YAML bank again with seal_bank()"),
            ) from None
    else:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            place = (
                _(" at line {line}, column {column}").format(
                    line=mark.line + 1, column=mark.column + 1
                )
                if mark
                else ""
            )
            raise _fail(
                str(path),
                "",
                _("not valid YAML{place}: {error}").format(
                    place=place, error=getattr(exc, "problem", exc)
                ),
                _("check indentation and quotes"),
            ) from None
    return parse_bank(data, path, lesson=lesson)


def shown_order(question: Question, who: str) -> tuple[str, ...]:
    """The order an ordering question offers its items in to learner ``who``: shuffled,
    the same at every showing for the same learner and question (a reload does not
    reshuffle), and never the right order when there are two items or more (the bank
    lists them in the right order, often). Other types: the options as written."""
    options = list(question.options)
    if question.type != "ordering" or len(options) < 2:
        return tuple(options)
    seed = hashlib.sha256(f"{who}\0{question.lesson}\0{question.id}".encode()).digest()
    random.Random(int.from_bytes(seed[:8], "big")).shuffle(options)
    if options == list(question.answer):  # items are distinct: a rotation changes the order
        options = options[1:] + options[:1]
    return tuple(options)


def bank_paths(quizzes: Path, lesson: str) -> list[Path]:
    """Where a lesson's bank may be, in order: the teacher's YAML, then the sealed copy."""
    return [quizzes / f"{lesson}{suffix}" for suffix in (".yaml", ".yml", ".sealed.json")]


def sealed_text(yaml_path: str | Path, *, course_key: str = "") -> tuple[str, str]:
    """The sealed copy of a YAML bank (validated first): its file name
    (``<lesson>.sealed.json``) and its text."""
    import yaml

    from .seal import seal_question

    source = Path(yaml_path)
    bank = load_bank(source)  # refuses a malformed bank before anything is written
    document = yaml.safe_load(source.read_text(encoding="utf-8"))
    sealed = {k: v for k, v in document.items() if k != "questions"}
    sealed["sealed"] = 1
    sealed["questions"] = [seal_question(q, bank.lesson, course_key) for q in document["questions"]]
    return f"{bank.lesson}.sealed.json", json.dumps(sealed, ensure_ascii=False, indent=1) + "\n"


def seal_bank(
    yaml_path: str | Path, out: str | Path | None = None, *, course_key: str = ""
) -> Path:
    """Write the sealed copy of a YAML bank (validated first); returns its path
    (default: ``<lesson>.sealed.json`` next to the YAML file, or in folder ``out``)."""
    name, text = sealed_text(yaml_path, course_key=course_key)
    folder = Path(out) if out else Path(yaml_path).parent
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    target.write_text(text, encoding="utf-8")
    return target
