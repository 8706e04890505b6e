"""Release an assignment: generate the student version (nbgrader) and put it in the
exchange, for everyone or only for groups / named learners of the roster
(<data_dir>/courses/<id>/roster.csv: id,first_name,last_name,email,groups with groups
separated by ';'). Releasing again widens the audience."""

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
    parser.add_argument(
        "--to",
        nargs="+",
        metavar="GROUP_OR_LEARNER",
        help=_("release only to these groups or learners of the roster (default: everyone)"),
    )


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    from parcours.cli._course import teach_on_hub

    # on the hub: the service runs it
    if teach_on_hub(args, config, "release", {"to": list(args.to or [])}):
        return ExitStatus.CLEAN
    from parcours.cli._course import course_language, open_course
    from parcours.course.zones import shown, zone_of
    from parcours.i18n import ngettext
    from parcours.pipeline.release import release

    course = open_course(config, args.course)
    result = release(config, course, args.assignment, to=args.to)
    lang = course_language(args, config, course)
    if result.learners is None:
        who = _("everyone")
    else:
        count = len(result.learners)
        who = ngettext("{n} learner: {names}", "{n} learners: {names}", count).format(
            n=count, names=", ".join(result.learners)
        )
    # the dates in the zone the teacher wrote them in (the assignment's, else the course's)
    zone = zone_of(course, course.assignment(result.assignment))
    opens, due = shown(result.opens, zone, lang), shown(result.due, zone, lang)
    print(
        _("'{assignment}' released to {who}; opens {opens}, due {due}.").format(
            assignment=result.assignment, who=who, opens=opens, due=due
        )
    )
    return ExitStatus.CLEAN
