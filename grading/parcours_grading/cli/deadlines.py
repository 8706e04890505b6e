"""Your assignments: when they open, when they are due, your extension if any, where you
stand, and whether the correction is available."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours_grading.cli._course import add_course_arguments
from parcours_grading.errors import ExitStatus
from parcours_grading.i18n import _

if TYPE_CHECKING:
    from parcours_grading.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument("--learner", help=_("learner id (default: your user name)"))
    parser.add_argument("--json", action="store_true", help=_("print as JSON"))


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:

    from parcours_grading.cli._course import course_language, hub_client, open_course
    from parcours_grading.pipeline.deadlines import format_deadlines, learner_deadlines
    from parcours_grading.pipeline.records import learner_id

    client = hub_client(args, config)
    if client is not None:  # on the hub: yours, from the Parcours service
        import json

        print(json.dumps(client.deadlines(args.course), ensure_ascii=False, indent=2))
        return ExitStatus.CLEAN

    course = open_course(config, args.course)
    learner = learner_id(config, args.learner)
    if args.learner:
        from parcours_grading.errors import BadInputError
        from parcours_grading.pipeline.roster import load_roster

        roster = load_roster(config, course)
        if roster.learners and learner not in roster.learners:
            raise BadInputError(
                _(
                    "--learner {learner}: not in the roster {file}; check the spelling "
                    "(the roster's id column)."
                ).format(learner=learner, file=roster.path)
            )
    rows = learner_deadlines(config, course, learner)
    lang = course_language(args, config, course)
    if args.json:
        import json

        print(json.dumps([row.as_json() for row in rows], ensure_ascii=False, indent=2))
    else:
        from parcours_grading.course.zones import local_zone

        print(format_deadlines(rows, lang, local_zone()))
    return ExitStatus.CLEAN
