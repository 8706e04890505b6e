"""The LMS (LTI 1.3) side of a course: scores passed back, roster synchronised.

  parcours lti COURSE sync-grades [--assignment A ...]   queue the gradebook's scores, send them
  parcours lti COURSE status [--json]                    the score outbox: sent, waiting, conflicts
  parcours lti COURSE sync-roster                        the roster from the LMS's members
  parcours lti COURSE sync                               both: the nightly run (cron, systemd)
  parcours lti COURSE register-url [--hub-url URL]       a one-use URL to register in the LMS

Scores wait in a durable outbox until the LMS has them; a score an instructor changed in
the LMS is reported, never overwritten (docs/lti.md)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours.cli._course import add_course_arguments
from parcours.i18n import _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig

ACTIONS = ("sync-grades", "status", "sync-roster", "sync", "register-url")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument("action", choices=ACTIONS, help=_("what to do"))
    parser.add_argument(
        "--assignment",
        action="append",
        default=[],
        dest="assignments",
        help=_("sync-grades: only this assignment (repeat for several)"),
    )
    parser.add_argument("--json", action="store_true", help=_("status: print JSON"))
    parser.add_argument(
        "--hub-url",
        default="",
        help=_("register-url: the hub's public address (default: this machine's hub)"),
    )


def run(args: argparse.Namespace, config: ParcoursConfig) -> int:
    import json

    from parcours.cli._course import open_course
    from parcours.errors import ExitStatus
    from parcours.safetext import printable

    course = open_course(config, args.course).id  # an unknown course: its own error
    if args.action == "status":
        from parcours.lti.ags import outbox_status

        rows = outbox_status(config, course)
        problems = [r for r in rows if r["status"] in ("conflict", "failed")]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=1))
            return ExitStatus.PROBLEMS if problems else ExitStatus.CLEAN
        for row in rows:
            print(
                f"{row['status']:<10} {printable(row['assignment'])} {printable(row['account'])} "
                f"{row['score']:g}/{row['maximum']:g} {row['progress']} "
                f"{printable(row['last_error'])}"
            )
        return ExitStatus.PROBLEMS if problems else ExitStatus.CLEAN
    if args.action == "register-url":
        from urllib.parse import urlencode

        from parcours.lti.registration import TICKET_LIFETIME, new_ticket

        hub = (args.hub_url or f"http://{config.ip}:{config.hub_port}").rstrip("/")
        ticket = new_ticket(config, course)
        print(f"{hub}/hub/lti/register?{urlencode({'ticket': ticket})}")
        print(
            _(
                "Paste it in the LMS's tool registration within {minutes} minutes; it works once."
            ).format(minutes=TICKET_LIFETIME // 60)
        )
        return ExitStatus.CLEAN
    if args.action in ("sync-roster", "sync"):
        _sync_roster(config, course)
    if args.action == "sync-roster":
        return ExitStatus.CLEAN
    return _sync_grades(config, course, args.assignments or None)


def _sync_roster(config: ParcoursConfig, course: str) -> None:
    """The roster from the LMS's members, then the hub's accounts (those who left the
    LMS course lose their hub access)."""
    from parcours.hub.server import sync_everything
    from parcours.lti.nrps import sync_roster

    change = sync_roster(config, course)
    print(
        _(
            "Roster of '{course}' from the LMS: {arrived} arrived, {departed} left, "
            "{roles} changed role."
        ).format(
            course=course,
            arrived=len(change.arrived),
            departed=len(change.departed),
            roles=len(change.role_changes),
        )
    )
    hub = sync_everything(config)  # the hub's accounts follow, as `parcours roster`
    if hub:
        print(hub)


def _sync_grades(config: ParcoursConfig, course: str, assignments: list[str] | None) -> int:
    """The gradebook's scores queued and the outbox sent; exit 3 on a conflict or a
    failure."""
    from parcours.errors import ExitStatus
    from parcours.lti.ags import sync_grades
    from parcours.lti.gradebook import queue_from_gradebook
    from parcours.safetext import printable

    queued = queue_from_gradebook(config, course, assignments)
    report = sync_grades(config, course)
    print(
        _(
            "Scores of '{course}': {queued} queued, {sent} sent, {retrying} to retry, "
            "{conflicts} changed in the LMS (not overwritten), {failed} failed, "
            "{unlinked} of learners never launched from the LMS."
        ).format(
            course=course,
            queued=queued,
            sent=len(report.sent),
            retrying=len(report.retrying),
            conflicts=len(report.conflicts),
            failed=len(report.failed),
            unlinked=len(report.unlinked),
        )
    )
    for account, assignment in report.conflicts + report.failed:
        print(f"  {printable(account)} {printable(assignment)}")
    return ExitStatus.PROBLEMS if report.conflicts or report.failed else ExitStatus.CLEAN
