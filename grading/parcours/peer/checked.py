"""The records of peer review and teams that learners write through the service, each
checked against its JSON Schema when read and before and after a change (a change
breaking it is never written). Same format as :mod:`parcours.pipeline.records`:
versioned, locked, replaced atomically, with an append-only history.

Each module declares its files with :func:`register` (file name -> the schema of one
entry); :data:`SCHEMAS` holds them all, one schema per stored format."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..i18n import _
from ..pipeline.records import read_record, update_record

#: file name -> its JSON Schema
SCHEMAS: dict[str, dict[str, Any]] = {}
#: a moment, as the records write it (ISO 8601)
WHEN = {"type": "string", "minLength": 1}


def ratings(field: str, lowest: int, highest: int) -> dict[str, Any]:
    """The entry of a record of ratings: for each one rated (a review's number, a
    team-mate), ``field`` (an integer ``lowest`` to ``highest``) and when."""
    return {
        "type": "object",
        "additionalProperties": {
            "type": "object",
            "required": [field, "at"],
            "additionalProperties": False,
            "properties": {
                field: {"type": "integer", "minimum": lowest, "maximum": highest},
                "at": WHEN,
            },
        },
    }


def register(name: str, entry: dict[str, Any]) -> str:
    """Declare the record file ``name`` whose ``entries`` each follow ``entry``."""
    SCHEMAS[name] = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "required": ["schema_version", "entries", "history"],
        "properties": {
            "schema_version": {"const": 1},
            "entries": {"type": "object", "additionalProperties": entry},
            "history": {"type": "array", "items": {"type": "object"}},
        },
    }
    return name


@cache
def _validator(name: str) -> Callable[[Any], Any]:
    import fastjsonschema

    return fastjsonschema.compile(SCHEMAS[name], use_default=False)


def check(path: Path, data: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    """``data`` when it follows its file's schema (``name``, default the file's own
    name), else the data error naming the file."""
    import fastjsonschema

    try:
        _validator(name or path.name)(data)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise DataError(
            _(
                "{path}: {problem}; restore it from a backup or delete it to start the "
                "record again."
            ).format(path=path, problem=exc.message)
        ) from None
    return data


def read_entries(path: Path, name: str | None = None) -> dict[str, Any]:
    """The record's entries, checked (empty when the file does not exist yet)."""
    return dict(check(path, read_record(path), name)["entries"])


@contextlib.contextmanager
def updating(path: Path, name: str | None = None) -> Iterator[dict[str, Any]]:
    """:func:`parcours.pipeline.records.update_record`, checked before and after."""
    with update_record(path) as data:
        check(path, data, name)
        yield data
        check(path, data, name)
