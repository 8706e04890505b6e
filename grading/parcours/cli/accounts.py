"""The hub's accounts, from the courses' rosters (learners), the manifests' `teachers` and
c.ParcoursConfig.coordinators.

  parcours accounts sync            create missing Unix accounts (first passwords written
                                    to <data_dir>/hub/passwords.csv, root only), retire
                                    removed people, and, when the hub runs, update its
                                    users and groups (removed people's tokens stop working)
  parcours accounts list            who is who: account, role, courses
  parcours accounts password NAME   give NAME a new password (printed once)

Needs root (sync, password): JupyterHub runs each person's JupyterLab as their own account.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours.errors import ExitStatus
from parcours.i18n import _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["sync", "list", "password"], help=_("what to do"))
    parser.add_argument("name", nargs="?", help=_("the account (for password)"))
    parser.add_argument(
        "--port", type=int, help=_("the running hub's port (default: c.ParcoursConfig.hub_port)")
    )


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    from parcours.errors import BadInputError
    from parcours.hub import accounts
    from parcours.hub.people import read_people

    people = read_people(config)
    if args.action == "list":
        print("account,role,learns,teaches")
        for name, person in sorted(people.by_name.items()):
            print(
                f"{name},{person.role},{';'.join(sorted(person.learns))},"
                f"{';'.join(sorted(person.teaches))}"
            )
        return ExitStatus.CLEAN
    if args.action == "password":
        if not args.name or args.name not in people.by_name:
            raise BadInputError(
                _("password: '{name}' is not an account of Parcours; see {command}.").format(
                    name=args.name or "", command="`parcours accounts list`"
                )
            )
        accounts.require_root("`parcours accounts password`")
        password = accounts.new_password()
        accounts.set_password(args.name, password)
        print(f"{args.name}: {password}")
        return ExitStatus.CLEAN
    from parcours.hub.server import sync_everything

    print(sync_everything(config, port=args.port or 0, required=True))
    return ExitStatus.CLEAN
