"""nbgrader's grading rules on plain notebook dicts (no nbgrader/nbformat import).

Ports of ``nbgrader.utils`` (is_grade, is_solution, is_locked, is_task, compute_checksum,
get_partial_grade, determine_grade), ``nbgraderformat.v3`` cell validation and the
LimitOutput preprocessor, from nbgrader 0.9.6. Importing nbgrader costs seconds (it pulls
jupyter_server and nbconvert); the fork server must start fast. ``tests/autograde``
checks these against nbgrader itself on the same notebooks.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

SCHEMA_VERSION = 3
_GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]*$")
_KEYS = {
    "schema_version",
    "grade",
    "locked",
    "solution",
    "task",
    "grade_id",
    "points",
    "checksum",
    "cell_type",
}
#: nbgrader LimitOutput defaults
MAX_LINES, MAX_TRACEBACK = 1000, 100


class MetadataError(ValueError):
    """A cell's nbgrader metadata does not validate."""


def meta(cell: dict[str, Any]) -> dict[str, Any] | None:
    value = cell.get("metadata", {}).get("nbgrader")
    return value if isinstance(value, dict) else None


def is_task(cell: dict[str, Any]) -> bool:
    m = meta(cell)
    return bool(m.get("task", False)) if m is not None else False


def is_grade(cell: dict[str, Any]) -> bool:
    m = meta(cell)
    return bool(m.get("grade", False)) if m is not None else False


def is_solution(cell: dict[str, Any]) -> bool:
    m = meta(cell)
    return bool(m.get("solution", False)) if m is not None else False


def is_locked(cell: dict[str, Any]) -> bool:
    m = meta(cell)
    if m is None or is_solution(cell):
        return False
    if is_grade(cell):
        return True
    return bool(m.get("locked", False))


def compute_checksum(cell: dict[str, Any]) -> str:
    m = hashlib.md5()
    m.update(cell["source"].encode("utf-8"))
    m.update(cell["cell_type"].encode("utf-8"))
    m.update(str(is_grade(cell)).encode("utf-8"))
    m.update(str(is_solution(cell)).encode("utf-8"))
    m.update(str(is_locked(cell)).encode("utf-8"))
    m.update(cell["metadata"]["nbgrader"]["grade_id"].encode("utf-8"))
    if is_grade(cell):
        m.update(str(float(cell["metadata"]["nbgrader"]["points"])).encode("utf-8"))
    return m.hexdigest()


def get_partial_grade(output: dict[str, Any], max_points: float) -> float:
    grade = output.get("data", {}).get("text/plain")
    if not grade:
        raise KeyError("output ['data']['text/plain'] does not exist")
    if isinstance(grade, list):
        if len(grade) > 1:
            return max_points
        grade = grade[0]
    try:
        value = float(grade)
    except ValueError:
        return max_points
    if value >= 0.0:
        if value > max_points:
            raise ValueError("partial credit cannot be greater than maximum points for cell")
        return value
    return max_points


def determine_grade(cell: dict[str, Any]) -> tuple[float | None, float]:
    if not is_grade(cell):
        raise ValueError("cell is not a grade cell")
    max_points = float(cell["metadata"]["nbgrader"]["points"])
    if is_solution(cell):
        m = cell["metadata"]["nbgrader"]
        if "checksum" in m and m["checksum"] == compute_checksum(cell):
            return 0, max_points
        return None, max_points
    if cell["cell_type"] == "code":
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "error" or (kind == "stream" and output.get("name") == "stderr"):
                return 0, max_points
            if kind == "execute_result":
                return get_partial_grade(output, max_points), max_points
        return max_points, max_points
    return None, max_points


def validate_cell(cell: dict[str, Any]) -> None:
    """nbgrader's MetadataValidatorV3.validate_cell (schema + rules); MetadataError if not."""
    m = meta(cell)
    if m is None:
        return
    version = m.get("schema_version", 0)
    if version != SCHEMA_VERSION:
        raise MetadataError(f"schema version {version!r} (expected {SCHEMA_VERSION})")
    extra = set(m) - _KEYS
    if extra:
        raise MetadataError(f"unknown keys {sorted(extra)}")
    for key in ("grade", "locked", "solution"):
        if not isinstance(m.get(key), bool):
            raise MetadataError(f"'{key}' missing or not true/false")
    if "task" in m and not isinstance(m["task"], bool):
        raise MetadataError("'task' is not true/false")
    grade_id = m.get("grade_id", "")
    if not isinstance(grade_id, str) or not _GRADE_ID.match(grade_id):
        raise MetadataError("invalid grade_id")
    if "points" in m and (
        isinstance(m["points"], bool) or not isinstance(m["points"], int | float) or m["points"] < 0
    ):
        raise MetadataError("invalid points")
    if "checksum" in m and (not isinstance(m["checksum"], str) or len(m["checksum"]) != 32):
        raise MetadataError("invalid checksum")
    grade, solution, locked, task = m["grade"], m["solution"], m["locked"], m.get("task", False)
    if (grade or solution or locked) and not m.get("grade_id"):
        raise MetadataError("no grade_id")
    if grade and "points" not in m:
        raise MetadataError(f"cell '{m['grade_id']}' has no points")
    if not task:
        if cell["cell_type"] == "markdown" and grade and not solution:
            raise MetadataError(f"markdown grade cell '{m['grade_id']}' is not a solution cell")
        if cell["cell_type"] == "markdown" and not grade and solution:
            raise MetadataError("markdown solution cell is not a grade cell")
    elif cell["cell_type"] != "markdown":
        raise MetadataError("task cells have to be markdown")


def limit_output(cell: dict[str, Any]) -> None:
    """nbgrader's LimitOutput on one cell."""
    if cell.get("cell_type") != "code":
        return
    length = 0
    kept = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            if length == MAX_LINES:
                continue
            text = output["text"].split("\n")
            if len(text) + length > MAX_LINES:
                text = text[: MAX_LINES - length - 1]
                text.append("... Output truncated ...")
            length += len(text)
            output["text"] = "\n".join(text)
        kept.append(output)
    cell["outputs"] = kept
    for output in kept:
        tb = output.get("traceback")
        if output.get("output_type") != "error" or not isinstance(tb, list):
            continue
        if len(tb) > MAX_TRACEBACK:
            start = MAX_TRACEBACK // 2
            end = MAX_TRACEBACK - start - 1
            output["traceback"] = [*tb[:start], "... Traceback truncated ...", *tb[-end:]]
