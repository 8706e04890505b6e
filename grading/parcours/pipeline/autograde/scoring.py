"""nbgrader's autograde rules on one notebook, without a gradebook or a kernel.

:func:`read_submission` turns bytes into a notebook or a recorded reason.
:func:`sanitize` is nbgrader's sanitize stage (ClearOutput, DeduplicateIds,
OverwriteKernelspec, OverwriteCells, CheckCellMetadata) against a :class:`NotebookSpec`
instead of the gradebook, recording each change as a :class:`Problem` instead of a log line
and never stopping: a cell whose metadata cannot be trusted loses it (so it is not graded),
the rest of the notebook is graded.
:func:`grade` is SaveAutoGrades' arithmetic (``nbgrader.utils.determine_grade``) after
nbgrader's LimitOutput.

Runs in the trusted supervisor process (it sees hidden tests).
"""

from __future__ import annotations

import json
import re
import warnings
from typing import Any

from . import nbrules as rules
from .results import CellGrade, Problem, excerpt
from .source import NotebookSpec

#: nbgrader's ClearHiddenTests delimiters (defaults)
_HIDDEN = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.S | re.M
)


def _joined(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    return value


def _normalise(nb: dict[str, Any]) -> Problem | None:
    """Multi-line strings joined (as nbformat reads them); shapes checked."""
    if not isinstance(nb.get("cells"), list):
        return Problem("unreadable", "valid JSON but not a notebook (no list of cells)")
    if not isinstance(nb.get("metadata", {}), dict):
        nb["metadata"] = {}
    nb.setdefault("metadata", {})
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            return Problem("unreadable", f"cell {i} is not a notebook cell")
        cell["source"] = _joined(cell.get("source", ""))
        if not isinstance(cell["source"], str):
            return Problem("unreadable", f"cell {i} has a source that is not text")
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = {}
        if cell["cell_type"] == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
    return None


def read_submission(data: bytes) -> tuple[dict[str, Any] | None, Problem | None]:
    """The submitted notebook as an nbformat v4 dict, or ``(None, reason)``."""
    if not data.strip():
        return None, Problem("unreadable", "the file is empty: nothing was submitted in it")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, Problem(
            "unreadable",
            f"not UTF-8 text (byte {exc.start} is 0x{data[exc.start]:02x}): binary or "
            "re-encoded file, not a notebook",
        )
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        byte = len(text[: exc.pos].encode("utf-8"))
        return None, Problem(
            "unreadable",
            f"invalid JSON at byte {byte} (line {exc.lineno}, column {exc.colno}): {exc.msg}",
        )
    except RecursionError:
        return None, Problem("unreadable", "JSON nested too deeply to be a notebook")
    if not isinstance(raw, dict) or ("cells" not in raw and "worksheets" not in raw):
        return None, Problem("unreadable", "valid JSON but not a notebook (no cells)")
    version = raw.get("nbformat")
    if version not in (3, 4):
        return None, Problem(
            "unreadable", f"notebook format version {version!r} is not supported (expected 4)"
        )
    if version == 3:  # rare: let nbformat convert (imported only then)
        try:
            import nbformat

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                raw = json.loads(nbformat.writes(nbformat.reads(text, as_version=4)))
        except Exception as exc:  # nbformat raises many types on malformed structures
            return None, Problem(
                "unreadable", f"not a valid notebook: {type(exc).__name__}: {excerpt(exc)}"
            )
    problem = _normalise(raw)
    return (None, problem) if problem else (raw, None)


_nbgrader_meta = rules.meta


def _set_type(cell: dict[str, Any], cell_type: str) -> None:
    """nbgrader's OverwriteCells.update_cell_type."""
    cell["cell_type"] = cell_type
    if cell_type == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)


