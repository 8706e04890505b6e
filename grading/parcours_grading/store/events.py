"""The event record (schema version 1): an xAPI-shaped dataclass and its validation.

The schema is declared in ``schemas/event-v1.json`` (shipped in the package). Events are
validated against it on every write by a small interpreter of the JSON-Schema keywords that
file uses (``type``, ``enum``, ``required``, ``additionalProperties``, ``pattern``,
``minimum``, ``maximum``, ``minLength``, ``maxLength``): ``jsonschema`` costs a second of
import in the learner's kernel, and the tests check that both agree on the example folders.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field, fields
from functools import cache
from importlib import resources
from re import Pattern
from typing import Any

from ..errors import InvalidEventError

SCHEMA_VERSION = 1
VERBS = ("answered", "opened", "progressed", "completed", "reflected", "rated", "submitted")
OBJECT_TYPES = ("question", "lesson", "section", "module", "assignment")


@dataclass(frozen=True)
class Event:
    """One thing a learner did, as stored in the ``events`` table (one field per column)."""

    #: pseudonymous learner id (:func:`~parcours_grading.store.ids.pseudonymize`)
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
    path = resources.files(__package__).joinpath("schemas", f"event-v{version}.json")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidEventError(
            f"no schema for event version {version} (known: {SCHEMA_VERSION}); "
            "upgrade Parcours or write version 1 events"
        ) from None


_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "null": (type(None),),
    "object": (dict,),
}


def _type_ok(value: Any, kinds: str | list[str]) -> bool:
    for kind in (kinds,) if isinstance(kinds, str) else kinds:
        if isinstance(value, bool) and kind in {"integer", "number"}:
            continue
        if isinstance(value, _TYPES[kind]):
            return True
    return False


@cache
def _rules(version: int = SCHEMA_VERSION) -> dict[str, tuple[dict[str, Any], Pattern[str] | None]]:
    """Each property's rule with its pattern compiled (validation runs on every write)."""
    props = schema(version)["properties"]
    return {
        name: (rule, re.compile(rule["pattern"]) if "pattern" in rule else None)
        for name, rule in props.items()
    }


def problems(data: Any) -> list[str]:
    """Every way ``data`` breaks the event schema (empty when valid)."""
    if not isinstance(data, dict):
        return [f"an event must be a JSON object, not {type(data).__name__}"]
    version = data.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION or isinstance(version, bool):
        return [
            f"schema_version: unknown version {version!r} (this Parcours writes {SCHEMA_VERSION})"
        ]
    rules = _rules(SCHEMA_VERSION)
    found: list[str] = []
    for name in schema(SCHEMA_VERSION)["required"]:
        if name not in data:
            found.append(f"{name}: required field is missing")
    for name, value in data.items():
        entry = rules.get(name)
        if entry is None:
            found.append(f"{name}: unknown field (known: {', '.join(rules)})")
            continue
        rule, pattern = entry
        if not _type_ok(value, rule["type"]):
            found.append(f"{name}: expected {rule['type']}, found {value!r}")
            continue
        if "enum" in rule and value not in rule["enum"]:
            found.append(f"{name}: {value!r} is not one of {rule['enum']}")
        if isinstance(value, str):
            if pattern is not None and not pattern.search(value):
                found.append(f"{name}: {value!r} does not match {rule['pattern']}")
            if len(value) < rule.get("minLength", 0):
                found.append(f"{name}: must not be empty")
            if len(value) > rule.get("maxLength", len(value)):
                found.append(f"{name}: longer than {rule['maxLength']} characters")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if "minimum" in rule and value < rule["minimum"]:
                found.append(f"{name}: {value!r} is below {rule['minimum']}")
            if "maximum" in rule and value > rule["maximum"]:
                found.append(f"{name}: {value!r} is above {rule['maximum']}")
    # what JSON Schema cannot say in this file: JSON text fields must hold JSON
    for name, must_be_object in (("response", False), ("extra", True)):
        text = data.get(name)
        if isinstance(text, str):
            try:
                decoded = json.loads(text)
            except ValueError:
                found.append(f"{name}: not valid JSON text ({text[:40]!r})")
                continue
            if must_be_object and not isinstance(decoded, dict):
                found.append(f"{name}: must be a JSON object, found {type(decoded).__name__}")
    if data.get("verb") == "answered" and data.get("object_type") != "question":
        found.append("verb 'answered' applies to object_type 'question' only")
    return found


def validate(data: Any) -> None:
    """Raise :class:`InvalidEventError` naming the event and each problem, if any."""
    found = problems(data)
    if found:
        ident = data.get("id", "?") if isinstance(data, dict) else "?"
        raise InvalidEventError(
            f"event {ident} does not follow event schema v{SCHEMA_VERSION}: "
            + "; ".join(found)
            + " — fix the writer, see docs/events.md"
        )
