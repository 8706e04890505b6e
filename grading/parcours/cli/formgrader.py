"""Grade by hand on this machine: nbgrader's formgrader for one course (its assignments,
submissions, manual grades and comments, in the course's gradebook), on 127.0.0.1.

Prints the address to open (with its token). Ctrl-C or SIGTERM stops it. On the hub, open
the course's formgrader from the hub's Services menu instead (formgrader-<course>).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours.cli._course import add_course_arguments
from parcours.errors import ExitStatus
from parcours.i18n import _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument(
        "--port", type=int, help=_("port (default: c.ParcoursConfig.formgrader_port)")
    )
    parser.add_argument("--log", metavar="FILE", help=_("write the server's log to FILE"))


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    import signal
    from pathlib import Path

    from parcours.cli._course import course_language, open_course
    from parcours.pipeline.formgrader import FormgraderServer

    course = open_course(config, args.course)
    course_language(args, config, course)
    port = args.port if args.port is not None else config.formgrader_port
    server = FormgraderServer(config, course, port, log_path=Path(args.log) if args.log else None)

    # SIGTERM as Ctrl-C: out of the wait below, then the server is stopped (and waited for)
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        server.start()
        print(
            _("Manual grading of '{course}' (Ctrl-C to stop): {url}").format(
                course=course.id, url=server.url
            ),
            flush=True,
        )
        assert server.process is not None
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)
    return ExitStatus.CLEAN
