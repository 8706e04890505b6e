"""Certificates of completion (certificat de réalisation) as PDF, in the course's language:
learner and employer, course title and nature, dates, duration completed against the
estimated duration, training body (ParcoursConfig.organisation_*), signature block.
Written to <data_dir>/certificates/<course>/<learner>.pdf."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours.cli._course import add_course_arguments
from parcours.errors import ExitStatus
from parcours.i18n import _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument("learner", nargs="?", help=_("learner id (default: every learner)"))
    parser.add_argument("--now", help=_("date the certificate as of this ISO moment"))


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    from parcours.cli._course import open_course
    from parcours.compliance.certificate import write_certificate
    from parcours.compliance.common import parse_moment
    from parcours.pipeline.roster import load_roster

    course = open_course(config, args.course)
    now = parse_moment(args.now, "now") if args.now else None
    learners = [args.learner] if args.learner else list(load_roster(config, course).learners)
    for learner in learners:
        print(write_certificate(config, course, learner, lang=args.lang, now=now))
    return ExitStatus.CLEAN
