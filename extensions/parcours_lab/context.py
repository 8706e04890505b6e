"""Where a course is, in the learner's kernel: its folder, language, lessons and modules.

Read straight from ``course.toml`` with ``tomllib`` (no pydantic in the kernel's path);
``parcours check`` validates the manifest fully.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from parcours.errors import BadInputError
from parcours.i18n import _


@dataclass(frozen=True)
class CourseContext:
    """What the widgets need to know about a course."""

    id: str
    #: the course folder (holds course.toml and quizzes/), None when not found
    folder: Path | None
    language: str
    #: lesson id -> module id
    lesson_module: dict[str, str] = field(default_factory=dict)
    #: assignment id -> module id
    assignment_module: dict[str, str] = field(default_factory=dict)
    hours_per_day: float = 3.5

    @property
    def quizzes(self) -> Path | None:
        """The course's quiz banks folder."""
        return self.folder / "quizzes" if self.folder else None

    def require_lesson(self, lesson: str) -> None:
        """Raise a clear error when the manifest is known and has no such lesson."""
        if self.lesson_module and lesson not in self.lesson_module:
            raise BadInputError(
                _(
                    "course '{course}' ({manifest}) has no lesson '{lesson}'; its lessons "
                    "are: {known} — fix the id in this cell",
                    lang=self.language,
                ).format(
                    course=self.id,
                    manifest=f"{self.folder}/course.toml",
                    lesson=lesson,
                    known=", ".join(self.lesson_module),
                )
            )


@cache
def _config() -> Any:
    from parcours.config import load_config

    return load_config()


def config() -> Any:
    """The ParcoursConfig in force (loaded once per kernel)."""
    return _config()


def _candidates(course: str) -> list[Path]:
    # `parcours check` names the folder it checks: its lessons read its own quizzes,
    # not those of an installed course with the same id
    checked = os.environ.get("PARCOURS_COURSE_DIR")
    found = [Path(checked)] if checked else []
    found.append(Path(config().courses_dir) / course)
    root = os.environ.get("PARCOURS_ROOT")
    if root:
        found.append(Path(root) / "courses" / course)
    cwd = Path.cwd()
    found += [cwd.parent, cwd, cwd / course]
    return found


@cache
def course_context(course: str) -> CourseContext:
    """The context of ``course`` (an id, or a path to a course folder)."""
    as_path = Path(course)
    candidates = [as_path] if as_path.is_dir() else _candidates(course)
    for folder in candidates:
        manifest = folder / "course.toml"
        try:
            if not manifest.is_file():
                continue
        except PermissionError:  # on the hub the course content is closed to learners
            continue
        try:
            data = tomllib.loads(manifest.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise BadInputError(
                _(
                    "{manifest}: not valid TOML ({error}) — run `parcours check`",
                    lang=config().language,
                ).format(manifest=manifest, error=exc)
            ) from exc
        if folder != as_path and data.get("id") not in (None, course):
            continue
        lessons = {
            str(lesson.get("id")): str(module.get("id"))
            for module in data.get("modules", [])
            for lesson in module.get("lessons", [])
        }
        assignments = {
            str(a.get("id")): str(a.get("module", "")) for a in data.get("assignments", [])
        }
        return CourseContext(
            id=str(data.get("id", course)),
            folder=folder.resolve(),
            language=str(data.get("language") or config().language),
            lesson_module=lessons,
            assignment_module=assignments,
            hours_per_day=float(data.get("workload", {}).get("hours_per_day", 3.5)),
        )
    return CourseContext(id=course, folder=None, language=config().language)


def learner_id() -> str:
    """The learner (:func:`parcours.identity.person`)."""
    from parcours.identity import person

    return person(config().learner)


def actor() -> str:
    """The actor this learner's events carry (:func:`~parcours.store.ids.own_actor`:
    their pseudonym; on the hub, where the service pseudonymises, ``p-self``). With events
    off (``PARCOURS_EVENTS=off``: grading, ``parcours check``) nothing is recorded, so no
    pseudonym is made: ``p-self`` — the grader's sandbox cannot read the pseudonym key,
    and a learner's reflection or quiz cell must not fail there."""
    from parcours.store.ids import SELF, own_actor

    from .recorder import recording_enabled

    if not recording_enabled():
        return SELF
    return own_actor(learner_id(), config())
