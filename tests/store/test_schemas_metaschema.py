"""Every JSON Schema Parcours ships is itself valid against the JSON Schema metaschema of
the draft it declares, and the ones validated at run time declare the draft
fastjsonschema implements (draft-07)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from parcours.jsonschemas import DRAFT, compiled

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(
    [
        *ROOT.glob("grading/parcours/**/schemas/*.json"),
        *ROOT.glob("extensions/parcours_lab/**/schemas/*.json"),
    ]
)
#: (package, file) of the schemas validated on every write or load
VALIDATED = [
    ("parcours.store", "event-v1.json"),
    ("parcours.quizbank", "quiz-bank-v1.json"),
]


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_schema_is_valid_against_its_metaschema(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert "$schema" in schema, f"{path.name}: declare the draft in $schema"
    jsonschema.validators.validator_for(schema).check_schema(schema)


@pytest.mark.parametrize(("package", "name"), VALIDATED, ids=[n for _, n in VALIDATED])
def test_validated_schemas_are_draft_07_and_compile(package: str, name: str) -> None:
    path = next(p for p in SHIPPED if p.name == name)
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == DRAFT
    jsonschema.Draft7Validator.check_schema(schema)
    assert compiled(package, name) is compiled(package, name)  # compiled once, cached


def test_fastjsonschema_is_a_declared_dependency() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"fastjsonschema>=' in text
