"""Validate a course before teaching it: the manifest (course.toml) and every notebook it
names; lessons run top to bottom on a real kernel; each assignment's solution passes its
own tests and its release version does not.

Exit status: 0 when the course is clean, 2 when problems were found (bad input: each names
the file, the key or cell, and what to do), 1 when the check itself failed."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from parcours.cli._course import add_course_arguments
from parcours.errors import ExitStatus
from parcours.i18n import _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument(
        "--no-execute",
        action="store_true",
        help=_("validate the manifest and notebooks without running them (fast)"),
    )
    parser.add_argument("--json", action="store_true", help=_("print the report as JSON"))


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    from parcours.cli._course import progress_shown
    from parcours.course.check import check_course
    from parcours.course.load import find_course

    folder = find_course(config.courses_dir, args.course)
    report = check_course(
        folder, config, execute=not args.no_execute, progress=progress_shown(), lang=args.lang
    )
    if args.json:
        import json

        print(
            json.dumps(
                {
                    "course": report.course.id if report.course else None,
                    "ok": report.ok,
                    "lessons_run": report.lessons_run,
                    "assignments_checked": report.assignments_checked,
                    "seconds": round(report.seconds, 2),
                    "problems": [p.__dict__ for p in report.problems],
                    "warnings": [w.__dict__ for w in report.warnings],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        stream = sys.stdout if report.ok else sys.stderr
        print(report.summary(), file=stream)
    return ExitStatus.CLEAN if report.ok else ExitStatus.BAD_INPUT
