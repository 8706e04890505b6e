"""What the grader knows of an assignment's notebook: its nbgrader cells, from the source.

nbgrader's autograde reads these from the gradebook (written by ``generate_assignment``'s
SaveCells, before hidden tests are cleared). :func:`spec_from_gradebook` reads the same
rows; :func:`spec_from_notebook` computes them from a source notebook with nbgrader's
own preprocessors, for the stateless API. Hidden tests are in here: a spec is only ever
held by trusted processes, never by the one running student code.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class SourceCell:
    """One nbgrader cell of the source notebook (nbgrader's SourceCell + its roles)."""

    name: str
    cell_type: str
    locked: bool
    source: str
    checksum: str | None
    #: points when it is a grade or task cell
    max_score: float | None = None
    grade: bool = False
    solution: bool = False
    task: bool = False


@dataclass
class NotebookSpec:
    """The nbgrader cells of one notebook of an assignment, in source order."""

    name: str
    cells: list[SourceCell] = field(default_factory=list)
    kernelspec: dict[str, Any] | None = None

    def by_name(self) -> dict[str, SourceCell]:
        return {c.name: c for c in self.cells}

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> NotebookSpec:
        data = json.loads(text)
        return cls(
            name=data["name"],
            cells=[SourceCell(**c) for c in data["cells"]],
            kernelspec=data.get("kernelspec"),
        )


def spec_from_gradebook(gradebook: Any, assignment_id: str) -> dict[str, NotebookSpec]:
    """Specs of every notebook of an assignment from an open nbgrader ``Gradebook``."""
    assignment = gradebook.find_assignment(assignment_id)
    specs: dict[str, NotebookSpec] = {}
    for notebook in assignment.notebooks:
        grade = {c.name: c for c in notebook.grade_cells}
        solution = {c.name for c in notebook.solution_cells}
        task = {c.name: c for c in notebook.task_cells}
        cells = []
        for sc in notebook.source_cells:
            points = grade.get(sc.name) or task.get(sc.name)
            cells.append(
                SourceCell(
                    name=sc.name,
                    cell_type=sc.cell_type,
                    locked=bool(sc.locked),
                    source=sc.source or "",
                    checksum=sc.checksum,
                    max_score=float(points.max_score) if points is not None else None,
                    grade=sc.name in grade,
                    solution=sc.name in solution,
                    task=sc.name in task,
                )
            )
        kernelspec = json.loads(notebook.kernelspec) if notebook.kernelspec else None
        specs[notebook.name] = NotebookSpec(notebook.name, cells, kernelspec)
    return specs


def spec_from_notebook(path: str | Path, config: Any = None) -> NotebookSpec:
    """Spec of a source notebook, computed as ``nbgrader generate_assignment`` does
    (header/footer, instantiated tests, locked cells, cleared solutions, checksums).

    ``config`` is an optional traitlets ``Config`` for nbgrader's preprocessors (e.g. the
    course's ``ClearSolutions.code_stub``).
    """
    import nbformat
    from nbgrader import utils
    from nbgrader.preprocessors import (
        ClearOutput,
        ClearSolutions,
        ComputeChecksums,
        LockCells,
    )
    from traitlets.config import Config

    path = Path(path)
    nb = nbformat.read(str(path), as_version=4)
    resources: dict[str, Any] = {"unique_key": path.stem, "metadata": {"path": str(path.parent)}}
    cfg = config or Config()
    for pp_class in (LockCells, ClearSolutions, ClearOutput, ComputeChecksums):
        nb, resources = pp_class(config=cfg).preprocess(nb, resources)
    cells = []
    for cell in nb.cells:
        if not (
            utils.is_grade(cell)
            or utils.is_solution(cell)
            or utils.is_locked(cell)
            or utils.is_task(cell)
        ):
            continue
        meta = cell.metadata.nbgrader
        graded = utils.is_grade(cell) or utils.is_task(cell)
        cells.append(
            SourceCell(
                name=meta["grade_id"],
                cell_type=cell.cell_type,
                locked=utils.is_locked(cell),
                source=cell.source,
                checksum=meta.get("checksum"),
                max_score=float(meta["points"]) if graded else None,
                grade=utils.is_grade(cell),
                solution=utils.is_solution(cell),
                task=utils.is_task(cell),
            )
        )
    return NotebookSpec(path.stem, cells, dict(nb.metadata.get("kernelspec", {})) or None)
