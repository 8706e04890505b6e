"""Your assignments: when they open, when they are due, your extension if any, where you
stand, and whether the correction is available. Run by a teacher of the course (on the
hub, or here when you are not in its roster), each assignment's dates and how many of
its learners handed it in, late, or are overdue.

A table, each date in its assignment's time zone, named; --json for programs."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours.cli._course import add_course_arguments
from parcours.errors import ExitStatus
from parcours.i18n import _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig
    from parcours.pipeline.deadlines import Deadline


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument("--learner", help=_("learner id (default: your user name)"))
    parser.add_argument(
        "--class",
        dest="whole_class",
        action="store_true",
        help=_("every learner's progress on each assignment (teachers)"),
    )
    parser.add_argument("--json", action="store_true", help=_("print as JSON"))


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:

    from parcours.cli._course import course_language, hub_client, open_course
    from parcours.pipeline.deadlines import (
        Deadline,
        Progress,
        course_progress,
        format_progress,
        learner_deadlines,
    )
    from parcours.pipeline.records import learner_id
    from parcours.pipeline.roster import load_roster

    client = hub_client(args, config)
    if client is not None:  # on the hub: yours (or your class's), from the Parcours service
        answer = client.deadlines(args.course)
        if args.json:
            _print_json(answer)
            return ExitStatus.CLEAN
        from parcours.i18n import choose_language, set_language

        lang = set_language(choose_language(args.lang, answer.get("language"), config.language))
        rows = answer.get("assignments", [])
        if answer.get("teaching"):
            print(format_progress([Progress.from_json(row) for row in rows], lang))
        else:
            _print_learners([Deadline.from_json(row) for row in rows], lang)
        return ExitStatus.CLEAN

    course = open_course(config, args.course)
    lang = course_language(args, config, course)
    roster = load_roster(config, course)
    learner = learner_id(config, args.learner)
    if args.learner and roster.learners and learner not in roster.learners:
        from parcours.errors import BadInputError

        raise BadInputError(
            _(
                "--learner {learner}: not in the roster {file}; check the spelling "
                "(the roster's id column)."
            ).format(learner=learner, file=roster.path)
        )
    # a teacher (not a learner of a course with a roster) sees the class, not "overdue"
    teaching = args.whole_class or (
        not args.learner and bool(roster.learners) and learner not in roster.learners
    )
    if teaching:
        progress = course_progress(config, course)
        if args.json:
            _print_json([row.as_json() for row in progress])
        else:
            print(format_progress(progress, lang))
        return ExitStatus.CLEAN
    rows = learner_deadlines(config, course, learner)
    if args.json:
        _print_json([row.as_json() for row in rows])
    else:
        _print_learners(rows, lang)
    return ExitStatus.CLEAN


def _print_json(data: object) -> None:
    import json

    print(json.dumps(data, ensure_ascii=False, indent=2))


def _print_learners(rows: list[Deadline], lang: str) -> None:
    """A learner's table, with their own due date on this machine's clock when its zone
    is another."""
    from parcours.course.zones import local_zone
    from parcours.pipeline.deadlines import format_deadlines

    print(format_deadlines(rows, lang, local_zone()))
