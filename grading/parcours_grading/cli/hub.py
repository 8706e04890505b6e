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

from parcours_grading.errors import ExitStatus

if TYPE_CHECKING:
    from parcours_grading.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, help="port (default: c.ParcoursConfig.hub_port)")
    parser.add_argument("--no-sync", action="store_true", help="do not sync the accounts first")


def _interrupt(*_args: object) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    import signal

    from parcours_grading.errors import BadInputError
    from parcours_grading.hub.accounts import require_root, sync_accounts
    from parcours_grading.hub.server import HubServer

    port = args.port if args.port is not None else config.hub_port
    if not 0 < port < 65536:
        raise BadInputError(f"--port {port}: not a TCP port; use a number from 1 to 65535.")
    if config.hub_spawner.endswith("LocalProcessSpawner"):
        require_root("`parcours hub` with LocalProcessSpawner")
    if not args.no_sync:
        report = sync_accounts(config)
        print(
            f"accounts: {len(report.created)} created, {len(report.removed)} removed "
            f"(first passwords: {config.hub_dir / 'passwords.csv'})"
        )
    hub = HubServer(config, port=port)
    signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM stops it all, as Ctrl-C does
    hub.start()
    try:
        print(f"Parcours on JupyterHub: {hub.url}  (log: {hub.log_path}; Ctrl-C stops it)")
        hub.wait()
    except KeyboardInterrupt:
        print("stopping the hub…")
    finally:
        hub.stop()
    return ExitStatus.CLEAN
