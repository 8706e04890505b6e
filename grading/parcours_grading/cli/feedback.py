"""Generate and release feedback (HTML, with the teacher's comments and any grading
problem, never the hidden tests' source), then publish the correction to the learners
whose own due date (with their extension) has passed. Safe to run again: a later run
publishes the corrections that became due."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from parcours_grading.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("course", help="course id (under courses/) or path to a course folder")
    parser.add_argument("assignment", help="assignment id from course.toml")


def run(args: argparse.Namespace, config: ParcoursConfig) -> int:
    from parcours_grading.cli._course import open_course, say
    from parcours_grading.pipeline.feedback import feedback

    course = open_course(config, args.course)
    result = feedback(config, course, args.assignment, progress=sys.stderr.isatty())
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
    return 1 if result.withheld else 0
