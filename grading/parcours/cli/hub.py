"""Serve Parcours on a real JupyterHub, on c.ParcoursConfig.ip (127.0.0.1) and
c.ParcoursConfig.hub_port (8000): each person logs in at the hub's page with their own
account and gets a JupyterLab of their own (as their own Unix account, their courses'
lessons copied into their home), the Voila dashboards their role allows, and, for
teachers, their course's formgrader in its own tab.

As root, it first syncs the accounts from the rosters, the manifests' `teachers` and
c.ParcoursConfig.coordinators (as `parcours accounts sync`; first passwords in
<data_dir>/hub/passwords.csv). The hub's state (its database, cookie secret, log) lives in
<data_dir>/hub. Ctrl-C or SIGTERM stops the hub, its proxy, its services and every
person's JupyterLab. See docs/deployment.md.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours.errors import ExitStatus
from parcours.i18n import _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, help=_("port (default: c.ParcoursConfig.hub_port)"))
    parser.add_argument("--no-sync", action="store_true", help=_("do not sync the accounts first"))


def _interrupt(*_args: object) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    import signal

    from parcours.cli._course import tcp_port
    from parcours.hub.accounts import require_root, sync_accounts
    from parcours.hub.server import HubServer

    port = tcp_port(args.port if args.port is not None else config.hub_port)
    if config.hub_spawner.endswith("LocalProcessSpawner"):
        require_root("`parcours hub` with LocalProcessSpawner")
    if not args.no_sync:
        report = sync_accounts(config)
        print(
            _("accounts: {created} created, {removed} removed (first passwords: {file})").format(
                created=len(report.created),
                removed=len(report.removed),
                file=config.hub_dir / "passwords.csv",
            )
        )
    hub = HubServer(config, port=port)
    signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM stops it all, as Ctrl-C does
    hub.start()
    try:
        print(
            _("Parcours on JupyterHub: {url}  (log: {file}; Ctrl-C stops it)").format(
                url=hub.url, file=hub.log_path
            )
        )
        hub.wait()
    except KeyboardInterrupt:
        print(_("stopping the hub…"))
    finally:
        hub.stop()
    return ExitStatus.CLEAN
