"""Event schema v1: folders of good and bad examples (jupyter_events' style)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from parcours_grading.errors import InvalidEventError
from parcours_grading.store import Event, pseudonymize
from parcours_grading.store.events import COLUMNS, problems, schema, validate
from parcours_grading.store.ids import is_pseudonym

EXAMPLES = Path(__file__).parent / "events"
GOOD = sorted((EXAMPLES / "good").glob("*.json"))
BAD = sorted((EXAMPLES / "bad").glob("*.json"))


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

    expected = "p-" + hashlib.sha256(b"sel:alice").hexdigest()[:16]
    assert pseudonymize("alice", "sel") == expected
    assert pseudonymize("alice", "autre") != expected
    assert is_pseudonym(expected) and not is_pseudonym("alice")