def sanitize(nb: Any, spec: NotebookSpec) -> list[Problem]:
    """nbgrader's sanitize stage, in place; returns what was found and repaired."""
    problems: list[Problem] = []
    cells = nb["cells"]
    # ClearOutput
    for cell in cells:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        for key in ("collapsed", "scrolled"):
            cell["metadata"].pop(key, None)
    # old metadata schemas upgraded (nbgrader does it when reading)
    for i, cell in enumerate(cells):
        meta = _nbgrader_meta(cell)
        if meta is None:
            cell["metadata"].pop("nbgrader", None)
            continue
        try:
            _upgrade(cell)
        except Exception as exc:  # nbgrader's upgrade raises several types
            problems.append(
                Problem(
                    "metadata",
                    f"cell {i}: nbgrader metadata unreadable ({excerpt(exc)}); not graded",
                )
            )
            cell["metadata"].pop("nbgrader", None)
            continue
        if "grade_id" in meta and not isinstance(meta["grade_id"], str):
            problems.append(Problem("metadata", f"cell {i}: grade id is not text; not graded"))
            cell["metadata"].pop("nbgrader", None)
    # DeduplicateIds: the last occurrence keeps its id
    seen: set[str | None] = set()  # None: a graded cell without an id
    for cell in reversed(cells):
        meta = _nbgrader_meta(cell)
        if meta is None or not (meta.get("grade") or meta.get("solution") or meta.get("locked")):
            continue
        grade_id: str | None = meta.get("grade_id")  # text when present (checked above)
        if grade_id in seen:
            problems.append(
                Problem(
                    "duplicated-cell",
                    f"cell '{excerpt(grade_id)}' appears more than once; only the last copy is "
                    "graded",
                    # None for cells without an id (kept as is)
                    None if grade_id is None else excerpt(grade_id),  # type: ignore[arg-type]
                )
            )
            del cell["metadata"]["nbgrader"]
        else:
            seen.add(grade_id)
    # OverwriteKernelspec
    if spec.kernelspec:
        nb["metadata"]["kernelspec"] = dict(spec.kernelspec)
    # OverwriteCells (+ Parcours: the grade/solution/task roles come from the source too)
    source_cells = spec.by_name()
    present: set[str] = set()
    for cell in cells:
        meta = _nbgrader_meta(cell)
        if meta is None or "grade_id" not in meta:
            continue
        grade_id = meta["grade_id"]
        source = source_cells.get(grade_id)
        if source is None:
            problems.append(
                Problem(
                    "metadata",
                    f"cell '{excerpt(grade_id)}' is not in the assignment; not graded",
                    excerpt(grade_id),
                )
            )
            del cell["metadata"]["nbgrader"]
            continue
        present.add(grade_id)
        if cell["cell_type"] != source.cell_type:
            problems.append(
                Problem(
                    "retyped-cell",
                    f"cell '{grade_id}' was changed from {source.cell_type} to "
                    f"{cell['cell_type']}; changed back",
                    grade_id,
                )
            )
            _set_type(cell, source.cell_type)
        roles = {"grade": source.grade, "solution": source.solution, "locked": source.locked}
        if source.task:
            roles["task"] = True
        changed = [k for k, v in roles.items() if bool(meta.get(k, False)) != v]
        if changed:
            problems.append(
                Problem(
                    "metadata",
                    f"cell '{grade_id}': nbgrader settings {', '.join(changed)} were changed; "
                    "restored from the assignment",
                    grade_id,
                )
            )
            meta.update(roles)
        if source.max_score is not None and (source.grade or source.task):
            try:
                points = float(meta.get("points", -1))
            except (TypeError, ValueError):
                points = -1.0
            if points != source.max_score:
                if not changed:
                    problems.append(
                        Problem(
                            "metadata",
                            f"cell '{grade_id}': points changed to {excerpt(meta.get('points'))}; "
                            f"restored to {source.max_score:g}",
                            grade_id,
                        )
                    )
                meta["points"] = source.max_score
        meta["checksum"] = source.checksum
        if source.locked and rules.compute_checksum(cell) != source.checksum:
            released = _HIDDEN.sub("", source.source)
            if cell["source"].strip() not in (released.strip(), source.source.strip()):
                problems.append(
                    Problem(
                        "edited-cell",
                        f"read-only cell '{grade_id}' was edited; the original was restored "
                        "before grading",
                        grade_id,
                    )
                )
            cell["source"] = source.source
    # CheckCellMetadata, per cell (nbgrader fails the whole notebook instead)
    for i, cell in enumerate(cells):
        if _nbgrader_meta(cell) is None:
            continue
        try:
            rules.validate_cell(cell)
        except rules.MetadataError as exc:
            name = cell["metadata"]["nbgrader"].get("grade_id", "")
            problems.append(
                Problem(
                    "metadata",
                    f"cell {i}: nbgrader metadata invalid ({excerpt(exc)}); not graded",
                    excerpt(name),
                )
            )
            cell["metadata"].pop("nbgrader", None)
            present.discard(name)
    for source in spec.cells:
        if source.grade and source.name not in present:
            problems.append(
                Problem(
                    "deleted-cell",
                    f"grade cell '{source.name}' was deleted — scored 0 as nbgrader does",
                    source.name,
                )
            )
    return problems


