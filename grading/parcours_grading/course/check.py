"""``parcours check``: a course is ready to teach.

Checks, in order, collecting every problem rather than stopping at the first:

1. the manifest (schema, unknown keys, dates, skills, files named) — :mod:`.load`;
2. every notebook it names is JSON and valid nbformat; assignment notebooks carry valid
   nbgrader metadata with unique grade ids;
3. every lesson (and each A/B version) runs top to bottom on a real kernel;
4. every assignment's solution passes its own tests (hidden tests included), and its
   release version (solutions cleared as nbgrader does) fails them.

Lessons run with ``PARCOURS_EVENTS=off`` so checking records no learner activity.
Notebooks run in parallel, ``config.workers`` at a time.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CourseError, Problem
from .load import MANIFEST, _display, read_manifest, semantic_problems

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from ..config import ParcoursConfig
    from .model import Course


@dataclass
class CheckReport:
    """What ``parcours check`` found."""

    course: Course | None
    problems: list[Problem] = field(default_factory=list)
    lessons_run: int = 0
    assignments_checked: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """A few lines for the terminal."""
        if self.course is None:
            return str(CourseError(self.problems))
        c = self.course
        minutes = sum(lesson.minutes for lesson in c.lessons) + sum(
            a.minutes for a in c.assignments
        )
        lines = [
            f"{c.id} — {c.title} ({c.language})",
            f"  manifest: {len(c.skills)} skills, {len(c.modules)} modules, "
            f"{len(c.lessons)} lessons, {len(c.assignments)} assignments, "
            f"{minutes} estimated minutes",
            f"  lessons executed: {self.lessons_run}",
            f"  assignments: {self.assignments_checked} checked (solution passes its tests, "
            "release version fails them)",
        ]
        if self.problems:
            lines.append(str(CourseError(self.problems)))
        else:
            lines.append(f"OK ({self.seconds:.1f} s)")
        return "\n".join(lines)


# -- reading notebooks ---------------------------------------------------------------


def read_notebook(path: Path, shown: str, problems: list[Problem]) -> NotebookNode | None:
    """Read and validate a notebook; append problems and return None when unusable."""
    import nbformat

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(shown, "not UTF-8 text", fix="save the notebook as UTF-8"))
        return None
    except OSError as exc:
        problems.append(Problem(shown, f"cannot be read ({exc.strerror})"))
        return None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(
            Problem(
                shown,
                f"not a notebook: invalid JSON at line {exc.lineno}, "
                f"column {exc.colno} ({exc.msg})",
                fix="restore it from version control or re-save it from JupyterLab",
            )
        )
        return None
    if not isinstance(raw, dict) or raw.get("nbformat") != 4:
        found = raw.get("nbformat") if isinstance(raw, dict) else type(raw).__name__
        problems.append(
            Problem(
                shown,
                f"not an nbformat 4 notebook (nbformat is {found!r})",
                fix="open and re-save it in JupyterLab",
            )
        )
        return None
    try:
        nb = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        message = str(exc).strip().splitlines()[0]
        problems.append(
            Problem(shown, f"invalid notebook structure: {message}", fix="re-save it in JupyterLab")
        )
        return None
    return nb


def _cell_name(nb: NotebookNode, index: int) -> str:
    cell = nb.cells[index]
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    if grade_id:
        return f"cell {index + 1} (grade_id '{grade_id}')"
    return f"cell {index + 1}"


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
                    f"invalid nbgrader metadata: {exc}",
                    where=_cell_name(nb, index),
                    fix="fix the cell in JupyterLab's nbgrader toolbar (View > Cell toolbar)",
                )
            )
            continue
        grade_id = meta.get("grade_id")
        if grade_id:
            if grade_id in seen:
                problems.append(
                    Problem(
                        shown,
                        f"grade_id '{grade_id}' is also used by cell {seen[grade_id] + 1}",
                        where=f"cell {index + 1}",
                        fix="give every graded, solution or locked cell its own grade_id",
                    )
                )
            seen[grade_id] = index
        graded += bool(meta.get("grade"))
    if not graded:
        problems.append(
            Problem(shown, "no graded cell", fix="mark answers or tests as graded with points")
        )
    return problems


# -- running notebooks ----------------------------------------------------------------


@dataclass
class _Run:
    nb: NotebookNode
    error_cell: int | None = None
    error: str = ""
    failed_cells: list[int] = field(default_factory=list)


def run_notebook(
    nb: NotebookNode, folder: Path, timeout: float, *, allow_errors: bool = False
) -> _Run:
    """Execute a notebook on a real kernel in ``folder``; record the failing cell(s)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    from ..kernelwait import install

    install()  # a missed wake-up would otherwise read as a cell timeout
    env = dict(os.environ, PARCOURS_EVENTS="off")
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
        run.error = f"a cell ran longer than {timeout:.0f} s"
    except DeadKernelError as exc:
        run.error = f"the kernel died ({exc})"
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


