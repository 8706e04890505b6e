"""Generate and release feedback (HTML, with the teacher's comments and any grading
problem, never the hidden tests' source), then publish the correction to the learners
whose own due date (with their extension) has passed. Safe to run again: a later run
publishes the corrections that became due.

Exit status: 0 every page released; 3 released, but some withheld (learners and reasons
listed); 2 bad input; 1 failure."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours.cli._course import ASSIGNMENT_HELP, add_course_arguments
from parcours.errors import ExitStatus

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser, ASSIGNMENT_HELP)


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    from parcours.cli._course import teach_on_hub

    if teach_on_hub(args, config, "feedback-release"):  # on the hub: the service runs it
        return ExitStatus.CLEAN
    from parcours.cli._course import course_language, open_course, progress_shown
    from parcours.i18n import _, ngettext
    from parcours.pipeline.feedback import feedback
    from parcours.safetext import printable

    course = open_course(config, args.course)
    course_language(args, config, course)
    result = feedback(config, course, args.assignment, progress=progress_shown())
    released = len(result.released)
    print(
        ngettext(
            "'{assignment}': feedback released to {n} learner",
            "'{assignment}': feedback released to {n} learners",
            released,
        ).format(assignment=result.assignment, n=released)
        + _("; correction published to {published}; {pending} wait for their due date.").format(
            published=len(result.corrections_published), pending=len(result.corrections_pending)
        )
    )
    for learner, reason in sorted(result.withheld.items()):
        print(
            _("  feedback withheld ({learner}): {reason}").format(
                learner=printable(learner, keep_lines=False),
                reason=printable(reason, keep_lines=False),
            )
        )
    from parcours.cli._passback import pass_back  # scores to the LMS, if the course has one

    if passed := pass_back(config, course.id, result.assignment):
        print(passed)
    return ExitStatus.PROBLEMS if result.withheld else ExitStatus.CLEAN
