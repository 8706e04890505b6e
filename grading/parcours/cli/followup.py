"""Tutors' follow-ups of learners (Qualiopi indicator 12): record one ('add'), mark one
done ('done'), or list them ('list'); stored in <data_dir>/courses/<course>/followups.jsonl
and shown in the evidence pack and the coordinator dashboard."""

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
    parser.add_argument("action", choices=["add", "done", "list"], help=_("what to do"))
    parser.add_argument(
        "target", nargs="?", help=_("learner id (add, list) or follow-up id (done)")
    )
    parser.add_argument("--how", default="email", help=_("email, phone, message or meeting"))
    parser.add_argument("--when", help=_("when the learner was contacted (ISO; default: now)"))
    parser.add_argument("--outcome", default="", help=_("what came of it"))
    parser.add_argument("--by", default="", help=_("who followed up (default: your account)"))
    parser.add_argument("--status", choices=["open", "done"], help=_("status (add, list)"))


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    import json

    from parcours.cli._course import open_course
    from parcours.compliance import followups
    from parcours.compliance.common import parse_moment
    from parcours.errors import BadInputError
    from parcours.pipeline.records import actor

    course = open_course(config, args.course)
    if args.action == "add":
        if not args.target:
            raise BadInputError(_("name the learner followed up")).about("target")
        done = followups.record_followup(
            config,
            course,
            args.target,
            how=args.how,
            outcome=args.outcome,
            by=args.by or actor(),
            contacted_at=parse_moment(args.when, "when") if args.when else None,
            status=args.status or "open",
        )
        print(done.id)
    elif args.action == "done":
        if not args.target:
            raise BadInputError(_("give the follow-up's id")).about("target")
        followups.close_followup(config, course, args.target, args.outcome)
    else:
        found = followups.list_followups(config, course, args.target, args.status)
        print(json.dumps([f.as_json() for f in found], ensure_ascii=False, indent=2))
    return ExitStatus.CLEAN
