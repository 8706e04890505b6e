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

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CourseError, Problem
from ..i18n import _, get_language, language
from .execution import _check_assignment_notebook, _check_lesson
from .load import MANIFEST, _display, manifest_language, read_manifest, semantic_problems
from .notebooks import model_answer_warnings, nbgrader_problems, read_notebook

if TYPE_CHECKING:
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
        from ..quizbank.model import QuizDefinitionError, in_source, parse_bank

        try:
            parse_bank(data, shown, lesson=lesson.id)
        except QuizDefinitionError as exc:
            problems.append(Problem(shown, str(exc).replace(in_source(shown), "")))
            broken.add(lesson.id)
    return problems, broken


def check_course(
    folder: Path | str,
    config: ParcoursConfig,
    *,
    execute: bool = True,
    progress: bool = False,
    lang: str | None = None,
) -> CheckReport:
    """Check one course folder; return a report listing every problem found, in ``lang``
    (``parcours check --lang``), else the course's language."""
    folder = Path(folder)
    try:
        text = (folder / MANIFEST).read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    lang = lang or manifest_language(text, config.language)
    with language(lang):
        report = _check_course(folder, config, execute=execute, progress=progress, lang=lang)
    report.language = lang
    return report


def _check_course(
    folder: Path, config: ParcoursConfig, *, execute: bool, progress: bool, lang: str
) -> CheckReport:
    started = time.perf_counter()
    root = Path(config.root)
    shown = _display(folder / MANIFEST, root)
    report = CheckReport(course=None)
    try:
        course = read_manifest(folder / MANIFEST, display=shown, lang=lang)
    except CourseError as exc:
        report.problems = exc.problems
        return report
    report.course = course
    report.problems += semantic_problems(course, shown, lang)
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

    lang = get_language()  # the report's (see check_course)

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
