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
from parcours.errors import CourseError, ExitStatus, Problem
from parcours.i18n import _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig
    from parcours.course.model import Course


def check_side_files(course: Course) -> tuple[list[Problem], list[Problem]]:
    """(problems, warnings) of the files the manifest leaves beside it: ``badges.toml``,
    each peer review's rubric and calibration examples (with the teacher's scores), each
    team assignment's team file (a warning while it does not exist: teams are often
    formed once the class is known, with ``parcours groups``)."""
    from parcours.badges import BadgeError
    from parcours.badges.declared import course_badges
    from parcours.peer.records import calibration_examples
    from parcours.peer.teams import load_teams

    problems: list[Problem] = []
    warnings: list[Problem] = []
    try:
        course_badges(course)
    except BadgeError as error:
        path = str(course.folder / "badges.toml")
        problems.append(Problem(path, str(error).removeprefix(f"{path}, ")))
    for assignment in course.assignments:
        try:
            if assignment.peer_review is not None:
                calibration_examples(course, assignment)  # the rubric read first
            if assignment.team is not None:
                if course.path(assignment.team.file).exists():
                    load_teams(course, assignment)
                else:
                    warnings.append(
                        Problem(
                            str(course.path(assignment.team.file)),
                            _("no team file yet for '{assignment}'").format(
                                assignment=assignment.id
                            ),
                            fix=_("form the teams (parcours groups --mode teams) before it opens"),
                        )
                    )
        except CourseError as error:
            problems += error.problems
    return problems, warnings


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
    if report.course is not None:
        from parcours.i18n import language

        with language(report.language or "en"):  # the report's
            problems, warnings = check_side_files(report.course)
        report.problems += problems
        report.warnings += warnings
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
