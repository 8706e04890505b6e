"""The questions of a course, for its tutors and teachers: list them (the open ones
nearest to or over the committed delay first), show one with its answers, answer,
endorse, resolve, see the course's response-time figures, and e-mail the tutors'
reminder of the questions near or over the delay (safe from cron). Who you are is the
account running the command (or c.ParcoursConfig.learner); only the course's teachers
and tutors (course.toml) may."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from parcours.cli._course import add_course_arguments
from parcours.errors import BadInputError, ExitStatus
from parcours.i18n import _

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument(
        "action",
        nargs="?",
        default="list",
        choices=["list", "show", "answer", "endorse", "resolve", "figures", "remind"],
        help=_("what to do (default: list)"),
    )
    parser.add_argument("id", nargs="?", default="", help=_("question id (answer id to endorse)"))
    parser.add_argument(
        "text", nargs="?", default="", help=_("the answer's text (Markdown; '-': standard input)")
    )
    parser.add_argument("--json", action="store_true", help=_("print JSON, not a table"))


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    from parcours.cli._course import open_course
    from parcours.identity import person
    from parcours.safetext import excerpt, printable
    from parcours.tutoring import open_tutoring
    from parcours.tutoring.desk import Desk, Reader, is_staff

    course = open_course(config, args.course)
    me = person(config.learner)
    if not is_staff(course, me):
        raise BadInputError(
            _(
                "{user} is neither a teacher nor a tutor of '{course}': add the account to "
                "teachers or tutors in its course.toml"
            ).format(user=me, course=course.id)
        )
    reader = Reader(me, True, course.language)
    with open_tutoring(config.events_url) as store:
        desk = Desk(store, course, near_hours=config.tutoring_near_hours)
        if args.action in ("show", "answer", "endorse", "resolve") and not args.id:
            raise BadInputError(_("name the question (or answer) id")).about("id")
        if args.action == "list":
            found = desk.questions(reader)
            if args.json:
                print(json.dumps(found, ensure_ascii=False, indent=1))
                return ExitStatus.CLEAN
            for q in found:
                left = q["remaining_hours"]
                clock = "-" if left is None else f"{left:+.1f}h"
                flag = "!!" if q["late"] else ("!" if q["near"] else "")
                print(
                    f"{q['id']}\t{q['state']}\t{clock}{flag}\t{excerpt(q['activity'] or '-', 24)}"
                    f"\t{excerpt(q['author'], 24)}\t{excerpt(q['title'], 80)}"
                )
            return ExitStatus.CLEAN
        if args.action == "figures":
            from parcours.tutoring.figures import figures

            print(json.dumps(figures(store, [course])[0], ensure_ascii=False, indent=1))
            return ExitStatus.CLEAN
        if args.action == "remind":
            from parcours.tutoring.remind import send_tutor_reminders

            report = send_tutor_reminders(config, desk)
            for key in report.sent:
                print(_("sent") + f"\t{key}\t{', '.join(report.to)}")
            return ExitStatus.CLEAN
        if args.action == "answer":
            text = sys.stdin.read() if args.text == "-" else args.text
            from parcours.tutoring.remind import send_answer_mail

            send_answer_mail(config, desk, desk.answer(reader, args.id, text))
            shown = desk.show(reader, args.id)
        elif args.action == "endorse":
            shown = desk.endorse(reader, args.id)
        elif args.action == "resolve":
            shown = desk.resolve(reader, args.id)
        else:
            shown = desk.show(reader, args.id)
    if args.json:
        print(json.dumps(shown, ensure_ascii=False, indent=1))
        return ExitStatus.CLEAN
    print(f"{shown['id']} [{shown['state']}] {printable(shown['title'], keep_lines=False)}")
    print(
        _("asked by {author} on {at}, due {due}").format(
            author=printable(shown["author"], keep_lines=False),
            at=shown["asked_at"],
            due=shown["due"],
        )
    )
    for where in ("activity", "notebook", "cell"):
        if shown[where]:
            print(f"{where}: {printable(shown[where], keep_lines=False)}")
    print("\n" + printable(shown["body"]))
    if shown["code"]:
        print("\n" + printable(shown["code"]))
    for answer in shown["answers"]:
        mark = " ✔" if answer["endorsed"] else ""
        print(f"\n--- {answer['id']} {printable(answer['author'], keep_lines=False)} "
              f"{answer['at']}{mark}\n{printable(answer['body'])}")  # fmt: skip
    return ExitStatus.CLEAN
