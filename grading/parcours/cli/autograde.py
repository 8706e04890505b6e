"""Autograde every collected submission of an assignment with nbgrader's rules, in
parallel, each in its own sandbox (time, memory, process and output limits, no network,
only its own files), into nbgrader's gradebook and autograded/ folder.

Already graded submissions (same files) are skipped unless --force: an interrupted run
resumes where it stopped.

Exit status: 0 every submission graded cleanly; 3 graded, but some with problems (listed
with their reasons: broken notebook, timeout, memory, edited tests...); 2 bad input; 1 the
command itself failed. The progress bar shows only when stderr is a terminal.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours.cli._course import ASSIGNMENT_HELP, add_course_arguments
from parcours.errors import ExitStatus
from parcours.i18n import _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser, ASSIGNMENT_HELP)
    parser.add_argument(
        "--workers",
        type=int,
        help=_(
            "parallel workers (default: one per core; with --scheduler, the "
            "cluster's worker threads)"
        ),
    )
    parser.add_argument(
        "--learner", action="append", metavar="ID", help=_("grade only this learner (repeatable)")
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help=_("grade again even submissions already graded with the same files"),
    )
    parser.add_argument("--no-progress", action="store_true", help=_("no progress bar"))
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help=_(
            "grade on the Dask scheduler at ADDRESS (tcp://host:8786) instead "
            "of this machine; '' forces local grading (default: "
            "c.ParcoursConfig.grading_scheduler)"
        ),
    )


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    from parcours.cli._course import teach_on_hub

    if teach_on_hub(args, config, "autograde"):  # on the hub: the service runs it
        return ExitStatus.CLEAN
    import sys

    # nbgrader -> nbformat -> jsonschema imports rfc3987_syntax, which compiles a grammar
    # for seconds; it only checks IRI formats, which no notebook or gradebook uses.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    from parcours.cli._course import course_language, open_course, progress_shown
    from parcours.errors import BadInputError
    from parcours.i18n import ngettext, number
    from parcours.pipeline.autograde.run import autograde
    from parcours.safetext import printable

    if args.workers is not None and args.workers < 1:
        raise BadInputError(_("--workers must be at least 1."))
    course = open_course(config, args.course)
    course_language(args, config, course)
    try:
        course.assignment(args.assignment)
    except (KeyError, LookupError, ValueError) as exc:
        raise BadInputError(
            _("'{assignment}' is not an assignment of {course}: {reason}").format(
                assignment=args.assignment, course=course.id, reason=exc
            )
        ) from exc
    report = autograde(
        config,
        course,
        args.assignment,
        workers=args.workers,
        learners=args.learner,
        force=args.force,
        scheduler=args.scheduler,
        progress=progress_shown() and not args.no_progress,
    )
    graded, problems = len(report.graded), report.problems
    print(
        ngettext(
            "'{assignment}': {n} submission graded in {elapsed} s",
            "'{assignment}': {n} submissions graded in {elapsed} s",
            graded,
        ).format(
            assignment=report.assignment, n=graded, elapsed=number(report.elapsed_s, decimals=1)
        )
        + _(
            " (start-up {startup} s, grading {grading} s, {workers} in parallel), "
            "{skipped} already graded, {problems} with problems."
        ).format(
            startup=number(report.startup_s),
            grading=number(report.grading_s),
            workers=report.workers,
            skipped=len(report.skipped),
            problems=len(problems),
        )
    )
    # learners' names and problems quote what learners wrote: shown, never obeyed
    for learner, items in sorted(problems.items()):
        print(f"  {printable(learner, keep_lines=False)}:")
        for problem in items:
            print(f"    - {printable(problem.message, keep_lines=False)}")
    for refusal in report.sandbox_refused:
        print(
            _("  sandbox incomplete: {reason}").format(reason=printable(refusal, keep_lines=False))
        )
    from parcours.cli._passback import pass_back  # scores to the LMS, if the course has one

    if passed := pass_back(config, course.id, report.assignment):
        print(passed)
    return report.exit_status
