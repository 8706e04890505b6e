"""Serve the Voila dashboards (coordinator, teacher, learner) on 127.0.0.1.

Voila runs the notebooks of notebooks/ with preheated kernels; open the printed URLs in a
browser. Add ?lang=en or ?lang=fr to switch language; the learner dashboard takes
?learner=<id> for teachers listed in c.ParcoursConfig.dashboard_teachers. Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours_grading.errors import ExitStatus

if TYPE_CHECKING:
    from parcours_grading.config import ParcoursConfig

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, help="port (default: c.ParcoursConfig.dashboard_port)")
    parser.add_argument(
        "--no-browser", action="store_true", help="do not open a browser, only print the URLs"
    )
    parser.add_argument(
        "--pool-size",
        type=int,
        default=1,
        help="preheated kernels kept ready per dashboard: each has loaded the data (and, for "
        "the coordinator, built the default page) before a visitor arrives (default 1; 0 "
        "starts a kernel per visit, slower but lighter on memory)",
    )


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:

    from parcours_grading.dashboards.server import DASHBOARDS, DashboardServer
    from parcours_grading.errors import BadInputError

    port = args.port if args.port is not None else config.dashboard_port
    if not 0 < port < 65536:
        raise BadInputError(f"--port {port}: not a TCP port; use a number from 1 to 65535.")
    if args.pool_size < 0:
        raise BadInputError(f"--pool-size {args.pool_size}: use 0 or more kernels.")
    server = DashboardServer(config, port=port, pool_size=args.pool_size)
    server.start()
    try:
        print("Parcours dashboards (Ctrl-C to stop):")
        for name in DASHBOARDS:
            print(f"  {name:<12} {server.url(name)}")
        if not args.no_browser:
            import webbrowser

            webbrowser.open(server.url(DASHBOARDS[0]))
        assert server.process is not None
        server.process.wait()
    except KeyboardInterrupt:
        print("stopping the dashboards…")
    finally:
        server.stop()
    return ExitStatus.CLEAN
