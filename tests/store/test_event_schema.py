"""Event schema v1: folders of good and bad examples (jupyter_events' style)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from parcours.errors import InvalidEventError
from parcours.store import Event, pseudonymize
from parcours.store.events import COLUMNS, problems, schema, validate
from parcours.store.ids import is_pseudonym

EXAMPLES = Path(__file__).parent / "events"
GOOD = sorted((EXAMPLES / "good").glob("*.json"))
BAD = sorted((EXAMPLES / "bad").glob("*.json"))
#: what the message says for each bad example (the file's stem)
EXPECTED = {
    "actor__missing": "actor: required field is missing",
    "answered__on_a_lesson": (
        "verb 'answered' applies to object_type 'question' only, found 'lesson'"
    ),
    "attempt__zero": "attempt: 0 is below 1",
    "colour__unknown_field": "colour: unknown field (known: id, schema_version, timestamp",
    "extra__not_an_object": "extra: must be a JSON object, found list",
    "extra__not_json": "extra: not valid JSON text",
    "id__not_uuid_hex": "id: '42' does not match ^[0-9a-f]{32}$ (expected: uuid4 hex)",
    "object_id__empty": "object_id: must not be empty",
    "response__not_json": "response: not valid JSON text",
    "schema_version__future": "schema_version: unknown version 2 (this Parcours writes 1)",
    "score__above_one": "score: 1.5 is above 1",
    "self_reported__missing": "self_reported: required field is missing",
    "success__boolean": "success: expected ['integer', 'null'], found True",
    "timestamp__no_time": "timestamp: '2026-09-14' does not match",
    "timestamp__not_utc": "(expected: ISO 8601, UTC)",
    "verb__unknown": "verb: 'liked' is not one of ['answered'",
}


@pytest.mark.parametrize("path", GOOD, ids=[p.stem for p in GOOD])
def test_good_events_validate(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert problems(data) == []
    event = Event.from_dict(data)
    assert event.to_dict() == data


@pytest.mark.parametrize("path", GOOD, ids=[p.stem for p in GOOD])
def test_good_events_pass_jsonschema_too(path: Path) -> None:
    """The light validator and the reference implementation agree on the shipped schema."""
    import jsonschema

    jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), schema())


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_events_are_refused_naming_the_field(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    field = path.stem.split("__")[0]
    with pytest.raises(InvalidEventError) as caught:
        validate(data)
    message = str(caught.value)
    assert field in message
    assert data.get("id", "?") in message
    assert "docs/events.md" in message
    assert EXPECTED[path.stem] in message
    assert len(problems(data)) == 1, "one message per problem, not one per keyword"


def test_every_bad_example_has_its_expected_message() -> None:
    assert {p.stem for p in BAD} == set(EXPECTED)


@pytest.mark.parametrize("data", [3, [], "event", None])
def test_an_event_must_be_an_object(data: object) -> None:
    assert problems(data) == [f"an event must be a JSON object, not {type(data).__name__}"]


def test_schema_file_matches_the_table_columns() -> None:
    spec = schema()
    assert tuple(spec["properties"]) == COLUMNS
    assert set(spec["required"]) == set(COLUMNS)


def test_event_make_encodes_json_fields_and_validates() -> None:
    event = Event.make(
        actor=pseudonymize("alice", "s"),
        verb="answered",
        course="c1",
        object_type="question",
        object_id="q1",
        response={"choix": "Série"},
        extra={"hints": 1},
        success=True,
        score=1.0,
        attempt=1,
    ).check()
    assert event.success == 1
    assert event.response_value == {"choix": "Série"}
    assert event.extra_dict == {"hints": 1}
    assert len(event.id) == 32 and event.timestamp.endswith("+00:00")


def test_pseudonymize_is_the_contract() -> None:
    import hashlib
    import hmac

    expected = "p-" + hmac.new(b"sel", b"alice", hashlib.sha256).hexdigest()[:16]
    assert pseudonymize("alice", "sel") == expected
    assert pseudonymize("alice", "autre") != expected
    assert is_pseudonym(expected) and not is_pseudonym("alice")
