"""Reading course manifests into :class:`~parcours_grading.course.model.Course`.

Every failure becomes a :class:`~parcours_grading.errors.CourseError` listing
:class:`~parcours_grading.errors.Problem` s that name the file, the key and what to do.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import CourseError, Problem
from .model import SCHEMA_VERSION, Course

MANIFEST = "course.toml"


def _key_path(loc: Iterable[Any]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in {"function-after", "function-before"} or str(part).startswith(
            ("datetime", "literal[", "function-")
        ):
            continue
        else:
            text += f".{part}" if text else str(part)
    return text


_FIXES = {
    "extra_forbidden": "remove it or check its spelling (see docs/course-manifest.md)",
    "missing": "add this key",
    "too_short": "add at least one entry",
    "literal_error": "use one of the values named",
    "datetime_from_date_parsing": "write a date and time such as 2026-09-21T23:59:00",
    "datetime_parsing": "write a date and time such as 2026-09-21T23:59:00",
    "datetime_type": "write a date and time such as 2026-09-21T23:59:00 (no quotes)",
    "string_pattern_mismatch": "use letters, digits, '-', '_' or '.' only",
}


def _describe(error: dict[str, Any], data: dict[str, Any]) -> tuple[str, str]:
    kind = error.get("type", "")
    message = str(error.get("msg", "invalid value"))
    if kind == "extra_forbidden":
        message = "unknown key"
    elif kind == "missing":
        message = "required key is missing"
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    if kind not in {"missing", "extra_forbidden"} and "input" in error:
        shown = repr(error["input"])
        if len(shown) <= 60:
            message += f" (found {shown})"
    return message, _FIXES.get(kind, "")


def read_manifest(path: Path, *, display: str | None = None) -> Course:
    """Read and validate one ``course.toml``. ``display`` is how the file is named in
    messages (default: the path as given)."""
    shown = display or str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CourseError(
            [Problem(shown, "file not found", fix=f"create {MANIFEST} in the course folder")]
        ) from None
    except OSError as exc:
        raise CourseError([Problem(shown, f"cannot be read ({exc.strerror})")]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise CourseError(
            [Problem(shown, f"not UTF-8 text (byte {exc.start})", fix="save the file as UTF-8")]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(
            [Problem(shown, f"invalid TOML: {exc}", fix="fix the syntax at the line named")]
        ) from None

    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise CourseError(
            [
                Problem(
                    shown,
                    f"schema_version is {version!r}; this Parcours reads version {SCHEMA_VERSION}",
                    where="schema_version",
                    fix=f"add 'schema_version = {SCHEMA_VERSION}' at the top of the file",
                )
            ]
        )
    try:
        course = Course.model_validate({**data, "folder": path.parent})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message, fix = _describe(dict(error), data)
            problems.append(Problem(shown, message, where=_key_path(error["loc"]), fix=fix))
        raise CourseError(problems) from None
    return course


def semantic_problems(course: Course, shown: str) -> list[Problem]:
    """Problems the schema alone cannot see: unknown skills or modules, dates out of order,
    files that are missing."""
    problems: list[Problem] = []
    skills = set(course.skill_ids)
    modules = {m.id for m in course.modules}

    def unknown_skills(where: str, names: list[str]) -> None:
        for name in names:
            if name not in skills:
                problems.append(
                    Problem(
                        shown,
                        f"unknown skill '{name}'",
                        where=where,
                        fix="declare it under [[skills]] or use one of: "
                        + (", ".join(sorted(skills)) or "(none declared)"),
                    )
                )

    for m_index, module in enumerate(course.modules):
        for l_index, lesson in enumerate(module.lessons):
            where = f"modules[{m_index}].lessons[{l_index}]"
            unknown_skills(f"{where}.skills", lesson.skills)
            for key, relative in [("notebook", lesson.notebook)] + [
                (f"versions.{name}", p) for name, p in lesson.versions.items()
            ]:
                if not course.path(relative).is_file():
                    problems.append(
                        Problem(
                            shown,
                            f"notebook '{relative}' not found",
                            where=f"{where}.{key}",
                            fix="create it or correct the path (relative to the course folder)",
                        )
                    )
    for a_index, assignment in enumerate(course.assignments):
        where = f"assignments[{a_index}]"
        unknown_skills(f"{where}.skills", assignment.skills)
        if assignment.module and assignment.module not in modules:
            problems.append(
                Problem(
                    shown,
                    f"unknown module '{assignment.module}'",
                    where=f"{where}.module",
                    fix=f"use one of: {', '.join(sorted(modules))}",
                )
            )
        if course.due(assignment) <= course.opens(assignment):
            problems.append(
                Problem(
                    shown,
                    f"due ({assignment.due.isoformat()}) is not after opens "
                    f"({assignment.opens.isoformat()})",
                    where=f"{where}.due",
                    fix="set the due date after the opening date",
                )
            )
        if not isinstance(assignment.correction, str) and course.aware(
            assignment.correction, assignment.timezone
        ) < course.due(assignment):
            problems.append(
                Problem(
                    shown,
                    "the correction would be published before the due date",
                    where=f"{where}.correction",
                    fix="use 'after_due' or a datetime after the due date",
                )
            )
        folder = course.path(assignment.source)
        if not folder.is_dir():
            problems.append(
                Problem(
                    shown,
                    f"assignment source folder '{assignment.source}' not found",
                    where=f"{where}.source",
                    fix="create it with the nbgrader source notebooks, or correct the path",
                )
            )
        elif not any(folder.glob("*.ipynb")):
            problems.append(
                Problem(
                    shown,
                    f"assignment source folder '{assignment.source}' holds no notebook",
                    where=f"{where}.source",
                    fix="add the nbgrader source notebook(s)",
                )
            )
        elif folder.name != assignment.id:
            problems.append(
                Problem(
                    shown,
                    f"the source folder is named '{folder.name}' but nbgrader needs it named "
                    f"after the assignment id '{assignment.id}'",
                    where=f"{where}.source",
                    fix=f"rename the folder to '{assignment.id}'",
                )
            )
    return problems


def load_course(folder: Path | str, *, root: Path | None = None) -> Course:
    """Load and validate a course folder (its ``course.toml`` and the files it names).

    Raises :class:`CourseError` listing every problem found.
    """
    folder = Path(folder)
    manifest = folder / MANIFEST
    shown = _display(manifest, root)
    course = read_manifest(manifest, display=shown)
    problems = semantic_problems(course, shown)
    if problems:
        raise CourseError(problems)
    return course


def find_course(courses_dir: Path | str, course: str) -> Path:
    """The folder of a course given its id or a path to it."""
    candidate = Path(course)
    if (candidate / MANIFEST).is_file():
        return candidate
    under = Path(courses_dir) / course
    if (under / MANIFEST).is_file():
        return under
    known = sorted(p.parent.name for p in Path(courses_dir).glob(f"*/{MANIFEST}"))
    raise CourseError(
        [
            Problem(
                str(candidate),
                f"no course here (no {MANIFEST})",
                fix=f"give a course folder or one of these ids: {', '.join(known) or '(none)'}",
            )
        ]
    )


def list_courses(courses_dir: Path | str) -> list[Course]:
    """Every valid course under ``courses_dir``, sorted by id."""
    return [load_course(p.parent) for p in sorted(Path(courses_dir).glob(f"*/{MANIFEST}"))]


def _display(path: Path, root: Path | None) -> str:
    try:
        return str(path.resolve().relative_to((root or Path.cwd()).resolve()))
    except ValueError:
        return str(path)