def _upgrade(cell: dict[str, Any]) -> None:
    """Old nbgrader metadata (schema < 3) upgraded by nbgrader itself (imported only then)."""
    meta = cell["metadata"]["nbgrader"]
    if meta.get("schema_version", 0) == rules.SCHEMA_VERSION:
        return
    import nbformat
    from nbgrader.nbgraderformat import MetadataValidator

    node = nbformat.from_dict(cell)
    MetadataValidator().upgrade_cell_metadata(node)
    cell["metadata"] = json.loads(json.dumps(node["metadata"]))


def limit_output(nb: dict[str, Any]) -> None:
    """nbgrader's LimitOutput (1000 lines of stream, 100 traceback lines per cell)."""
    for cell in nb["cells"]:
        rules.limit_output(cell)


def grade(nb: dict[str, Any], spec: NotebookSpec) -> tuple[list[CellGrade], dict[str, str | None]]:
    """Per grade cell scores and solution/task auto comments, as SaveAutoGrades computes
    them. Grade cells missing from ``nb`` are returned with ``missing=True`` and no score
    (nbgrader leaves their gradebook rows untouched: they count 0)."""
    found: dict[str, CellGrade] = {}
    comments: dict[str, str | None] = {}
    for cell in nb["cells"]:
        meta = _nbgrader_meta(cell)
        if meta is None or "grade_id" not in meta:
            continue
        grade_id = meta["grade_id"]
        if rules.is_grade(cell):
            try:
                auto, max_score = rules.determine_grade(cell)
            except (KeyError, ValueError) as exc:  # nbgrader would stop on these
                auto, max_score = 0.0, float(meta["points"])
                cell.setdefault("outputs", []).append(
                    {
                        "output_type": "error",
                        "ename": "GradingError",
                        "evalue": str(exc),
                        "traceback": [f"partial credit not understood: {exc}"],
                    }
                )
            failed = cell["cell_type"] == "code" and any(
                o.get("output_type") == "error"
                or (o.get("output_type") == "stream" and o.get("name") == "stderr")
                for o in cell.get("outputs", [])
            )
            found[grade_id] = CellGrade(
                grade_id, float(max_score), auto, needs_manual_grade=auto is None, failed=failed
            )
        if rules.is_solution(cell) or rules.is_task(cell):
            same = meta.get("checksum") == rules.compute_checksum(cell)
            comments[grade_id] = "No response." if same and not rules.is_task(cell) else None
    cells = []
    for source in spec.cells:
        if not source.grade:
            continue
        cells.append(
            found.get(source.name)
            or CellGrade(source.name, float(source.max_score or 0.0), None, False, missing=True)
        )
    return cells, comments