def _check_lesson(path: Path, shown: str, timeout: float) -> list[Problem]:
    problems: list[Problem] = []
    nb = read_notebook(path, shown, problems)
    if nb is None:
        return problems
    run = run_notebook(nb, path.parent, timeout)
    if run.error:
        where = _cell_name(nb, run.error_cell) if run.error_cell is not None else ""
        problems.append(
            Problem(
                shown,
                f"the lesson stops with {run.error}",
                where=where,
                fix="run the lesson top to bottom in JupyterLab and fix that cell",
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
        problems.append(
            Problem(
                shown,
                "the solution fails this cell"
                + (" (an autograder test)" if index in tests else ""),
                where=_cell_name(nb, index),
                fix="correct the solution or the test so that the source notebook runs cleanly",
            )
        )
    if solution_run.error and not solution_run.failed_cells:
        problems.append(Problem(shown, f"the solution stops with {solution_run.error}"))
    if problems or not tests:
        return problems

    release_run = run_notebook(released, path.parent, timeout, allow_errors=True)
    passing = [i for i in tests if i not in release_run.failed_cells]
    if len(passing) == len(tests):
        problems.append(
            Problem(
                shown,
                "the release version (solutions cleared) passes every test: the tests check "
                "nothing the learner writes",
                fix="make the autograder tests assert on the learner's answers",
            )
        )
    return problems


def check_course(
    folder: Path | str,
    config: ParcoursConfig,
    *,
    execute: bool = True,
    progress: bool = False,
) -> CheckReport:
    """Check one course folder; return a report listing every problem found."""
    started = time.perf_counter()
    folder = Path(folder)
    root = Path(config.root)
    shown = _display(folder / MANIFEST, root)
    report = CheckReport(course=None)
    try:
        course = read_manifest(folder / MANIFEST, display=shown)
    except CourseError as exc:
        report.problems = exc.problems
        return report
    report.course = course
    report.problems += semantic_problems(course, shown)

    jobs: list[tuple[str, Path, str]] = []
    for lesson in course.lessons:
        for relative in lesson.notebooks:
            path = course.path(relative)
            if path.is_file():
                jobs.append(("lesson", path, _display(path, root)))
    for assignment in course.assignments:
        source = course.path(assignment.source)
        for path in sorted(source.glob("*.ipynb")) if source.is_dir() else []:
            jobs.append(("assignment", path, _display(path, root)))

    if not execute:
        for kind, path, name in jobs:
            nb = read_notebook(path, name, report.problems)
            if nb is not None and kind == "assignment":
                report.problems += nbgrader_problems(nb, name)
        report.seconds = time.perf_counter() - started
        return report

    def work(job: tuple[str, Path, str]) -> list[Problem]:
        kind, path, name = job
        if kind == "lesson":
            return _check_lesson(path, name, config.cell_timeout)
        return _check_assignment_notebook(path, name, config.cell_timeout)

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), desc="notebooks", unit="nb", leave=False)
    with ThreadPoolExecutor(max_workers=max(1, config.workers)) as pool:
        for (kind, _path, _name), found in zip(jobs, pool.map(work, jobs), strict=True):
            report.problems += found
            if kind == "lesson":
                report.lessons_run += 1
            if bar is not None:
                bar.update()
    if bar is not None:
        bar.close()
    report.assignments_checked = len(course.assignments)
    report.seconds = time.perf_counter() - started
    return report
