"""Helpers shared by the assignment-loop commands (nothing heavy imported here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from parcours_grading.config import ParcoursConfig
    from parcours_grading.course.model import Course


def open_course(config: ParcoursConfig, name: str) -> Course:
    """The course named by an id (under courses/) or a folder path."""
    from parcours_grading.course.load import find_course, load_course

    return load_course(find_course(config.courses_dir, name))


def say(config: ParcoursConfig, fr: str, en: str) -> str:
    """The message in the configured language."""
    return fr if config.language == "fr" else en


def course_language(args: object, config: ParcoursConfig, course: Course | None) -> str:
    """The language of a command's messages about ``course``: ``--lang`` if given, else
    the course's ``language``, else the configured one."""
    from parcours_grading.i18n import choose_language

    return choose_language(getattr(args, "lang", None), course.language if course else None,
                           config.language)


def progress_shown() -> bool:
    """Progress bars (tqdm, on stderr) only when a person watches: stderr is a terminal.
    Redirected to a file or a pipe (cron, CI, a test), a bar would only add noise."""
    import sys

    return sys.stderr.isatty()
