"""Give a learner an extension on an assignment (recorded with who and when). The new
date needs a time zone, e.g. --until 2026-10-05T23:59+02:00. It moves the learner's due
date for lateness and late penalties, and when their correction is published."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours.cli._course import ASSIGNMENT_HELP, add_course_arguments
from parcours.errors import ExitStatus
from parcours.i18n import _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser, ASSIGNMENT_HELP)
    parser.add_argument("learner", help=_("learner id (roster's id column)"))
    parser.add_argument(
        "--until",
        required=True,
        metavar="DATETIME",
        help=_("new due date with its time zone, e.g. 2026-10-05T23:59+02:00"),
    )


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:

    from parcours.cli._course import course_language, open_course
    from parcours.course.zones import shown, zone_of
    from parcours.pipeline.deadlines import find_assignment
    from parcours.pipeline.extensions import extend

    course = open_course(config, args.course)
    ext = extend(config, course, args.assignment, args.learner, args.until)
    lang = course_language(args, config, course)
    until = shown(ext.until, zone_of(course, find_assignment(course, ext.assignment)), lang)
    print(
        _("Extension: {learner} has until {until} for '{assignment}' (granted by {by}).").format(
            learner=ext.learner, until=until, assignment=ext.assignment, by=ext.granted_by
        )
    )
    if ext.team:
        print(
            _("The same date for the team-mates who hand in with them: {mates}.").format(
                mates=", ".join(ext.team)
            )
        )
    return ExitStatus.CLEAN
