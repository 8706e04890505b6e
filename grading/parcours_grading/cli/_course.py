"""Helpers shared by the assignment-loop commands (nothing heavy imported here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from parcours_grading.config import ParcoursConfig
    from parcours_grading.course.model import Course
    from parcours_grading.hub.client import ServiceClient

#: help of the ``assignment`` positional argument of the assignment-loop commands
ASSIGNMENT_HELP = "assignment id from course.toml"


def add_course_arguments(parser: argparse.ArgumentParser, assignment: str = "") -> None:
    """The ``course`` positional argument every course command takes, then the
    ``assignment`` one when its help is given (e.g. :data:`ASSIGNMENT_HELP`)."""
    parser.add_argument("course", help="course id (under courses/) or path to a course folder")
    if assignment:
        parser.add_argument("assignment", help=assignment)


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

    return choose_language(
        getattr(args, "lang", None), course.language if course else None, config.language
    )


def progress_shown() -> bool:
    """Progress bars (tqdm, on stderr) only when a person watches: stderr is a terminal.
    Redirected to a file or a pipe (cron, CI, a test), a bar would only add noise."""
    import sys

    return sys.stderr.isatty()


def hub_client(args: object, config: ParcoursConfig) -> ServiceClient | None:
    """On the hub (``ParcoursConfig.service_url`` set), the Parcours service client for
    the learner's own commands, else None. ``--learner`` naming someone else is refused:
    on the hub you are who you logged in as."""
    if not config.service_url:
        return None
    import os

    from parcours_grading.errors import BadInputError
    from parcours_grading.hub.client import ServiceClient

    me = os.environ.get("JUPYTERHUB_USER", "")
    asked = getattr(args, "learner", None)
    if asked and asked != me:
        raise BadInputError(
            f"--learner {asked}: on the hub you act as yourself ({me or 'your account'}); "
            "leave --learner out."
        )
    return ServiceClient.from_environment(config.service_url)


def teach_on_hub(
    args: object, config: ParcoursConfig, action: str, options: dict[str, object] | None = None
) -> bool:
    """On the hub, run a teacher's command through the Parcours service (the data folder
    is the service's) and print its summary; False elsewhere (the caller runs it here)."""
    if not config.service_url:
        return False
    import json

    from parcours_grading.hub.client import ServiceClient

    client = ServiceClient.from_environment(config.service_url)
    course, assignment = getattr(args, "course"), getattr(args, "assignment")  # noqa: B009
    done = client.teach(course, assignment, action, options)
    print(json.dumps(done, ensure_ascii=False, indent=2, default=str))
    return True
