"""Collect the latest submission of every learner from nbgrader's exchange into the
course's submitted/ folder. Submission times are observed on the teacher's side (the
change time of the files in the exchange), not taken from the learner's timestamp; the
learner's files are never altered.

Exit status: 0 collected; 3 collected, with submissions from learners not on the roster or
to whom the assignment was not released (listed); 2 bad input; 1 failure."""

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

    if teach_on_hub(args, config, "collect"):  # on the hub: the service runs it
        return ExitStatus.CLEAN
    from parcours.cli._course import course_language, open_course
    from parcours.course.zones import shown, zone_of
    from parcours.i18n import _, ngettext
    from parcours.pipeline.collect import collect
    from parcours.pipeline.deadlines import lateness
    from parcours.safetext import printable

    def names(learners: list[str]) -> str:  # folder names learners chose: shown, not obeyed
        return ", ".join(printable(name, keep_lines=False) for name in learners)

    course = open_course(config, args.course)
    lang = course_language(args, config, course)
    result = collect(config, course, args.assignment)
    collected = len(result.collected)
    print(
        ngettext(
            "'{assignment}': {n} submission", "'{assignment}': {n} submissions", collected
        ).format(assignment=result.assignment, n=collected)
        + _(", {late} late; {missing} missing.").format(
            late=len(result.late), missing=len(result.missing)
        )
    )
    zone = zone_of(course, course.assignment(result.assignment))
    for item in result.late:
        late = lateness(item.days_late * 86400, lang)
        print(
            _("  late: {learner} ({received}, {late})").format(
                learner=printable(item.learner, keep_lines=False),
                received=shown(item.received, zone, lang),
                late=late,
            )
        )
    if result.missing:
        print(_("  missing: {learners}").format(learners=names(result.missing)))
    if result.unknown:
        print(_("  not on the roster: {learners}").format(learners=names(result.unknown)))
    if result.not_released:
        print(
            _("  submitted though not released to them: {learners}").format(
                learners=names(result.not_released)
            )
        )
    # collected all the same, but the teacher has to look at who should not have submitted
    return ExitStatus.PROBLEMS if result.unknown or result.not_released else ExitStatus.CLEAN
