"""Evidence packs (Qualiopi indicator 11, funders): for one learner, or every learner of the
roster, their activity log (sessions, lessons opened and completed, time on task),
progress per module, results per objective and skill, feedback with its dates and delays,
reflections, satisfaction, tutors' follow-ups and reminders sent, in a zip (JSON, CSV and
a readable PDF) under <data_dir>/evidence/<course>/. Each archive's SHA-256 is recorded
in <data_dir>/evidence/hashes.jsonl; --verify FILE checks an archive against it (exit 3
when it was changed)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours.errors import ExitStatus
from parcours.i18n import _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("course", nargs="?", help=_("course id (under courses/) or course folder"))
    parser.add_argument("learner", nargs="?", help=_("learner id (default: every learner)"))
    parser.add_argument("--verify", metavar="FILE", help=_("check an archive against its hash"))
    parser.add_argument("--now", help=_("date the pack as of this ISO moment (tests, replays)"))


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    from pathlib import Path

    from parcours.errors import BadInputError

    if args.verify:
        from parcours.compliance.pack import verify

        problem = verify(config, Path(args.verify))
        if problem:
            print(problem)
            return ExitStatus.PROBLEMS
        print(_("{file}: unchanged since it was made").format(file=args.verify))
        return ExitStatus.CLEAN
    if not args.course:
        raise BadInputError(_("name a course, or give --verify FILE")).about("course")
    from parcours.cli._course import open_course
    from parcours.compliance.common import parse_moment
    from parcours.compliance.pack import write_class, write_pack

    course = open_course(config, args.course)
    now = parse_moment(args.now, "now") if args.now else None
    if args.learner:
        packs = [write_pack(config, course, args.learner, lang=args.lang, now=now)]
    else:
        packs = write_class(config, course, lang=args.lang, now=now)
    for pack in packs:
        print(f"{pack.archive}  sha256:{pack.sha256}")
    return ExitStatus.CLEAN
