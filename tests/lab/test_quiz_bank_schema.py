"""Quiz banks against ``quiz-bank-v1.json``: a folder of bad banks, each with the message
it must produce (``# expect:`` on its first line), and the course's real banks as good
examples that the reference JSON Schema implementation accepts too."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from parcours.i18n import language
from parcours.jsonschemas import load_schema
from parcours.quizbank import QuizDefinitionError, load_bank

ROOT = Path(__file__).resolve().parents[2]
BAD = sorted((Path(__file__).parent / "banks" / "bad").glob("*.yaml"))
GOOD = sorted(ROOT.glob("courses/*/quizzes/*.yaml"))


def expected_message(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name}: first line must be '# expect: ...'"
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_bank_is_refused_with_its_message(path: Path) -> None:
    with pytest.raises(QuizDefinitionError) as caught, language("en"):  # the code's English
        load_bank(path)
    message = str(caught.value)
    assert expected_message(path) in message
    assert message.endswith(f"(in {path})")


@pytest.mark.parametrize("path", GOOD, ids=[p.stem for p in GOOD])
def test_course_banks_follow_the_schema(path: Path) -> None:
    import jsonschema

    assert load_bank(path).questions
    jsonschema.validate(
        yaml.safe_load(path.read_text(encoding="utf-8")),
        load_schema("parcours.quizbank", "quiz-bank-v1.json"),
    )


def test_there_are_examples() -> None:
    assert len(BAD) >= 15 and GOOD
