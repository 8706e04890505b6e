"""The demo's learners at work: a fetched assignment answered as a learner of a given
level answers it (see :mod:`parcours.demo`), in the real notebook that the real pipeline
then collects and grades."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

#: what a learner who answers a written question writes
WRITTEN_ANSWER = (
    "Le jeu de données est complet à quelques valeurs près ; la tendance principale est nette."
)


def solutions(source: Path) -> dict[str, str]:
    """grade_id -> the solution cell's full source (solution markers removed)."""
    import nbformat

    found = {}
    for cell in nbformat.read(source, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            lines = [
                ln
                for ln in cell.source.splitlines()
                if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
            ]
            found[meta["grade_id"]] = "\n".join(lines)
    return found


def answer_notebook(path: Path, answers: dict[str, str], right: Callable[[str], bool]) -> int:
    """Write a learner's answers into a fetched notebook: the solution where ``right``
    says the learner gets that question, the stub left as released otherwise, a short
    text in written answers. Returns how many questions were answered right."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    count = 0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("solution"):
            continue
        grade_id = meta.get("grade_id", "")
        if cell.cell_type == "markdown":
            if right(grade_id):
                cell.source = WRITTEN_ANSWER
            continue
        if grade_id in answers and right(grade_id):
            cell.source = answers[grade_id]
            count += 1
    nbformat.write(nb, path)
    return count
