"""Peer review of an assignment declared with a peer_review table in course.toml.

  allocate  give each collected submission whose author's own due date has passed to k
            reviewers (never herself nor a team-mate; earlier allocations never move)
  status    reviews allocated and done per submission, and who has not reviewed yet
  grades    per submission the median and the bias-corrected grade, flagged when the
            reviewers disagree; per reviewer her bias and grade for assessing.
            --to-gradebook writes each task's grade to nbgrader's gradebook as a manual
            grade, its source in the cell's comment; a teacher's own grade there is kept.
  override  the teacher's grade of one task of one learner (--learner, --task, --score in
            the cell's points, --comment), kept by later --to-gradebook runs.
  reviewers per reviewer: reviews written, how many the authors rated, and the mean
            helpfulness they gave (1 not helpful to 5 very helpful).
  appeals   the learners' appeals of their peer grade, open ones first: text, peer grade,
            whether the reviewers disagreed, the answer once settled.
  settle    answer one learner's open appeal (--learner, --answer); with --score (and
            --task when the rubric grades several tasks) her grade is overridden in the
            gradebook, the answer as its comment; she is told by e-mail when an SMTP
            server is configured (exit 3 when that mail fails: the answer is kept).
  contributions  (a team assignment) per member: the mean of the ratings of her
            contribution her team-mates gave (1 far less to 5 far more than agreed).

Exit status: 0 done; 2 bad input (a course, assignment, learner or option that is wrong,
an appeal that is not open: the message says which and what to do); 3 an appeal answered
whose e-mail could not be sent; 1 a failure (a record or the gradebook unreadable or
unwritable).

See docs/peer-review.md."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from parcours.cli._course import ASSIGNMENT_HELP, add_course_arguments
from parcours.errors import ExitStatus
from parcours.i18n import _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig
    from parcours.course.model import Assignment, Course
    from parcours.peer.flow import AssignmentGrades


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser, ASSIGNMENT_HELP)
    parser.add_argument(
        "action",
        choices=[
            "allocate",
            "status",
            "grades",
            "override",
            "reviewers",
            "appeals",
            "settle",
            "contributions",
        ],
        help=_(
            "allocate reviews, show their progress, compute the grades, override one, show "
            "the reviewers' helpfulness, list the appeals or settle one, show the team "
            "members' contributions"
        ),
    )
    parser.add_argument("--learner", help=_("override, settle: the learner (nbgrader id)"))
    parser.add_argument("--task", help=_("override, settle: the rubric task (its id)"))
    parser.add_argument(
        "--score",
        type=float,
        help=_("override, settle: the grade, in the nbgrader cell's points"),
    )
    parser.add_argument(
        "--answer", help=_("settle: the teacher's answer to the appeal, which the learner reads")
    )
    parser.add_argument(
        "--comment", default="", help=_("override: the comment the learner reads with it")
    )
    parser.add_argument(
        "--teams",
        metavar="CSV",
        help=_("allocate: a CSV with learner and team columns; team-mates never review each other"),
    )
    parser.add_argument(
        "--to-gradebook",
        action="store_true",
        help=_(
            "grades: write each task's peer grade to nbgrader's gradebook (teachers' grades kept)"
        ),
    )


def _teams(path: str | None) -> dict[str, str]:
    if not path:
        return {}
    import csv
    from pathlib import Path

    from parcours.errors import BadInputError
    from parcours.peer.allocate import teams_from_rows

    try:
        with Path(path).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise BadInputError(
            _("{file}: cannot be read ({error}).").format(file=path, error=exc.strerror)
        ).about("teams") from None
    if rows and not {"learner", "team"} <= set(rows[0]):
        raise BadInputError(
            _("{file}: needs the columns 'learner' and 'team'.").format(file=path)
        ).about("teams")
    return teams_from_rows(rows)


def _print_grades(grades: AssignmentGrades) -> None:
    from parcours.peer.flow import METHODS
    from parcours.safetext import printable

    print(_("Submissions (out of {points:g}):").format(points=grades.points))
    for label, grade in grades.total.submissions.items():
        author = printable(grades.authors.get(label, label), keep_lines=False)
        flag = "  " + _("DISAGREEMENT") if grade.flagged else ""
        print(
            f"  {author:<16} {label:<15} n={grade.reviews} "
            + _("median {median:g}  grade {estimate:g} ({method})").format(
                median=grade.median, estimate=grade.estimate, method=_(METHODS[grade.method])
            )
            + flag
        )
    print(_("Reviewers:"))
    for reviewer, r in grades.total.reviewers.items():
        calibration = (
            "" if r.calibration_error is None else f"  calibration {r.calibration_error:.0%}"
        )
        print(
            f"  {printable(reviewer, keep_lines=False):<16} n={r.reviews} "
            + _("bias {bias:+.2f}  error {error:.0%}  assessing {assessing:.0%}").format(
                bias=r.bias, error=r.error, assessing=r.assessing
            )
            + calibration
        )


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    from parcours.cli._course import course_language, open_course
    from parcours.peer import flow
    from parcours.pipeline.deadlines import find_assignment

    course = open_course(config, args.course)
    course_language(args, config, course)
    assignment = find_assignment(course, args.assignment)
    if args.action == "allocate":
        done = flow.allocate_reviews(config, course, assignment, team_of=_teams(args.teams))
        print(
            _("{added} reviews allocated; {n} submissions under review.").format(
                added=done.added, n=done.submissions
            )
        )
        if done.waiting:
            print(
                _("Waiting for their own due date: {learners}.").format(
                    learners=", ".join(done.waiting)
                )
            )
        return ExitStatus.CLEAN
    if args.action == "status":
        rows = flow.review_status(config, course, assignment)
        for row in rows:
            missing = ", ".join(row.missing) or "-"
            print(f"  {row.author:<16} {row.label:<15} {row.done}/{row.allocated}  {missing}")
        done_count = sum(r.done for r in rows)
        allocated = sum(r.allocated for r in rows)
        print(_("{done} of {allocated} reviews done.").format(done=done_count, allocated=allocated))
        return ExitStatus.CLEAN
    if args.action == "override":
        from parcours.errors import BadInputError

        if not args.learner or not args.task or args.score is None:
            raise BadInputError(_("override needs --learner, --task and --score.")).about(
                "override"
            )
        score = flow.override_grade(
            config, course, assignment, args.learner, args.task, args.score, args.comment
        )
        print(
            _("{learner}: {task} set to {score:g} in the gradebook.").format(
                learner=args.learner, task=args.task, score=score
            )
        )
        return ExitStatus.CLEAN
    if args.action == "contributions":
        return _contributions(config, course, assignment)
    if args.action in ("reviewers", "appeals", "settle"):
        return _appeals(args, config, course, assignment)
    grades = flow.compute_grades(config, course, assignment)
    _print_grades(grades)
    if args.to_gradebook:
        result = flow.write_to_gradebook(config, course, assignment, grades)
        print(_("{n} grades written to the gradebook.").format(n=result.written))
        for learner, grade_id in result.kept:
            print(
                _("  kept the teacher's grade of {learner} ({cell}).").format(
                    learner=learner, cell=grade_id
                )
            )
        for learner, grade_id in result.missing:
            print(
                _("  no cell {cell} in the submission of {learner}.").format(
                    learner=learner, cell=grade_id
                )
            )
    return ExitStatus.CLEAN


def _appeals(
    args: argparse.Namespace, config: ParcoursConfig, course: Course, assignment: Assignment
) -> ExitStatus:
    """``reviewers``, ``appeals`` and ``settle`` (:mod:`parcours.peer.appeals`)."""
    from parcours.i18n import number
    from parcours.peer import appeals
    from parcours.safetext import printable

    lang = course.language
    if args.action == "reviewers":
        rows = appeals.helpfulness(config, course, assignment)
        for row in rows:
            mean = "-" if row.mean is None else number(row.mean, lang) + "/5"
            print(
                f"  {printable(row.reviewer, keep_lines=False):<16} "
                + _("{reviews} reviews, {ratings} rated, helpfulness {mean}").format(
                    reviews=row.reviews, ratings=row.ratings, mean=mean
                )
            )
        print(_("{n} reviewers.").format(n=len(rows)))
        return ExitStatus.CLEAN
    if args.action == "appeals":
        found = appeals.appeals(config, course, assignment)
        for made in found:
            grade = (
                "-"
                if made.grade is None
                else f"{number(made.grade, lang)}/{number(made.points, lang)}"
            )
            state = _("waiting for your answer") if made.state == appeals.OPEN else _("answered")
            flag = "  " + _("DISAGREEMENT") if made.flagged else ""
            print(
                f"{printable(made.learner, keep_lines=False)}  {made.at[:16]}  {state}  "
                + _("peer grade {grade}").format(grade=grade)
                + flag
            )
            # what a learner wrote, made printable: no terminal escape reaches the teacher
            print("    " + printable(made.text).replace("\n", "\n    "))
            if made.answer:
                print("    > " + printable(made.answer).replace("\n", "\n    > "))
        print(
            _("{n} appeals, {open} open.").format(
                n=len(found), open=sum(r.state == appeals.OPEN for r in found)
            )
        )
        return ExitStatus.CLEAN
    from parcours.errors import BadInputError

    if not args.learner or not args.answer:
        raise BadInputError(_("settle needs --learner and --answer.")).about("settle")
    settled = appeals.settle(
        config, course, assignment, args.learner, args.answer, args.score, args.task
    )
    if settled.get("score") is not None:
        print(
            _("{learner}: appeal settled; {task} set to {score:g} in the gradebook.").format(
                learner=args.learner, task=settled["task"], score=settled["score"]
            )
        )
    else:
        print(_("{learner}: appeal settled.").format(learner=args.learner))
    from parcours.errors import ParcoursError
    from parcours.peer.notify import tell_learner

    try:  # the answer is recorded: a mail that fails is said, not retried
        told = tell_learner(config, course, assignment, args.learner, settled)
    except ParcoursError as exc:
        print(str(exc), file=sys.stderr)
        return ExitStatus.PROBLEMS
    if told:
        print(_("Told by e-mail: {to}.").format(to=", ".join(told)))
    return ExitStatus.CLEAN


def _contributions(config: ParcoursConfig, course: Course, assignment: Assignment) -> ExitStatus:
    """``contributions`` (:mod:`parcours.peer.contributions`)."""
    from parcours.errors import BadInputError
    from parcours.i18n import number
    from parcours.peer.contributions import contributions
    from parcours.safetext import printable

    if assignment.team is None:
        raise BadInputError(
            _("'{assignment}' is not handed in by teams.").format(assignment=assignment.id)
        )
    rows = contributions(config, course, assignment)
    for row in rows:
        who = printable(row["learner"], keep_lines=False)
        role = f" ({printable(row['role'], keep_lines=False)})" if row["role"] else ""
        mean = (
            "-" if row["received_mean"] is None else number(row["received_mean"], course.language)
        )
        print(
            f"  {printable(row['team'], keep_lines=False):<10} {who + role:<28} "
            + _("contribution {mean}/5 ({n} ratings), {given} given").format(
                mean=mean, n=row["received"], given=row["given"]
            )
        )
    print(_("{n} team members.").format(n=len(rows)))
    return ExitStatus.CLEAN
