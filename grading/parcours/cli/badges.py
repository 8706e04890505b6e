"""Open Badges 3.0 credentials of a course's badges (declared in courses/<id>/badges.toml).

  parcours badges issue COURSE [--badge B] [--learner L]   issue the badges earned
  parcours badges revoke CREDENTIAL --reason TEXT           revoke one credential
  parcours badges list [--course C] [--json]                the credentials issued
  parcours badges verify IMAGE.png                          check a baked badge image

Each credential is a signed W3C Verifiable Credential (OpenBadgeCredential, VC-JWT);
its public page on the hub says whether it is valid or revoked (docs/badges.md)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours.i18n import _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig
    from parcours.errors import ExitStatus

ACTIONS = ("issue", "revoke", "list", "verify")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=ACTIONS, help=_("what to do"))
    parser.add_argument(
        "target",
        nargs="?",
        help=_("issue: the course; revoke: the credential's id; verify: the PNG image"),
    )
    parser.add_argument("--badge", help=_("issue: only this badge (default: every badge)"))
    parser.add_argument("--learner", help=_("issue: only this learner (default: the roster)"))
    parser.add_argument("--reason", default="", help=_("revoke: why (shown on its page)"))
    parser.add_argument("--course", help=_("list: only this course's credentials"))
    parser.add_argument("--json", action="store_true", help=_("list: print JSON"))


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    from parcours.badges.registry import award, issued, revoke
    from parcours.badges.signing import base_url
    from parcours.errors import BadInputError, ExitStatus
    from parcours.safetext import printable

    if args.action == "list":
        import json
        from dataclasses import asdict

        found = issued(config, args.course)
        if args.json:
            rows = [{k: v for k, v in asdict(i).items() if k != "token"} for i in found]
            print(json.dumps(rows, ensure_ascii=False, indent=1))
            return ExitStatus.CLEAN
        for item in found:
            state = _("revoked {when}").format(when=item.revoked_at) if item.revoked else ""
            print(
                f"{item.id}  {printable(item.course)}  {printable(item.badge)}  "
                f"{printable(item.learner)}  {item.issued_at}  {state}".rstrip()
            )
        print(_("{count} credentials.").format(count=len(found)))
        return ExitStatus.CLEAN
    if not args.target:
        raise BadInputError(
            _("Name the course (issue) or the credential (revoke): parcours badges --help.")
        )
    if args.action == "verify":
        return _verify_image(config, args.target)
    if args.action == "revoke":
        if not args.reason.strip():
            raise BadInputError(_("Say why with --reason: its page shows it."))
        done = revoke(config, args.target, args.reason)
        print(
            _("Credential {id} revoked ({when}); its page: {url}").format(
                id=done.id, when=done.revoked_at, url=f"{base_url(config)}/{done.id}"
            )
        )
        return ExitStatus.CLEAN
    from parcours.cli._course import course_language, open_course

    course = open_course(config, args.target)
    course_language(args, config, course)
    made = award(config, course, args.badge, args.learner)
    for item in made:
        print(
            _("{badge} issued to {learner}: {url}").format(
                badge=printable(item.badge),
                learner=printable(item.learner),
                url=f"{base_url(config)}/{item.id}",
            )
        )
    print(_("{count} badges issued.").format(count=len(made)))
    return ExitStatus.CLEAN


def _verify_image(config: ParcoursConfig, target: str) -> ExitStatus:
    """Say what a baked image proves: CLEAN when valid, PROBLEMS when revoked or altered."""
    from pathlib import Path

    from parcours.badges.bake import check_baked
    from parcours.badges.page import status_text
    from parcours.badges.signing import base_url
    from parcours.errors import BadInputError, ExitStatus
    from parcours.i18n import get_language
    from parcours.safetext import printable

    try:
        image = Path(target).read_bytes()
    except OSError as error:
        raise BadInputError(
            _("Cannot read the image {path}: {reason}.").format(path=target, reason=error.strerror)
        ) from None
    check = check_baked(config, image)
    held = check.issued
    print(status_text(check.status, get_language()))
    print(
        _("{badge} of {course}, issued to {learner} on {when}: {url}").format(
            badge=printable(held.badge),
            course=printable(held.course),
            learner=printable(held.name),
            when=held.issued_at,
            url=f"{base_url(config)}/{held.id}",
        )
    )
    if check.problem or held.reason:
        print(printable(check.problem or held.reason))
    return ExitStatus.CLEAN if check.status == "valid" else ExitStatus.PROBLEMS
