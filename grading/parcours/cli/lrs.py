"""Learners' recorded events sent to a learning record store as xAPI 1.0.3 statements.

  parcours lrs sync [--course C] [--batch N] send the events not yet sent (safe from cron)
  parcours lrs status [--course C] [--json] sent, waiting, the last error

The LRS is c.ParcoursConfig.lrs_url (with lrs_user and lrs_password). Learners appear
under their pseudonym only. What was sent is kept: a run that stops resumes, and the
LRS never gets a statement twice (docs/lti.md, "xAPI")."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours.i18n import _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig
    from parcours.errors import ExitStatus

ACTIONS = ("sync", "status")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=ACTIONS, help=_("what to do"))
    parser.add_argument("--course", help=_("only this course's events (default: every course)"))
    parser.add_argument("--json", action="store_true", help=_("status: print JSON"))
    parser.add_argument(
        "--batch", type=int, default=500, help=_("sync: statements per request (default 500)")
    )


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    from parcours.errors import ExitStatus
    from parcours.safetext import printable

    course = None
    if args.course:
        from parcours.cli._course import open_course

        course = open_course(config, args.course).id  # an unknown course: its own error
    if args.action == "status":
        import json

        from parcours.lti.lrs import lrs_status

        status = lrs_status(config, course)
        if args.json:
            print(json.dumps(status, ensure_ascii=False, indent=1))
        else:
            print(
                _(
                    "LRS {lrs}: {stored} statements stored, {known} already there, "
                    "{conflicts} in conflict, {waiting} waiting."
                ).format(
                    **{k: status[k] for k in ("lrs", "stored", "known", "conflicts", "waiting")}
                )
            )
            if status["last_error"]:
                print(
                    _("  last error ({when}): {error}").format(
                        when=status["last_try"], error=printable(status["last_error"])
                    )
                )
        return ExitStatus.PROBLEMS if status["last_error"] else ExitStatus.CLEAN
    from parcours.lti.lrs import sync_statements

    if args.batch < 1:
        from parcours.errors import BadInputError

        raise BadInputError(_("--batch must be at least 1."))
    report = sync_statements(config, course, batch=args.batch)
    print(
        _(
            "xAPI statements: {stored} stored, {known} already in the LRS, {conflicts} in "
            "conflict (not sent again), {waiting} waiting, {retries} retries."
        ).format(
            stored=report.stored,
            known=report.known,
            conflicts=report.conflicts,
            waiting=report.waiting,
            retries=report.retries,
        )
    )
    if report.error:
        print(_("  stopped: {error} (the next run goes on)").format(error=printable(report.error)))
        return ExitStatus.PROBLEMS
    return ExitStatus.CLEAN
