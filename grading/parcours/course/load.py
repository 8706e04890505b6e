"""Reading course manifests into :class:`~parcours.course.model.Course`.

Every failure becomes a :class:`~parcours.errors.CourseError` listing
:class:`~parcours.errors.Problem` s that name the file, the key and what to do,
in a teacher's words and in the course's language (``language`` of the manifest, read
even from a manifest that does not parse: :func:`manifest_language`; gettext catalogues
in ``parcours/i18n``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import CourseError, Problem
from ..i18n import N_, _, language
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
    "extra_forbidden": N_("remove it or check its spelling (see docs/course-manifest.md)"),
    "missing": N_("add this key"),
    "too_short": N_("add at least one entry"),
    "literal_error": N_("use one of the values named"),
    "datetime_from_date_parsing": N_("write a date and time such as 2026-09-21T23:59:00"),
    "datetime_parsing": N_("write a date and time such as 2026-09-21T23:59:00"),
    "datetime_type": N_("write a date and time such as 2026-09-21T23:59:00 (no quotes)"),
    "string_pattern_mismatch": N_("use letters, digits, '-', '_' or '.' only"),
    "greater_than": N_("write a number above the limit named"),
    "less_than_equal": N_("write a number within the limit named"),
    "int_parsing": N_("write a whole number, without quotes"),
    "float_parsing": N_("write a number, without quotes"),
    "string_type": N_("write a text between quotes"),
}
#: pydantic's messages, in a teacher's words ({limit} is the bound)
_MESSAGES = {
    "extra_forbidden": N_("unknown key"),
    "missing": N_("required key is missing"),
    "greater_than": N_("must be more than {limit}"),
    "greater_than_equal": N_("must be at least {limit}"),
    "less_than": N_("must be less than {limit}"),
    "less_than_equal": N_("must be at most {limit}"),
    "int_parsing": N_("must be a whole number"),
    "float_parsing": N_("must be a number"),
    "string_type": N_("must be a text"),
    "too_short": N_("must not be empty"),
}
#: keys holding a fraction of the points (0.2 means 20 %)
FRACTION_KEYS = ("per_day", "cap")


def _describe(error: dict[str, Any], data: dict[str, Any]) -> tuple[str, str]:
    kind = error.get("type", "")
    loc = [str(part) for part in error.get("loc", ())]
    value = error.get("input")
    if (
        loc
        and loc[-1] in FRACTION_KEYS
        and isinstance(value, int | float)
        and kind in {"less_than_equal", "greater_than_equal"}
    ):
        # per_day = 20 meant 20 %: say it is a fraction, with the value they meant
        meant = value / 100 if 1 < value <= 100 else 0.2
        return (
            _(
                "is {value}, but it is a fraction of the points between 0 and 1: 0.2 means 20 %"
            ).format(value=value),
            _("write {key} = {meant:g} for {percent:g} %").format(
                key=loc[-1], meant=meant, percent=meant * 100
            ),
        )
    message = str(error.get("msg", "invalid value"))
    ctx = error.get("ctx") or {}
    limit = next(iter(ctx.values()), "") if ctx else ""
    if kind in _MESSAGES:
        message = _(_MESSAGES[kind]).format(limit=limit)
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    if kind not in {"missing", "extra_forbidden"} and "input" in error:
        shown = repr(value)
        if len(shown) <= 60:
            message += _(" (found {value})").format(value=shown)
    fix = _FIXES.get(kind, "")
    return message, _(fix) if fix else ""


def manifest_language(text: str, default: str = "") -> str:
    """The ``language = "fr"|"en"`` of a manifest's text, found even when the TOML does
    not parse (its messages are then in the course's language); ``default`` if none."""
    found = re.search(r'(?m)^\s*language\s*=\s*["\']?(fr|en)\b', text)
    return found.group(1) if found else default


def _toml_problem(shown: str, text: str, exc: tomllib.TOMLDecodeError) -> Problem:
    """A TOML syntax error in a teacher's words: the line, and for the most common slip
    (a text whose closing quote is missing) what is wrong."""
    found = re.search(r"line (\d+)", str(exc))
    if not found:
        return Problem(
            shown,
            _("invalid TOML: {reason}").format(reason=exc),
            fix=_("fix the syntax at the line named"),
        )
    number = int(found.group(1))
    lines = text.splitlines()
    line = lines[number - 1] if 0 < number <= len(lines) else ""
    # an apostrophe in a "…" text is not a quote
    unclosed = line.count('"') % 2 == 1 or ('"' not in line and line.count("'") % 2 == 1)
    if unclosed or "Unterminated" in str(exc):
        return Problem(
            shown,
            _("a quote is not closed: {line}").format(line=line.strip()),
            where=_("line {n}").format(n=number),
            fix=_(
                "close the text with the same quote on that line (use triple "
                'quotes """ for a text over several lines)'
            ),
        )
    reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
    return Problem(
        shown,
        _("invalid TOML ({reason}): {line}").format(reason=reason, line=line.strip()),
        where=_("line {n}").format(n=number),
        fix=_("fix the syntax at the line named (see docs/course-manifest.md)"),
    )


def read_manifest(path: Path, *, display: str | None = None, lang: str | None = None) -> Course:
    """Read and validate one ``course.toml``. ``display`` is how the file is named in
    messages (default: the path as given). Messages are in ``lang`` when given (a
    language the person chose: ``parcours check --lang``), else the course's."""
    shown = display or str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CourseError(
            [
                Problem(
                    shown,
                    _("file not found"),
                    fix=_("create {name} in the course folder").format(name=MANIFEST),
                )
            ]
        ) from None
    except OSError as exc:
        raise CourseError(
            [Problem(shown, _("cannot be read ({reason})").format(reason=exc.strerror))]
        ) from None
    text = raw.decode("utf-8", errors="replace")
    from ..i18n import get_language

    with language(lang or manifest_language(text, get_language())):
        return _read_manifest(path, raw, shown)


def _read_manifest(path: Path, raw: bytes, shown: str) -> Course:
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise CourseError(
            [
                Problem(
                    shown,
                    _("not UTF-8 text (byte {n})").format(n=exc.start),
                    fix=_("save the file as UTF-8"),
                )
            ]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise CourseError([_toml_problem(shown, raw.decode("utf-8"), exc)]) from None

    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise CourseError(
            [
                Problem(
                    shown,
                    _("schema_version is {found!r}; this Parcours reads version {version}").format(
                        found=version, version=SCHEMA_VERSION
                    ),
                    where="schema_version",
                    fix=_("add 'schema_version = {version}' at the top of the file").format(
                        version=SCHEMA_VERSION
                    ),
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


def semantic_problems(course: Course, shown: str, lang: str | None = None) -> list[Problem]:
    """Problems the schema alone cannot see: unknown skills or modules, dates out of order,
    files that are missing, points that differ from the notebooks' total. In ``lang``
    when given, else the course's language."""
    with language(lang or course.language):
        return _semantic_problems(course, shown)


def notebook_points(folder: Path) -> float | None:
    """The points of every graded cell (and task) of the notebooks in ``folder``, as
    nbgrader counts them; None when a notebook cannot be read (reported elsewhere)."""
    import json

    total = 0.0
    for path in sorted(folder.glob("*.ipynb")):
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
            for cell in cells:
                meta = cell.get("metadata", {}).get("nbgrader", {})
                if meta.get("grade") or meta.get("task"):
                    total += float(meta.get("points") or 0)
        except (OSError, ValueError, AttributeError, TypeError):
            return None
    return total


def _semantic_problems(course: Course, shown: str) -> list[Problem]:
    problems: list[Problem] = []
    skills = set(course.skill_ids)
    modules = {m.id for m in course.modules}

    def unknown_skills(where: str, names: list[str]) -> None:
        for name in names:
            if name not in skills:
                problems.append(
                    Problem(
                        shown,
                        _("unknown skill '{skill}'").format(skill=name),
                        where=where,
                        fix=_("declare it under [[skills]] or use one of: {known}").format(
                            known=", ".join(sorted(skills)) or _("(none declared)")
                        ),
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
                            _("notebook '{path}' not found").format(path=relative),
                            where=f"{where}.{key}",
                            fix=_("create it or correct the path (relative to the course folder)"),
                        )
                    )
    for a_index, assignment in enumerate(course.assignments):
        where = f"assignments[{a_index}]"
        unknown_skills(f"{where}.skills", assignment.skills)
        if assignment.module and assignment.module not in modules:
            problems.append(
                Problem(
                    shown,
                    _("unknown module '{module}'").format(module=assignment.module),
                    where=f"{where}.module",
                    fix=_("use one of: {known}").format(known=", ".join(sorted(modules))),
                )
            )
        if course.due(assignment) <= course.opens(assignment):
            problems.append(
                Problem(
                    shown,
                    _("due ({due}) is not after opens ({opens})").format(
                        due=assignment.due.isoformat(), opens=assignment.opens.isoformat()
                    ),
                    where=f"{where}.due",
                    fix=_("set the due date after the opening date"),
                )
            )
        if not isinstance(assignment.correction, str) and course.aware(
            assignment.correction, assignment.timezone
        ) < course.due(assignment):
            problems.append(
                Problem(
                    shown,
                    _("the correction would be published before the due date"),
                    where=f"{where}.correction",
                    fix=_("use 'after_due' or a datetime after the due date"),
                )
            )
        folder = course.path(assignment.source)
        if not folder.is_dir():
            problems.append(
                Problem(
                    shown,
                    _("assignment source folder '{source}' not found").format(
                        source=assignment.source
                    ),
                    where=f"{where}.source",
                    fix=_("create it with the nbgrader source notebooks, or correct the path"),
                )
            )
        elif not any(folder.glob("*.ipynb")):
            problems.append(
                Problem(
                    shown,
                    _("assignment source folder '{source}' holds no notebook").format(
                        source=assignment.source
                    ),
                    where=f"{where}.source",
                    fix=_("add the nbgrader source notebook(s)"),
                )
            )
        elif folder.name != assignment.id:
            problems.append(
                Problem(
                    shown,
                    _(
                        "the source folder is named '{folder}' but nbgrader needs it named "
                        "after the assignment id '{id}'"
                    ).format(folder=folder.name, id=assignment.id),
                    where=f"{where}.source",
                    fix=_("rename the folder to '{id}'").format(id=assignment.id),
                )
            )
        else:
            total = notebook_points(folder)
            if total is not None and total > 0 and abs(total - assignment.points) > 1e-9:
                problems.append(
                    Problem(
                        shown,
                        _(
                            "points = {points:g}, but the graded cells of {source} total "
                            "{total:g} points"
                        ).format(points=assignment.points, source=assignment.source, total=total),
                        where=f"{where}.points",
                        fix=_(
                            "write points = {total:g}, or change the points of the graded "
                            "cells in the notebook (nbgrader's cell toolbar)"
                        ).format(total=total),
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
    """The folder of a course given its id or a path to it. An id (a name without a
    folder) names the project's course (``courses_dir/<id>``) first: a copy of the course
    in the working folder — the one in each person's home on the hub — is not the course
    (``./<id>`` names that folder)."""
    candidate = Path(course)
    under = Path(courses_dir) / course
    if course == candidate.name and _readable_manifest(under):
        return under
    if (candidate / MANIFEST).is_file():
        return candidate
    if (under / MANIFEST).is_file():
        return under
    known = sorted(p.parent.name for p in Path(courses_dir).glob(f"*/{MANIFEST}"))
    raise CourseError(
        [
            Problem(
                str(candidate),
                _("no course here (no {name})").format(name=MANIFEST),
                fix=_("give a course folder or one of these ids: {known}").format(
                    known=", ".join(known) or "-"
                ),
            )
        ]
    )


def _readable_manifest(folder: Path) -> bool:
    """Whether ``folder`` holds a manifest this account may see (a course closed to it —
    a learner on the hub — is not)."""
    try:
        return (folder / MANIFEST).is_file()
    except PermissionError:
        return False


def list_courses(courses_dir: Path | str) -> list[Course]:
    """Every valid course under ``courses_dir``, sorted by id."""
    return [load_course(p.parent) for p in sorted(Path(courses_dir).glob(f"*/{MANIFEST}"))]


def _display(path: Path, root: Path | None) -> str:
    try:
        return str(path.resolve().relative_to((root or Path.cwd()).resolve()))
    except ValueError:
        return str(path)
