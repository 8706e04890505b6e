"""``parcours check``: a course is ready to teach.

Checks, in order, collecting every problem rather than stopping at the first:

1. the manifest (schema, unknown keys, dates, skills, files named) — :mod:`.load`;
2. every notebook it names is JSON and valid nbformat; assignment notebooks carry valid
   nbgrader metadata with unique grade ids;
3. every lesson (and each A/B version) runs top to bottom on a real kernel;
4. every assignment's solution passes its own tests (hidden tests included), and its
   release version (solutions cleared as nbgrader does) fails them.

Lessons run with ``PARCOURS_EVENTS=off`` so checking records no learner activity, and
with ``PARCOURS_COURSE_DIR`` naming the folder being checked, so that their quizzes come
from its ``quizzes/`` (not from an installed course with the same id). Quiz banks are
read first: a YAML error is reported in the YAML file, with its line, and that lesson is
not run. Notebooks run in parallel, ``config.workers`` at a time. Every message is in the
course's language.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CourseError, Problem
from ..i18n import _, language
from .load import MANIFEST, _display, manifest_language, read_manifest, semantic_problems

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from ..config import ParcoursConfig
    from .model import Course


@dataclass
class CheckReport:
    """What ``parcours check`` found."""

    course: Course | None
    problems: list[Problem] = field(default_factory=list)
    #: worth a look, not wrong: the course passes the check with them
    warnings: list[Problem] = field(default_factory=list)
    lessons_run: int = 0
    assignments_checked: int = 0
    seconds: float = 0.0
    #: language of the messages (the course's)
    language: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """A few lines for the terminal, in the course's language."""
        with language(self.language or "en"):
            return self._summary()

    def _summary(self) -> str:
        problems = problem_lines(self.problems)
        if self.course is None:
            return problems
        c = self.course
        minutes = sum(lesson.minutes for lesson in c.lessons) + sum(
            a.minutes for a in c.assignments
        )
        lines = [
            f"{c.id} — {c.title} ({c.language})",
            _(
                "  manifest: {skills} skills, {modules} modules, {lessons} lessons, "
                "{assignments} assignments, {minutes} estimated minutes"
            ).format(
                skills=len(c.skills),
                modules=len(c.modules),
                lessons=len(c.lessons),
                assignments=len(c.assignments),
                minutes=minutes,
            ),
            _("  lessons executed: {n}").format(n=self.lessons_run),
            _(
                "  assignments: {n} checked (solution passes its tests, release version fails them)"
            ).format(n=self.assignments_checked),
        ]
        if self.warnings:
            lines.append(_("{n} warning(s):").format(n=len(self.warnings)))
            lines += [f"  - {w}" for w in self.warnings]
        if self.problems:
            lines.append(problems)
        else:
            lines.append(f"OK ({self.seconds:.1f} s)")
        return "\n".join(lines)


def problem_lines(problems: list[Problem]) -> str:
    """The problems as :class:`CourseError` lists them, headed in the language in force."""
    lines = [_("{n} problem(s) found:").format(n=len(problems))]
    lines += [f"  - {p}" for p in problems]
    return "\n".join(lines)


# -- reading notebooks ---------------------------------------------------------------


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


def quiz_problems(course: Course, root: Path) -> tuple[list[Problem], set[str]]:
    """Problems of the lessons' quiz banks (``quizzes/<lesson>.yaml``), each in the YAML
    file with its line; and the lessons whose bank is broken (not worth running)."""
    import yaml

    problems: list[Problem] = []
    broken: set[str] = set()
    for lesson in course.lessons:
        for suffix in (".yaml", ".yml"):
            path = course.path(f"quizzes/{lesson.id}{suffix}")
            if path.is_file():
                break
        else:
            continue
        shown = _display(path, root)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(
                Problem(
                    shown,
                    _("cannot be read ({reason})").format(reason=exc),
                    fix=_("save it as UTF-8 text"),
                )
            )
            broken.add(lesson.id)
            continue
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problems.append(
                Problem(
                    shown,
                    _("not valid YAML: {reason}").format(
                        reason=getattr(exc, "problem", None) or exc
                    ),
                    where=_("line {line}, column {column}").format(
                        line=mark.line + 1, column=mark.column + 1
                    )
                    if mark
                    else "",
                    fix=_(
                        "check the indentation (spaces, not tabs) and that every quote is "
                        "closed; a text holding ': ' must be quoted"
                    ),
                )
            )
            broken.add(lesson.id)
            continue
        from parcours_lab.quiz.model import QuizDefinitionError, parse_bank

        try:
            parse_bank(data, shown, lesson=lesson.id)
        except QuizDefinitionError as exc:
            problems.append(Problem(shown, str(exc).replace(f" (in {shown})", "")))
            broken.add(lesson.id)
    return problems, broken


def check_course(
    folder: Path | str,
    config: ParcoursConfig,
    *,
    execute: bool = True,
    progress: bool = False,
) -> CheckReport:
    """Check one course folder; return a report listing every problem found, in the
    course's language."""
    folder = Path(folder)
    try:
        text = (folder / MANIFEST).read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    lang = manifest_language(text, config.language)
    with language(lang):
        report = _check_course(folder, config, execute=execute, progress=progress)
    report.language = lang
    return report


def _check_course(
    folder: Path, config: ParcoursConfig, *, execute: bool, progress: bool
) -> CheckReport:
    started = time.perf_counter()
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
    found, broken = quiz_problems(course, root)
    report.problems += found

    jobs: list[tuple[str, Path, str]] = []
    for lesson in course.lessons:
        if lesson.id in broken:
            continue
        for relative in lesson.notebooks:
            path = course.path(relative)
            if path.is_file():
                jobs.append(("lesson", path, _display(path, root)))
    for assignment in course.assignments:
        source = course.path(assignment.source)
        for path in sorted(source.glob("*.ipynb")) if source.is_dir() else []:
            jobs.append(("assignment", path, _display(path, root)))
            report.warnings += model_answer_warnings(path, _display(path, root))

    if not execute:
        for kind, path, name in jobs:
            nb = read_notebook(path, name, report.problems)
            if nb is not None and kind == "assignment":
                report.problems += nbgrader_problems(nb, name)
        report.seconds = time.perf_counter() - started
        return report

    lang = course.language

    def work(job: tuple[str, Path, str]) -> list[Problem]:
        kind, path, name = job
        with language(lang):  # a worker thread: the language is per process
            if kind == "lesson":
                return _check_lesson(path, name, config.cell_timeout, folder.resolve())
            return _check_assignment_notebook(path, name, config.cell_timeout)

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), desc="notebooks", unit="nb", leave=False)
    with ThreadPoolExecutor(max_workers=max(1, config.workers)) as pool:
        for (kind, _path, _name), problems in zip(jobs, pool.map(work, jobs), strict=True):
            report.problems += problems
            if kind == "lesson":
                report.lessons_run += 1
            if bar is not None:
                bar.update()
    if bar is not None:
        bar.close()
    report.assignments_checked = len(course.assignments)
    report.seconds = time.perf_counter() - started
    return report
