"""Per-learner, per-assignment and per-question results of a course, as csv, json or
xlsx. Learners are shown by their pseudonymous ids (p-...). Scores are after late
penalties (as in the feedback), with raw_score, penalty, late_hours and late_days beside
them. csv writes one file per table: <stem>-learners.csv, <stem>-assignments.csv and
<stem>-questions.csv; json one object; xlsx one sheet per table.
With --full, every table of the class report (status, KPIs, risk, funnel, mastery,
workload...) is added."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours.cli._course import add_course_arguments
from parcours.i18n import _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument(
        "--format",
        choices=["csv", "json", "xlsx"],
        default="csv",
        help=_("file format (default: csv)"),
    )
    parser.add_argument(
        "--out", metavar="FILE", help=_("output file (default: <course>-report.<format> here)")
    )
    parser.add_argument(
        "--full", action="store_true", help=_("add every table of the class report")
    )
    parser.add_argument(
        "--now",
        metavar="DATETIME",
        help=_("compute as of this moment (ISO 8601 with time zone; default: now)"),
    )


def build_tables(
    config: ParcoursConfig, course_name: str, *, full: bool = False, now: str | None = None
) -> dict:
    """The tables ``parcours report`` writes (also the Python API of the command)."""
    from parcours.analytics.frames import load_frames
    from parcours.analytics.report import class_report
    from parcours.cli._course import open_course
    from parcours.errors import BadInputError

    course = open_course(config, course_name)
    data = load_frames(config, [course])
    try:
        report = class_report(
            data,
            now,
            thresholds=dict(config.risk_thresholds),
            validated_at=config.band_thresholds.get("validated"),
        )
    except ValueError as exc:  # a --now pandas cannot read
        raise BadInputError(
            _("--now {now}: not a date and time ({reason}); write e.g. {example}.").format(
                now=now, reason=exc, example="2026-10-05T12:00+02:00"
            )
        ) from exc
    tables = {
        "learners": report.learners,
        "assignments": report.assignments,
        "questions": report.questions,
    }
    if full:
        tables.update({k: v for k, v in report.tables().items() if k not in tables})
    return tables


def run(args: argparse.Namespace, config: ParcoursConfig) -> int:
    from pathlib import Path

    from parcours.analytics.report import write_report
    from parcours.cli._course import course_language, open_course
    from parcours.i18n import ngettext

    # the course's language first: the tables' labels are written in the language in force
    course_language(args, config, open_course(config, args.course))
    tables = build_tables(config, args.course, full=args.full, now=args.now)
    out = Path(args.out or f"{Path(args.course).name}-report.{args.format}")
    written = write_report(tables, args.format, out)
    learners, questions = len(tables["learners"]), len(tables["questions"])
    print(
        ngettext("{n} learner", "{n} learners", learners).format(n=learners)
        + ", "
        + ngettext("{n} question:", "{n} questions:", questions).format(n=questions)
    )
    for path in written:
        print(f"  {path}")
    return 0
