"""``parcours check``, second stage: lessons and assignments run on real kernels (a
solution must pass its own tests, its release version must fail them). Used by
:mod:`.check`."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Problem
from ..i18n import _

if TYPE_CHECKING:
    from nbformat import NotebookNode

from .notebooks import _cell_name, nbgrader_problems, read_notebook


@dataclass
class _Run:
    nb: NotebookNode
    error_cell: int | None = None
    error: str = ""
    failed_cells: list[int] = field(default_factory=list)


def run_notebook(
    nb: NotebookNode,
    folder: Path,
    timeout: float,
    *,
    allow_errors: bool = False,
    course_dir: Path | None = None,
) -> _Run:
    """Execute a notebook on a real kernel in ``folder``; record the failing cell(s).
    ``course_dir``: the course folder the notebook belongs to (``PARCOURS_COURSE_DIR``:
    lessons find their quiz banks there first)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    from ..kernelwait import install

    install()  # a missed wake-up would otherwise read as a cell timeout
    env = dict(os.environ, PARCOURS_EVENTS="off")
    if course_dir is not None:
        env["PARCOURS_COURSE_DIR"] = str(course_dir)
    client = NotebookClient(
        nb,
        timeout=int(timeout),
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(folder)}},
    )
    run = _Run(nb)
    try:
        # the kernel's own log (shutdown noise, debugger warnings) is not the author's problem:
        # what matters is reported from the cells' outputs
        client.execute(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except CellExecutionError as exc:
        run.error = f"{exc.ename}: {exc.evalue}".strip()
    except CellTimeoutError:
        run.error = _("a cell ran longer than {seconds:.0f} s").format(seconds=timeout)
    except DeadKernelError as exc:
        run.error = _("the kernel died ({reason})").format(reason=exc)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and any(
            out.get("output_type") == "error" for out in cell.get("outputs", [])
        ):
            run.failed_cells.append(index)
    if run.error and run.failed_cells:
        run.error_cell = run.failed_cells[0]
    elif run.error:
        # timeouts and dead kernels leave no error output: the first cell without outputs
        # after the last executed one is the culprit
        executed = [i for i, c in enumerate(nb.cells) if c.get("execution_count")]
        run.error_cell = (executed[-1] + 1) if executed else 0
    return run


def _check_lesson(path: Path, shown: str, timeout: float, course_dir: Path) -> list[Problem]:
    problems: list[Problem] = []
    nb = read_notebook(path, shown, problems)
    if nb is None:
        return problems
    run = run_notebook(nb, path.parent, timeout, course_dir=course_dir)
    if run.error:
        where = _cell_name(nb, run.error_cell) if run.error_cell is not None else ""
        problems.append(
            Problem(
                shown,
                _("the lesson stops with {error}").format(error=run.error),
                where=where,
                fix=_("run the lesson top to bottom in JupyterLab and fix that cell"),
            )
        )
    return problems


def _autograder_tests(nb: NotebookNode) -> list[int]:
    return [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and cell.get("metadata", {}).get("nbgrader", {}).get("grade")
        and not cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    ]


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _failing_line(cell: Any) -> tuple[int | None, str, str]:
    """(line number in the cell, that line, "Error: message") of a cell's error output."""
    for output in cell.get("outputs", []):
        if output.get("output_type") != "error":
            continue
        error = f"{output.get('ename', '')}: {output.get('evalue', '')}".strip().rstrip(":")
        number = None
        for frame in output.get("traceback", []):
            text = _ANSI.sub("", frame)
            if "Cell In[" in text or "<ipython-input" in text or "----> " in text:
                found = re.search(r"^-+> ?(\d+)", text, re.M)
                if found:
                    number = int(found.group(1))
                    break
        lines = cell.source.splitlines()
        line = lines[number - 1].strip() if number and 0 < number <= len(lines) else ""
        return number, line, error
    return None, "", ""


def _failing_cell(nb: NotebookNode, index: int, is_test: bool, shown: str) -> Problem:
    """Why the solution fails a cell: the assertion (or line) that failed, whether it is a
    hidden test, and the solution cell to look at."""
    from nbgrader.preprocessors import ClearHiddenTests

    cell = nb.cells[index]
    number, line, error = _failing_line(cell)
    hidden = False
    if number is not None:
        begin = ClearHiddenTests().begin_test_delimeter
        end = ClearHiddenTests().end_test_delimeter
        inside = False
        for position, text in enumerate(cell.source.splitlines(), start=1):
            if begin in text:
                inside = True
            elif end in text:
                inside = False
            elif position == number:
                hidden = inside
                break
    solutions = [
        i
        for i in range(index)
        if nb.cells[i].get("metadata", {}).get("nbgrader", {}).get("solution")
    ]
    if not is_test:
        message = _("the solution fails in this cell: {error}").format(error=error or "?")
        fix = _("correct the solution so that the source notebook runs cleanly")
    else:
        kind = _("a hidden test") if hidden else _("a visible test")
        message = _("the solution fails {kind}: `{line}` raised {error}").format(
            kind=kind, line=line or "?", error=error or "?"
        )
        fix = (
            _("correct the solution in {cell}, or the test").format(
                cell=_cell_name(nb, solutions[-1])
            )
            if solutions
            else _("correct the solution or the test")
        )
    return Problem(shown, message, where=_cell_name(nb, index), fix=fix)


def release_version(nb: NotebookNode) -> NotebookNode:
    """What learners receive: nbgrader's ClearSolutions and ClearOutput applied."""
    import copy

    from nbgrader.preprocessors import ClearOutput, ClearSolutions

    released = copy.deepcopy(nb)
    resources: dict[str, Any] = {}
    released, resources = ClearSolutions().preprocess(released, resources)
    released, resources = ClearOutput().preprocess(released, resources)
    return released


def _check_assignment_notebook(path: Path, shown: str, timeout: float) -> list[Problem]:
    problems: list[Problem] = []
    nb = read_notebook(path, shown, problems)
    if nb is None:
        return problems
    problems += nbgrader_problems(nb, shown)
    if problems:
        return problems
    tests = _autograder_tests(nb)
    released = release_version(nb)

    solution_run = run_notebook(nb, path.parent, timeout, allow_errors=True)
    for index in solution_run.failed_cells:
        problems.append(_failing_cell(nb, index, index in tests, shown))
    if solution_run.error and not solution_run.failed_cells:
        problems.append(
            Problem(shown, _("the solution stops with {error}").format(error=solution_run.error))
        )
    if problems or not tests:
        return problems

    release_run = run_notebook(released, path.parent, timeout, allow_errors=True)
    passing = [i for i in tests if i not in release_run.failed_cells]
    if len(passing) == len(tests):
        problems.append(
            Problem(
                shown,
                _(
                    "the release version (solutions cleared) passes every test: the tests "
                    "check nothing the learner writes"
                ),
                fix=_("make the autograder tests assert on the learner's answers"),
            )
        )
    return problems
