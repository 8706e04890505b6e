"""The class roster of a course (<data_dir>/courses/<id>/roster.csv: id, first_name,
last_name, email, groups separated by ';').

  parcours roster COURSE list [--json]
  parcours roster COURSE import FILE.csv [--new-group G ...]   replace the roster by FILE
  parcours roster COURSE add ID [--first-name ..] [--last-name ..] [--email ..]
                                [--groups 'g1;g2'] [--new-group G ...]
  parcours roster COURSE remove ID

Every row is checked before anything is written (ids, duplicates, e-mails, groups: a group
the roster does not know yet needs --new-group, so that a typo does not make a new group).
Each change is appended to roster.history.jsonl next to the roster."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours.cli._course import add_course_arguments
from parcours.i18n import _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig

ACTIONS = ("list", "import", "add", "remove")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument("action", choices=ACTIONS, help=_("what to do"))
    parser.add_argument(
        "target", nargs="?", default="", help=_("import: the CSV file; add, remove: the learner id")
    )
    parser.add_argument("--first-name", default="", help=_("add: first name"))
    parser.add_argument("--last-name", default="", help=_("add: last name"))
    parser.add_argument("--email", default="", help=_("add: e-mail address"))
    parser.add_argument("--groups", default="", help=_("add: groups, separated by ';'"))
    parser.add_argument(
        "--new-group",
        action="append",
        default=[],
        metavar="GROUP",
        dest="new_groups",
        help=_("a group the roster does not have yet (repeat for several)"),
    )
    parser.add_argument("--json", action="store_true", help=_("list: print JSON"))


def run(args: argparse.Namespace, config: ParcoursConfig) -> int:
    import json
    from pathlib import Path

    from parcours.cli._course import course_language, open_course
    from parcours.errors import BadInputError
    from parcours.i18n import ngettext
    from parcours.pipeline import roster as api

    if args.action == "list" and config.service_url:  # on the hub: the service's roster
        from parcours.hub.client import ServiceClient

        client = ServiceClient.from_environment(config.service_url)
        listed = client.roster(args.course)
        if args.json:
            print(json.dumps(listed, ensure_ascii=False, indent=1))
            return 0
        for entry in listed:
            name = f"{entry['first_name']} {entry['last_name']}".strip()
            print(f"{entry['id']}\t{name}\t{entry['email']}\t{';'.join(entry['groups'])}")
        print(ngettext("{n} learner.", "{n} learners.", len(listed)).format(n=len(listed)))
        return 0
    course = open_course(config, args.course)
    course_language(args, config, course)
    if args.action != "list" and not args.target:
        raise BadInputError(
            _("roster import: give the CSV file.")
            if args.action == "import"
            else _("roster {action}: give the learner id.").format(action=args.action)
        )
    if args.action == "list":
        learners = api.read_roster(config, course)
        if args.json:
            print(
                json.dumps(
                    [{**api.asdict(x), "groups": list(x.groups)} for x in learners],
                    ensure_ascii=False,
                    indent=1,
                )
            )
        else:
            for x in learners:
                name = f"{x.first_name} {x.last_name}".strip()
                print(f"{x.id}\t{name}\t{x.email}\t{';'.join(x.groups)}")
            print(ngettext("{n} learner.", "{n} learners.", len(learners)).format(n=len(learners)))
        return 0
    if args.action == "import":
        change = api.import_roster(config, course, Path(args.target), new_groups=args.new_groups)
    elif args.action == "add":
        learner = api.Learner(
            id=args.target,
            first_name=args.first_name,
            last_name=args.last_name,
            email=args.email,
            groups=tuple(g.strip() for g in args.groups.split(";") if g.strip()),
        )
        change = api.add_learner(config, course, learner, new_groups=args.new_groups)
    else:
        change = api.remove_learner(config, course, args.target)
    print(
        _("Roster of '{course}': {added} added, {removed} removed, {changed} changed.").format(
            course=course.id,
            added=len(change.added),
            removed=len(change.removed),
            changed=len(change.changed),
        )
    )
    # on a hub machine (as root), the hub's accounts and groups follow the roster
    from parcours.hub.server import sync_everything

    hub = sync_everything(config)
    if hub:
        print(hub)
    return 0
