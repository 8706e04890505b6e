"""The event record (schema version 1): an xAPI-shaped dataclass and its validation.

The schema is declared in ``schemas/event-v1.json`` (JSON Schema draft-07, shipped in the
package). Events are validated against it on every write by the schema compiled once with
fastjsonschema (:mod:`parcours.jsonschemas`: fast to import in the learner's
kernel, unlike ``jsonschema``); its errors are reworded here, one message per field.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any

from ..errors import InvalidEventError
from ..i18n import _
from ..jsonschemas import SchemaProblem, compiled, load_schema, schema_problems

SCHEMA_VERSION = 1
VERBS = ("answered", "opened", "progressed", "completed", "reflected", "rated", "submitted")
OBJECT_TYPES = ("question", "lesson", "section", "module", "assignment")


@dataclass(frozen=True)
class Event:
    """One thing a learner did, as stored in the ``events`` table (one field per column)."""

    #: pseudonymous learner id (:func:`~parcours.store.ids.pseudonymize`)
    actor: str
    #: answered | opened | progressed | completed | reflected | rated | submitted
    verb: str
    #: course id
    course: str
    #: question | lesson | section | module | assignment
    object_type: str
    #: question id, lesson id, ``<lesson>#<section>``, module id or assignment id
    object_id: str
    #: lesson (or assignment) the object belongs to, '' if none
    lesson: str = ""
    #: scaled score 0..1
    score: float | None = None
    #: 0/1
    success: int | None = None
    #: the learner's answer as JSON text
    response: str | None = None
    #: seconds (time on task, time to answer)
    duration_s: float | None = None
    #: attempt number of an answer, 1-based
    attempt: int | None = None
    #: JSON object as text: hints used, reflection fields, rating, version...
    extra: str = "{}"
    #: 1 when written from the learner's kernel (cannot be trusted for grades)
    self_reported: int = 1
    #: uuid4 hex
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    #: ISO 8601 UTC
    timestamp: str = field(default_factory=lambda: now_iso())
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def make(
        cls,
        *,
        response: Any = None,
        extra: dict[str, Any] | None = None,
        success: bool | int | None = None,
        **values: Any,
    ) -> Event:
        """Build an event from Python values: ``response`` and ``extra`` are encoded as
        JSON text, ``success`` as 0/1."""
        return cls(
            response=None if response is None else json.dumps(response, ensure_ascii=False),
            extra=json.dumps(extra or {}, ensure_ascii=False, sort_keys=True),
            success=None if success is None else int(bool(success)),
            **values,
        )

    def to_dict(self) -> dict[str, Any]:
        """The event as a plain dict (one key per column)."""
        return {name: getattr(self, name) for name in COLUMNS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        """An event from a dict with the columns' keys; validated."""
        validate(data)
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @property
    def extra_dict(self) -> dict[str, Any]:
        """``extra`` decoded."""
        return json.loads(self.extra or "{}")

    @property
    def response_value(self) -> Any:
        """``response`` decoded (None when absent)."""
        return None if self.response is None else json.loads(self.response)

    def check(self) -> Event:
        """Validate this event against the schema; returns it (raises InvalidEventError)."""
        validate(self.to_dict())
        return self


#: column order of the ``events`` table
COLUMNS: tuple[str, ...] = (
    "id", "schema_version", "timestamp", "actor", "verb", "course", "object_type",
    "object_id", "lesson", "score", "success", "response", "duration_s", "attempt",
    "extra", "self_reported",
)  # fmt: skip


def now_iso() -> str:
    """The current time as the schema writes it (ISO 8601, UTC, microseconds)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


@cache
def schema(version: int = SCHEMA_VERSION) -> dict[str, Any]:
    """The JSON schema of an event version, read from the package."""
    try:
        return load_schema(__package__, f"event-v{version}.json")
    except FileNotFoundError:
        raise InvalidEventError(
            _(
                "no schema for event version {version} (known: {known}); upgrade "
                "Parcours or write version 1 events"
            ).format(version=version, known=SCHEMA_VERSION)
        ) from None


def _message(problem: SchemaProblem) -> str:
    """Parcours' wording of one schema problem: the field, then what is wrong."""
    name, rule, value, argument = problem.field, problem.rule, problem.value, problem.argument
    if rule == "type" and not problem.path:
        return f"an event must be a JSON object, not {type(value).__name__}"
    if rule == "required":
        return "; ".join(f"{key}: required field is missing" for key in problem.missing())
    if rule == "additionalProperties":
        known = ", ".join(schema()["properties"])
        return "; ".join(f"{key}: unknown field (known: {known})" for key in problem.unknown())
    if rule == "const" and name == "object_type":
        return f"verb 'answered' applies to object_type 'question' only, found {value!r}"
    messages = {
        "type": f"expected {argument}, found {value!r}",
        "enum": f"{value!r} is not one of {argument}",
        "pattern": f"{value!r} does not match {argument}",
        "minLength": "must not be empty" if argument == 1 else f"shorter than {argument}",
        "maxLength": f"longer than {argument} characters",
        "minimum": f"{value!r} is below {argument}",
        "maximum": f"{value!r} is above {argument}",
        "contentMediaType": f"not valid JSON text ({str(value)[:40]!r})",
    }
    described = problem.definition.get("description", "")
    hint = f" (expected: {described})" if described and rule in {"pattern", "type"} else ""
    return f"{name}: {messages.get(rule, problem.raw)}{hint}"


def problems(data: Any) -> list[str]:
    """Every way ``data`` breaks the event schema (empty when valid): one message per
    field, naming it and what is wrong."""
    if isinstance(data, dict):
        version = data.get("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION or isinstance(version, bool):
            return [
                f"schema_version: unknown version {version!r} "
                f"(this Parcours writes {SCHEMA_VERSION})"
            ]
    found: list[str] = []
    seen: set[tuple[str | int, ...]] = set()
    for problem in schema_problems(compiled(__package__, f"event-v{SCHEMA_VERSION}.json"), data):
        if problem.path in seen and problem.path:
            continue  # one message per field: its first problem (a bool is not 0/1 twice)
        seen.add(problem.path)
        found.append(_message(problem))
    # what JSON Schema cannot say: ``extra`` holds a JSON *object*
    extra = data.get("extra") if isinstance(data, dict) else None
    if isinstance(extra, str) and ("extra",) not in seen:
        try:
            decoded = json.loads(extra)
        except ValueError:
            decoded = {}  # reported by the schema (contentMediaType)
        if not isinstance(decoded, dict):
            found.append(f"extra: must be a JSON object, found {type(decoded).__name__}")
    return found


def validate(data: Any) -> None:
    """Raise :class:`InvalidEventError` naming the event and each problem, if any."""
    found = problems(data)
    if found:
        ident = data.get("id", "?") if isinstance(data, dict) else "?"
        raise InvalidEventError(
            _(
                "event {event} does not follow event schema v{version}: {problems} — fix "
                "the writer, see docs/events.md"
            ).format(event=ident, version=SCHEMA_VERSION, problems="; ".join(found))
        )
