"""Sealed banks: the learner-side copy of a quiz bank, answers not readable as plain text.

``seal_bank("quizzes/l01.yaml")`` writes ``quizzes/l01.sealed.json``: prompts, options and
hints stay readable; each question's answer, tolerance, explanation and check function are
packed as ``base64(xor(zlib(json), key))``, the key derived from the lesson and question
ids (and an optional course key). This is obfuscation, not security: the learner's own
kernel must unseal the answer to give feedback. See docs/quiz-authoring.md.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from itertools import cycle
from pathlib import Path
from typing import Any

SEALED_FIELDS = ("answer", "tolerance", "unit", "explanation", "check")


def _key(lesson: str, question_id: str, course_key: str = "") -> bytes:
    return hashlib.sha256(f"parcours-seal:{course_key}:{lesson}:{question_id}".encode()).digest()


def _xor(data: bytes, key: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, cycle(key)))


def seal_question(raw: dict[str, Any], lesson: str, course_key: str = "") -> dict[str, Any]:
    """One question mapping with its answer fields packed into ``sealed``."""
    public = {k: v for k, v in raw.items() if k not in SEALED_FIELDS}
    secret = {k: raw[k] for k in SEALED_FIELDS if k in raw}
    packed = zlib.compress(json.dumps(secret, ensure_ascii=False).encode("utf-8"), 9)
    key = _key(lesson, str(raw.get("id")), course_key)
    public["sealed"] = base64.b64encode(_xor(packed, key)).decode("ascii")
    return public


def unseal(document: dict[str, Any], course_key: str = "") -> dict[str, Any]:
    """The bank document with every question's answer fields restored (ValueError if the
    document is damaged)."""
    if not isinstance(document, dict) or document.get("sealed") != 1:
        raise ValueError("not a sealed bank (missing 'sealed': 1)")
    lesson = str(document.get("lesson", ""))
    questions = []
    for raw in document.get("questions", []):
        raw = dict(raw)
        packed = raw.pop("sealed", None)
        if packed is not None:
            try:
                data = zlib.decompress(
                    _xor(base64.b64decode(packed), _key(lesson, str(raw.get("id")), course_key))
                )
                raw |= json.loads(data)
            except (zlib.error, ValueError) as exc:
                raise ValueError(f"question {raw.get('id')!r} cannot be unsealed: {exc}") from exc
        questions.append(raw)
    return {k: v for k, v in document.items() if k != "sealed"} | {"questions": questions}


def sealed_text(yaml_path: str | Path, *, course_key: str = "") -> tuple[str, str]:
    """The sealed copy of a YAML bank (validated first): its file name
    (``<lesson>.sealed.json``) and its text."""
    import yaml

    from .model import load_bank

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
