"""The teacher's model answer of a manually graded cell, the nbgrader way.

A manually graded answer cell (nbgrader ``grade`` and ``solution``, or a ``task``) holds
the teacher's model answer, written as nbgrader expects a solution: the whole cell, or
the part between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (any cell type). The
release shows learners nbgrader's stub instead ("YOUR ANSWER HERE", or the course's
``ClearSolutions.text_stub``); the correction shows the model answer, markers and stub
lines removed. A cell whose source *is* a stub would hand learners the stub as the model
answer: ``parcours check`` warns (:func:`stub_answer_cells`).
"""

from __future__ import annotations

import re
from typing import Any

#: a stub line a learner is meant to replace (nbgrader's defaults and their French)
STUB = re.compile(
    r"^\s*(#\s*)?(YOUR ANSWER HERE|VOTRE R[ÉE]PONSE ICI|raise NotImplementedError\(\s*\))\s*$",
    re.IGNORECASE,
)
#: a solution region's markers (nbgrader's ``begin_solution_delimeter``/``end_…``)
MARK = re.compile(r"^\s*#+\s*(BEGIN|END) SOLUTION\s*$")


def manually_graded(cell: Any) -> bool:
    """An answer a person grades: nbgrader ``grade`` and ``solution``, or a task."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("task") or (meta.get("grade") and meta.get("solution")))


def has_solution_region(source: str) -> bool:
    return any(MARK.match(line) for line in source.splitlines())


def is_stub(source: str) -> bool:
    """Only stub lines (or nothing): no answer to show."""
    lines = [line for line in source.splitlines() if line.strip()]
    return all(STUB.match(line) for line in lines)


def model_answer(source: str) -> str:
    """What the correction shows of a manually graded cell: its solution region's content
    where it has one (markers and stub lines around it removed), else the whole cell."""
    if not has_solution_region(source):
        return source
    return "\n".join(
        line for line in source.splitlines() if not MARK.match(line) and not STUB.match(line)
    )


def stub_answer_cells(nb: Any) -> list[int]:
    """Indexes of the manually graded cells whose model answer would be a stub."""
    return [
        index
        for index, cell in enumerate(nb.cells)
        if manually_graded(cell) and is_stub(model_answer(cell.source))
    ]
