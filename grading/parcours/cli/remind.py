"""Send the e-mail reminders due now (deadlines 3 and 1 days before each learner's own due
date, inactivity nudges, satisfaction survey relances), never the same twice; safe to run
from cron. SMTP settings and quiet hours come from jupyter_config.py (ParcoursConfig.smtp_*,
quiet_hours). --opt-out/--opt-in LEARNER records a learner's choice. Exit 3 when a message
could not be sent (each listed)."""

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
    parser.add_argument("--now", help=_("act as of this ISO moment (tests, replays)"))
    parser.add_argument("--dry-run", action="store_true", help=_("list what is due, send nothing"))
    parser.add_argument("--opt-out", metavar="LEARNER", help=_("this learner wants no reminders"))
    parser.add_argument("--opt-in", metavar="LEARNER", help=_("this learner wants them again"))


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    from parcours.cli._course import open_course
    from parcours.compliance import remind
    from parcours.compliance.common import now_utc, parse_moment
    from parcours.safetext import printable

    def shown(text: object) -> str:  # learners' ids and reasons: shown, never obeyed
        return printable(text, keep_lines=False)

    course = open_course(config, args.course)
    if args.opt_out or args.opt_in:
        remind.set_opt_out(config, course, args.opt_out or args.opt_in, bool(args.opt_out))
        return ExitStatus.CLEAN
    now = parse_moment(args.now, "now") if args.now else now_utc()
    if args.dry_run:
        for r in remind.due_reminders(config, course, now):
            print(f"{shown(r.learner)}\t{r.kind}\t{r.key}")
        return ExitStatus.CLEAN
    report = remind.send_reminders(config, course, now)
    for r in report.sent:
        print(_("sent") + f"\t{shown(r.learner)}\t{r.kind}\t{shown(r.about)}")
    for learner, reason in report.held:
        print(_("held") + f"\t{shown(learner)}\t{shown(reason)}")
    for learner, reason in report.failed:
        print(_("failed") + f"\t{shown(learner)}\t{shown(reason)}")
    return ExitStatus.PROBLEMS if report.failed else ExitStatus.CLEAN
