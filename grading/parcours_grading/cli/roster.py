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

from parcours_grading.cli._course import add_course_arguments

if TYPE_CHECKING:
    from parcours_grading.config import ParcoursConfig

ACTIONS = ("list", "import", "add", "remove")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument("action", choices=ACTIONS, help="what to do")
    parser.add_argument(
        "target", nargs="?", default="", help="import: the CSV file; add, remove: the learner id"
    )
    parser.add_argument("--first-name", default="", help="add: first name")
    parser.add_argument("--last-name", default="", help="add: last name")
    parser.add_argument("--email", default="", help="add: e-mail address")
    parser.add_argument("--groups", default="", help="add: groups, separated by ';'")
    parser.add_argument(
        "--new-group",
        action="append",
        default=[],
        metavar="GROUP",
        dest="new_groups",
        help="a group the roster does not have yet (repeat for several)",
    )
    parser.add_argument("--json", action="store_true", help="list: print JSON")


def run(args: argparse.Namespace, config: ParcoursConfig) -> int:
    import json
    from pathlib import Path

    from parcours_grading.cli._course import course_language, open_course
    from parcours_grading.errors import BadInputError
    from parcours_grading.pipeline import roster as api

    course = open_course(config, args.course)
    lang = course_language(args, config, course)

    def say(fr: str, en: str) -> str:
        return fr if lang == "fr" else en

    if args.action != "list" and not args.target:
        what = (
            say("le fichier CSV", "the CSV file")
            if args.action == "import"
            else say("l'identifiant de l'apprenant", "the learner id")
        )
        raise BadInputError(
            say(f"roster {args.action} : donnez {what}.", f"roster {args.action}: give {what}.")
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
            print(say(f"{len(learners)} apprenant(s).", f"{len(learners)} learner(s)."))
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
        say(
            f"Liste de la classe de « {course.id} » : {len(change.added)} ajouté(s), "
            f"{len(change.removed)} retiré(s), {len(change.changed)} modifié(s).",
            f"Roster of '{course.id}': {len(change.added)} added, {len(change.removed)} "
            f"removed, {len(change.changed)} changed.",
        )
    )
    # on a hub machine (as root), the hub's accounts and groups follow the roster
    from parcours_grading.hub.accounts import sync_everything

    hub = sync_everything(config)
    if hub:
        print(hub)
    return 0
