"""Sealed banks: the learner-side copy of a quiz bank, answers not readable as plain text.

``seal_bank("quizzes/l01.yaml")`` (:func:`.model.seal_bank`, the bank validated first)
writes ``quizzes/l01.sealed.json``: prompts, options and hints stay readable; each
question's answer, tolerance, explanation and check function are packed as
``base64(xor(zlib(json), key))``, the key derived from the lesson and question ids (and
an optional course key). This is obfuscation, not security: the learner's own kernel
must unseal the answer to give feedback. See docs/quiz-authoring.md.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from itertools import cycle
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
