"""Versioned JSON Schemas shipped in the packages, one validator style for all of them.

Event records (``store/schemas/event-v1.json``) and quiz banks
(``quizbank/schemas/quiz-bank-v1.json``) are declared as JSON Schema draft-07 and
validated with ``fastjsonschema``: each schema is compiled once per process into a Python
function (cached), which costs a few milliseconds and imports fast in a learner's kernel.

fastjsonschema's errors say ``data.questions[0].answer must be number``; each caller maps
them (:class:`SchemaProblem`: path, rule, value) to Parcours' own messages, which name the
field, say what is wrong and what to do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema

#: the JSON Schema draft every Parcours schema declares (``$schema``)
DRAFT = "http://json-schema.org/draft-07/schema#"


@cache
def load_schema(package: str, name: str) -> dict[str, Any]:
    """The schema file ``schemas/<name>`` of ``package``, decoded (FileNotFoundError if
    the package ships no such file)."""
    path = resources.files(package).joinpath("schemas", name)
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def compiled(package: str, name: str) -> Callable[[Any], Any]:
    """The validation function of ``schemas/<name>`` in ``package``, compiled once.

    It collects every problem (``fast_fail=False``) and never fills defaults in: the data
    is checked, not changed.
    """
    return fastjsonschema.compile(load_schema(package, name), use_default=False, fast_fail=False)


@dataclass(frozen=True)
class SchemaProblem:
    """One way a document breaks its schema, from fastjsonschema's error."""

    #: keys and list indices from the document's root to the offending value
    path: tuple[str | int, ...]
    #: the JSON Schema keyword broken (``type``, ``required``, ``minimum``...)
    rule: str
    #: the offending value
    value: Any
    #: the schema the value must follow (holds the rule's argument)
    definition: dict[str, Any]
    #: fastjsonschema's own message (``data.score must be smaller than or equal to 1``)
    raw: str

    @property
    def field(self) -> str:
        """The last key of the path ('' for the document itself)."""
        names = [part for part in self.path if isinstance(part, str)]
        return names[-1] if names else ""

    @property
    def argument(self) -> Any:
        """The rule's value in the schema (the ``1`` of ``maximum: 1``)."""
        return self.definition.get(self.rule)

    def missing(self) -> list[str]:
        """For a ``required`` problem: the keys absent from the value."""
        present = self.value if isinstance(self.value, dict) else {}
        return [key for key in self.definition.get("required", []) if key not in present]

    def unknown(self) -> list[str]:
        """For an ``additionalProperties`` problem: the keys the schema does not know."""
        known = set(self.definition.get("properties", {}))
        present = self.value if isinstance(self.value, dict) else {}
        return sorted(key for key in present if key not in known)


def _path(error: fastjsonschema.JsonSchemaValueException) -> tuple[str | int, ...]:
    parts = error.path[1:]  # drop the root's name, "data"
    return tuple(int(part) if part.isdigit() else part for part in parts)


def _rule(error: fastjsonschema.JsonSchemaValueException) -> str:
    if error.rule:
        return error.rule
    # fastjsonschema names no rule for its content checks
    if isinstance(error.definition, dict) and error.message.endswith("must be valid JSON"):
        return "contentMediaType"
    return ""


def schema_problems(validate: Callable[[Any], Any], data: Any) -> list[SchemaProblem]:
    """Every problem ``validate`` (from :func:`compiled`) finds in ``data``, in the
    schema's order; empty when ``data`` is valid."""
    try:
        validate(data)
    except fastjsonschema.JsonSchemaValuesException as caught:
        errors = caught.errors
    except fastjsonschema.JsonSchemaValueException as caught:
        errors = [caught]
    else:
        return []
    return [
        SchemaProblem(
            path=_path(error),
            rule=_rule(error),
            value=error.value,
            definition=error.definition if isinstance(error.definition, dict) else {},
            raw=error.message,
        )
        for error in errors
    ]
