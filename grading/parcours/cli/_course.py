"""Helpers shared by the assignment-loop commands (nothing heavy imported here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from parcours.i18n import N_, _

if TYPE_CHECKING:
    import argparse

    from parcours.config import ParcoursConfig
    from parcours.course.model import Course
    from parcours.hub.client import ServiceClient

#: help of the ``assignment`` positional argument of the assignment-loop commands
ASSIGNMENT_HELP = N_("assignment id from course.toml")


def add_course_arguments(parser: argparse.ArgumentParser, assignment: str = "") -> None:
    """The ``course`` positional argument every course command takes, then the
    ``assignment`` one when its help is given (e.g. :data:`ASSIGNMENT_HELP`, marked with
    ``N_``: it is translated here)."""
    parser.add_argument("course", help=_("course id (under courses/) or path to a course folder"))
    if assignment:
        parser.add_argument("assignment", help=_(assignment))


def open_course(config: ParcoursConfig, name: str) -> Course:
    """The course named by an id (under courses/) or a folder path."""
    from parcours.course.load import find_course, load_course

    return load_course(find_course(config.courses_dir, name))


def course_language(args: object, config: ParcoursConfig, course: Course | None) -> str:
    """The language of a command's messages about ``course``: ``--lang`` if given, else
    the course's ``language``, else the configured one. It becomes the language in force
    for the rest of the command (``parcours`` restores the previous one afterwards)."""
    from parcours.i18n import choose_language, set_language

    return set_language(
        choose_language(
            getattr(args, "lang", None), course.language if course else None, config.language
        )
    )


def tcp_port(port: int) -> int:
    """``port`` when it is a TCP port, else the bad-input error naming ``--port``."""
    if not 0 < port < 65536:
        from parcours.errors import BadInputError

        raise BadInputError(
            _("--port {port}: not a TCP port; use a number from 1 to 65535.").format(port=port)
        )
    return port


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

    from parcours.errors import BadInputError
    from parcours.hub.client import ServiceClient
    from parcours.identity import person

    me = person()
    asked = getattr(args, "learner", None)
    if asked and asked != me:
        raise BadInputError(
            _(
                "--learner {asked}: on the hub you act as yourself ({me}); leave --learner out."
            ).format(asked=asked, me=me or _("your account"))
        )
    return ServiceClient.from_environment(config.service_url)


def teach_on_hub(
    args: object, config: ParcoursConfig, action: str, options: dict[str, object] | None = None
) -> bool:
    """On the hub, run a teacher's command through the Parcours service (the data folder
    is the service's) and print its summary in the same words as on one machine; False
    elsewhere (the caller runs it here)."""
    if not config.service_url:
        return False
    from parcours.hub.client import ServiceClient

    client = ServiceClient.from_environment(config.service_url)
    course, assignment = getattr(args, "course"), getattr(args, "assignment")  # noqa: B009
    done = client.teach(course, assignment, action, options)
    lang = getattr(args, "lang", None) or config.language
    for line in hub_summary(action, assignment, done, lang):
        print(line)
    return True


def hub_summary(action: str, assignment: str, done: dict[str, object], lang: str) -> list[str]:
    """The lines a teacher reads for the service's summary of ``action``."""
    import datetime as dt

    from parcours.course.zones import shown
    from parcours.i18n import ngettext
    from parcours.safetext import printable

    def count(key: str) -> int:
        value = done.get(key)
        return len(value) if isinstance(value, list | dict) else int(value or 0)  # type: ignore[call-overload]

    if action == "collect":
        n = count("collected")
        return [
            ngettext("'{assignment}': {n} submission", "'{assignment}': {n} submissions", n).format(
                assignment=assignment, n=n
            )
            + _(", {late} late; {missing} missing.").format(
                late=count("late"), missing=count("missing")
            )
        ]
    if action == "autograde":
        n = count("graded")
        return [
            ngettext(
                "'{assignment}': {n} submission graded, {problems} with problems.",
                "'{assignment}': {n} submissions graded, {problems} with problems.",
                n,
            ).format(assignment=assignment, n=n, problems=count("problems"))
        ]
    if action == "feedback-release":
        n = count("released")
        lines = [
            ngettext(
                "'{assignment}': feedback released to {n} learner",
                "'{assignment}': feedback released to {n} learners",
                n,
            ).format(assignment=assignment, n=n)
            + _("; correction published to {published}; {pending} wait for their due date.").format(
                published=count("corrections_published"), pending=count("corrections_pending")
            )
        ]
        withheld = done.get("withheld")
        for learner, reason in sorted(withheld.items() if isinstance(withheld, dict) else []):
            lines.append(
                _("  feedback withheld ({learner}): {reason}").format(
                    learner=printable(learner, keep_lines=False),
                    reason=printable(reason, keep_lines=False),
                )
            )
        return lines
    due = dt.datetime.fromisoformat(str(done.get("due")))  # release
    zone = str(done.get("timezone") or "UTC")
    n = count("learners")
    return [
        ngettext(
            "'{assignment}' released to {n} learner, due {due}.",
            "'{assignment}' released to {n} learners, due {due}.",
            n,
        ).format(assignment=assignment, n=n, due=shown(due, zone, lang))
    ]
