"""Generate and release feedback (HTML, with the teacher's comments and any grading
problem, never the hidden tests' source), then publish the correction to the learners
whose own due date (with their extension) has passed. Safe to run again: a later run
publishes the corrections that became due.

Exit status: 0 every page released; 3 released, but some withheld (learners and reasons
listed); 2 bad input; 1 failure."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours_grading.errors import ExitStatus

if TYPE_CHECKING:
    from parcours_grading.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("course", help="course id (under courses/) or path to a course folder")
    parser.add_argument("assignment", help="assignment id from course.toml")


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    from parcours_grading.cli._course import teach_on_hub

    if teach_on_hub(args, config, "feedback-release"):  # on the hub: the service runs it
        return ExitStatus.CLEAN
    from parcours_grading.cli._course import course_language, open_course, progress_shown
    from parcours_grading.pipeline.feedback import feedback

    course = open_course(config, args.course)
    lang = course_language(args, config, course)

    def say(_config: object, fr: str, en: str) -> str:  # in the course's language
        return fr if lang == "fr" else en

    result = feedback(config, course, args.assignment, progress=progress_shown())
    print(
        say(
            config,
            f"« {result.assignment} » : retours publiés pour {len(result.released)} apprenant(s) ; "
            f"corrigé publié pour {len(result.corrections_published)} ; "
            f"{len(result.corrections_pending)} attendent leur échéance.",
            f"'{result.assignment}': feedback released to {len(result.released)} learner(s); "
            f"correction published to {len(result.corrections_published)}; "
            f"{len(result.corrections_pending)} wait for their due date.",
        )
    )
    for learner, reason in sorted(result.withheld.items()):
        print(
            say(config, f"  retour retenu ({learner}) : ", f"  feedback withheld ({learner}): ")
            + reason
        )
    return ExitStatus.PROBLEMS if result.withheld else ExitStatus.CLEAN
