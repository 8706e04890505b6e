"""Serve the Voila dashboards (coordinator, teacher, learner) on 127.0.0.1.

Voila runs the notebooks of notebooks/ with preheated kernels; open the printed URLs in a
browser. Add ?lang=en or ?lang=fr to switch language; the learner dashboard takes
?learner=<id> for a course's teachers (its course.toml's teachers). Ctrl-C or
SIGTERM (``kill PID``) stops it, Voila and its kernels. Voila's log:
<data_dir>/dashboards/voila.log. A port already taken is refused (exit status 2) before
anything starts. --debug shows tracebacks on error pages and logs Voila's debug messages.
"""

from __future__ import annotations

import argparse
import signal
from typing import TYPE_CHECKING, Any

from parcours.errors import ExitStatus
from parcours.i18n import _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port", type=int, help=_("port (default: c.ParcoursConfig.dashboard_port)")
    )
    parser.add_argument(
        "--no-browser", action="store_true", help=_("do not open a browser, only print the URLs")
    )
    parser.add_argument(
        "--pool-size",
        type=int,
        default=1,
        help=_(
            "preheated kernels kept ready per dashboard: each has loaded the data (and, for "
            "the coordinator, built the default page) before a visitor arrives (default 1; 0 "
            "starts a kernel per visit, slower but lighter on memory)"
        ),
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help=_(
            "tracebacks on the dashboards' error pages and Voila's debug messages in its log "
            "(<data_dir>/dashboards/voila.log); for finding a bug, not for learners"
        ),
    )


class _Terminated(Exception):
    """SIGTERM arrived: stop as on Ctrl-C."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise _Terminated


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:

    from parcours.cli._course import tcp_port
    from parcours.dashboards.server import DASHBOARDS, DashboardServer
    from parcours.errors import BadInputError

    port = tcp_port(args.port if args.port is not None else config.dashboard_port)
    if args.pool_size < 0:
        raise BadInputError(
            _("--pool-size {size}: use 0 or more kernels.").format(size=args.pool_size)
        )
    server = DashboardServer(config, port=port, pool_size=args.pool_size, debug=args.debug)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    stopped_by_user = False
    try:
        server.start()
        print(_("Parcours dashboards (Ctrl-C to stop):"))
        for name in DASHBOARDS:
            print(f"  {name:<12} {server.url(name)}")
        print(_("  Voila's log: {file}").format(file=server.log_path), flush=True)
        if not args.no_browser:
            import webbrowser

            webbrowser.open(server.url(DASHBOARDS[0]))
        assert server.process is not None
        server.process.wait()
    except (KeyboardInterrupt, _Terminated):
        stopped_by_user = True
        print(_("stopping the dashboards…"), flush=True)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the stop
        server.stop()
        signal.signal(signal.SIGTERM, previous)
    if not stopped_by_user and server.process is not None and server.process.returncode:
        from parcours.dashboards.server import DashboardServerError

        raise DashboardServerError(
            _("Voila stopped by itself (exit status {status}); see {file}").format(
                status=server.process.returncode, file=server.log_path
            )
        )
    return ExitStatus.CLEAN
