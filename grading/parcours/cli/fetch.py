"""Fetch a released assignment (or its correction, ASSIGNMENT-correction, or with
--feedback the feedback on your submission) into DIR/<course>/<assignment>. Fetching again
only restores missing files: your work is never overwritten."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours.cli._course import add_course_arguments
from parcours.errors import ExitStatus
from parcours.i18n import N_, _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser, N_("assignment id (or <id>-correction)"))
    parser.add_argument("--learner", help=_("your learner id (default: your user name)"))
    parser.add_argument("--into", metavar="DIR", help=_("folder to fetch into (default: here)"))
    parser.add_argument(
        "--feedback", action="store_true", help=_("fetch the feedback on your submission instead")
    )


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:

    from pathlib import Path

    from parcours.cli._course import course_language, hub_client, open_course
    from parcours.i18n import ngettext
    from parcours.pipeline.exchange import fetch, fetch_feedback

    into = Path(args.into) if args.into else None
    client = hub_client(args, config)
    if client is not None:  # on the hub: through the Parcours service, as yourself
        if args.feedback:
            found = client.feedback(args.course, args.assignment, into or Path.cwd())
            if not found:
                print(_("No feedback on this assignment yet."))
            for page in found:
                print(page)
            return ExitStatus.CLEAN
        folder, written = client.fetch(args.course, args.assignment, into or Path.cwd())
        print(
            ngettext(
                "Fetched into {folder} ({n} file added)",
                "Fetched into {folder} ({n} files added)",
                len(written),
            ).format(folder=folder, n=len(written))
        )
        return ExitStatus.CLEAN
    course = open_course(config, args.course)
    course_language(args, config, course)
    if args.feedback:
        pages = fetch_feedback(config, course, args.assignment, learner=args.learner, into=into)
        if not pages:
            print(_("No feedback on this assignment yet."))
        for page in pages:
            print(page)
        return ExitStatus.CLEAN
    folder = fetch(config, course, args.assignment, learner=args.learner, into=into)
    print(_("Fetched into {folder}").format(folder=folder))
    return ExitStatus.CLEAN
