"""Submit your work on an assignment (the folder DIR/<course>/<assignment>) to the
teacher through nbgrader's exchange. You may submit again; the latest counts.

A folder over the size limit (100 MB) is sent without its largest files (listed, exit
status 3): keep large data out of the assignment folder."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours.cli._course import add_course_arguments
from parcours.errors import ExitStatus
from parcours.i18n import N_, _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser, N_("assignment id"))
    parser.add_argument("--learner", help=_("your learner id (default: your user name)"))
    parser.add_argument(
        "--into", metavar="DIR", help=_("folder the assignment was fetched into (default: here)")
    )


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:

    from pathlib import Path

    from parcours.cli._course import course_language, hub_client, open_course
    from parcours.i18n import get_language
    from parcours.pipeline.receipts import receipt_lines, submitted_receipt

    client = hub_client(args, config)
    if client is not None:  # on the hub: through the Parcours service, as yourself
        answer = client.submit(
            args.course, args.assignment, Path(args.into) if args.into else Path.cwd()
        )
        print("\n".join(receipt_lines(answer)))  # worded by the service, in the course's
        return ExitStatus.PROBLEMS if answer.get("left_out") else ExitStatus.CLEAN
    from parcours.pipeline.exchange import submit
    from parcours.pipeline.records import learner_id

    course = open_course(config, args.course)
    lang = course_language(args, config, course)
    sent = submit(
        config,
        course,
        args.assignment,
        learner=args.learner,
        into=Path(args.into) if args.into else None,
    )
    left_out = (
        sent.weighed.describe(get_language()) if sent.weighed and sent.weighed.left_out else ""
    )
    learner = learner_id(config, args.learner)
    said = submitted_receipt(config, course, args.assignment, learner, left_out, lang)
    print("\n".join(receipt_lines(said)))
    print(_("Submitted: {folder}").format(folder=sent.folder))
    return ExitStatus.PROBLEMS if left_out else ExitStatus.CLEAN
