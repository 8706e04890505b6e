"""Fetch a released assignment (or its correction, ASSIGNMENT-correction, or with
--feedback the feedback on your submission) into DIR/<course>/<assignment>. Fetching again
only restores missing files: your work is never overwritten."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours_grading.cli._course import add_course_arguments
from parcours_grading.errors import ExitStatus

if TYPE_CHECKING:
    from parcours_grading.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser, "assignment id (or <id>-correction)")
    parser.add_argument("--learner", help="your learner id (default: your user name)")
    parser.add_argument("--into", metavar="DIR", help="folder to fetch into (default: here)")
    parser.add_argument(
        "--feedback", action="store_true", help="fetch the feedback on your submission instead"
    )


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:

    from pathlib import Path

    from parcours_grading.cli._course import hub_client, open_course, say
    from parcours_grading.pipeline.exchange import fetch, fetch_feedback

    into = Path(args.into) if args.into else None
    client = hub_client(args, config)
    if client is not None:  # on the hub: through the Parcours service, as yourself
        if args.feedback:
            for page in client.feedback(args.course, args.assignment, into or Path.cwd()):
                print(page)
            return ExitStatus.CLEAN
        folder, written = client.fetch(args.course, args.assignment, into or Path.cwd())
        print(
            say(
                config,
                f"Récupéré dans {folder} ({len(written)} fichier(s) ajouté(s))",
                f"Fetched into {folder} ({len(written)} file(s) added)",
            )
        )
        return ExitStatus.CLEAN
    course = open_course(config, args.course)
    if args.feedback:
        pages = fetch_feedback(config, course, args.assignment, learner=args.learner, into=into)
        if not pages:
            print(
                say(
                    config,
                    "Pas encore de retour sur ce devoir.",
                    "No feedback on this assignment yet.",
                )
            )
        for page in pages:
            print(page)
        return ExitStatus.CLEAN
    folder = fetch(config, course, args.assignment, learner=args.learner, into=into)
    print(say(config, f"Récupéré dans {folder}", f"Fetched into {folder}"))
    return ExitStatus.CLEAN
