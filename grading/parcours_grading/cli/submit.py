"""Submit your work on an assignment (the folder DIR/<course>/<assignment>) to the
teacher through nbgrader's exchange. You may submit again; the latest counts.

A folder over the size limit (100 MB) is sent without its largest files (listed, exit
status 3): keep large data out of the assignment folder."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours_grading.cli._course import add_course_arguments
from parcours_grading.errors import ExitStatus

if TYPE_CHECKING:
    from parcours_grading.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser, "assignment id")
    parser.add_argument("--learner", help="your learner id (default: your user name)")
    parser.add_argument(
        "--into", metavar="DIR", help="folder the assignment was fetched into (default: here)"
    )


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:

    from pathlib import Path

    from parcours_grading.cli._course import hub_client, open_course, say
    from parcours_grading.pipeline.exchange import submit

    client = hub_client(args, config)
    if client is not None:  # on the hub: through the Parcours service, as yourself
        receipt = client.submit(
            args.course, args.assignment, Path(args.into) if args.into else Path.cwd()
        )
        print(
            say(
                config,
                f"Rendu reçu le {receipt['received']} ({receipt['files']} fichiers)",
                f"Submission received at {receipt['received']} ({receipt['files']} files)",
            )
        )
        if receipt.get("left_out"):
            print("  " + receipt["left_out"])
            return ExitStatus.PROBLEMS
        return ExitStatus.CLEAN
    course = open_course(config, args.course)
    sent = submit(
        config,
        course,
        args.assignment,
        learner=args.learner,
        into=Path(args.into) if args.into else None,
    )
    print(say(config, f"Rendu envoyé : {sent.folder}", f"Submitted: {sent.folder}"))
    if sent.weighed is not None and sent.weighed.left_out:
        print("  " + sent.weighed.describe(config.language))
        return ExitStatus.PROBLEMS
    return ExitStatus.CLEAN
