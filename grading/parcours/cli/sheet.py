"""The public course sheet (Qualiopi indicator 1) from course.toml: objectives, public and
prerequisites, duration in total and per module, methods, assessment, accessibility,
price, access delay and contact, as an HTML page and a PDF (language: --lang, else the
course's)."""

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
    parser.add_argument("--out", help=_("folder to write into (default: <data_dir>/sheets)"))


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    from pathlib import Path

    from parcours.cli._course import open_course
    from parcours.compliance.sheet import write_sheet

    course = open_course(config, args.course)
    files = write_sheet(config, course, args.lang, Path(args.out) if args.out else None)
    print(files.html)
    print(files.pdf)
    return ExitStatus.CLEAN
