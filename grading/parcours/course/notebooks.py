"""``parcours check``, first stage: each notebook read, its nbgrader metadata and its
model answers checked (nothing run). Used by :mod:`.check`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Problem
from ..i18n import _

if TYPE_CHECKING:
    from nbformat import NotebookNode


def read_notebook(path: Path, shown: str, problems: list[Problem]) -> NotebookNode | None:
    """Read and validate a notebook; append problems and return None when unusable."""
    import nbformat

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(shown, _("not UTF-8 text"), fix=_("save the notebook as UTF-8")))
        return None
    except OSError as exc:
        problems.append(Problem(shown, _("cannot be read ({reason})").format(reason=exc.strerror)))
        return None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(
            Problem(
                shown,
                _("not a notebook: invalid JSON at line {line}, column {column} ({reason})").format(
                    line=exc.lineno, column=exc.colno, reason=exc.msg
                ),
                fix=_("restore it from version control or re-save it from JupyterLab"),
            )
        )
        return None
    if not isinstance(raw, dict) or raw.get("nbformat") != 4:
        found = raw.get("nbformat") if isinstance(raw, dict) else type(raw).__name__
        problems.append(
            Problem(
                shown,
                _("not an nbformat 4 notebook (nbformat is {found!r})").format(found=found),
                fix=_("open and re-save it in JupyterLab"),
            )
        )
        return None
    try:
        nb = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        message = str(exc).strip().splitlines()[0]
        problems.append(
            Problem(
                shown,
                _("invalid notebook structure: {reason}").format(reason=message),
                fix=_("re-save it in JupyterLab"),
            )
        )
        return None
    return nb


def _cell_name(nb: NotebookNode, index: int) -> str:
    cell = nb.cells[index]
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    if grade_id:
        return _("cell {n} (grade_id '{id}')").format(n=index + 1, id=grade_id)
    return _("cell {n}").format(n=index + 1)


def model_answer_warnings(path: Path, shown: str) -> list[Problem]:
    """Manually graded cells whose source is a stub ("YOUR ANSWER HERE"): the correction
    would give it as the model answer (see :mod:`.answers`). Unreadable notebooks are the
    check's problems, not warnings."""
    import nbformat

    from .answers import stub_answer_cells

    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):  # read_notebook reports it as a problem, with why
        return []
    return [
        Problem(
            shown,
            _(
                "this manually graded cell holds only a stub ({stub}): the correction would "
                "give it as the model answer"
            ).format(
                stub=nb.cells[index].source.strip().splitlines()[0][:40]
                if nb.cells[index].source.strip()
                else _("an empty cell")
            ),
            where=_cell_name(nb, index),
            fix=_(
                "write your model answer in the cell, or between ### BEGIN SOLUTION and "
                "### END SOLUTION after the stub (learners get the stub, the correction "
                "your answer)"
            ),
        )
        for index in stub_answer_cells(nb)
    ]


def nbgrader_problems(nb: NotebookNode, shown: str) -> list[Problem]:
    """Problems with the nbgrader metadata of a source notebook."""
    from nbgrader.nbgraderformat import MetadataValidator, ValidationError

    problems: list[Problem] = []
    validator = MetadataValidator()
    seen: dict[str, int] = {}
    graded = 0
    for index, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader")
        if not meta:
            continue
        try:
            validator.validate_cell(validator.upgrade_cell_metadata(cell))
        except ValidationError as exc:
            problems.append(
                Problem(
                    shown,
                    _("invalid nbgrader metadata: {reason}").format(reason=exc),
                    where=_cell_name(nb, index),
                    fix=_("fix the cell in JupyterLab's nbgrader toolbar (View > Cell toolbar)"),
                )
            )
            continue
        grade_id = meta.get("grade_id")
        if grade_id:
            if grade_id in seen:
                problems.append(
                    Problem(
                        shown,
                        _("grade_id '{id}' is also used by cell {n}").format(
                            id=grade_id, n=seen[grade_id] + 1
                        ),
                        where=_("cell {n}").format(n=index + 1),
                        fix=_("give every graded, solution or locked cell its own grade_id"),
                    )
                )
            seen[grade_id] = index
        graded += bool(meta.get("grade"))
    if not graded:
        problems.append(
            Problem(
                shown, _("no graded cell"), fix=_("mark answers or tests as graded with points")
            )
        )
    return problems


# -- running notebooks ----------------------------------------------------------------
