"""Your spaced-repetition review queue for today (or --date): the earlier quiz questions
to see again, scheduled with FSRS from your recorded answers, within your daily workload.
Shown in the course's language (or --lang)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from parcours.cli._course import add_course_arguments
from parcours.config import ParcoursConfig
from parcours.errors import ExitStatus
from parcours.i18n import _

if TYPE_CHECKING:
    from parcours.review import ReviewItem, ReviewQueue


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument(
        "--learner",
        required=True,
        help=_("learner id (hub user name, or a pseudonymous id p-...)"),
    )
    parser.add_argument("--date", help=_("day of the queue, YYYY-MM-DD (default: today)"))
    parser.add_argument("--max", type=int, help=_("at most this many questions"))
    parser.add_argument("--json", action="store_true", help=_("print as JSON"))


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    import datetime as dt
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from parcours.cli._course import course_language
    from parcours.course import find_course, read_manifest
    from parcours.errors import BadInputError
    from parcours.review import learner_queue
    from parcours.store import open_store
    from parcours.store.ids import is_pseudonym, pseudonymize

    # the manifest alone (not the course's notebooks) is enough to plan a review
    course = read_manifest(find_course(Path(config.courses_dir), args.course) / "course.toml")
    course_language(args, config, course)
    if args.date:
        try:
            day = dt.date.fromisoformat(args.date)
        except ValueError:
            raise BadInputError(
                _("--date '{date}' is not a date; write YYYY-MM-DD, e.g. 2026-09-21.").format(
                    date=args.date
                )
            ) from None
    else:
        day = dt.datetime.now(ZoneInfo(course.timezone)).date()
    learner = args.learner.strip()
    if not learner:
        raise BadInputError(_("--learner is empty: give your learner id."))
    actor = learner if is_pseudonym(learner) else pseudonymize(learner, config.pseudonym_salt)
    with open_store(config.events_url) as store:
        queue = learner_queue(store, course, actor, day, max_items=args.max)
    if args.json:
        import json

        print(json.dumps(_as_json(queue), indent=2, ensure_ascii=False))
        return ExitStatus.CLEAN
    print(format_queue(queue, learner))
    return ExitStatus.CLEAN


def _as_json(queue: ReviewQueue) -> dict[str, Any]:
    def item(i: ReviewItem) -> dict[str, Any]:
        return {
            "question": i.question, "lesson": i.lesson, "due": i.due.isoformat(),
            "reviews": i.reviews, "last_rating": i.last_rating,
        }  # fmt: skip

    return {
        "course": queue.course, "actor": queue.actor, "date": queue.date.isoformat(),
        "budget_minutes": round(queue.budget_minutes, 1),
        "items": [item(i) for i in queue.items],
        "postponed": [item(i) for i in queue.postponed],
    }  # fmt: skip


def format_queue(queue: ReviewQueue, learner: str) -> str:
    """The queue as text, in the language in force."""
    from parcours.i18n import ngettext
    from parcours.review import RATING_WORDS

    lines = [
        _("Review for {day} — {course} — {learner} ({actor})").format(
            day=queue.date.isoformat(), course=queue.course, learner=learner, actor=queue.actor
        ),
        "",
    ]
    if not queue.items and not queue.postponed:
        lines.append(_("Nothing to review today."))
        if queue.scheduled:
            nxt = queue.scheduled[0]
            lines.append(
                _("Next review: {day} ({question})").format(
                    day=nxt.due.date().isoformat(), question=nxt.question
                )
            )
        return "\n".join(lines)
    count = len(queue.items)
    lines.append(
        ngettext(
            "{n} question, about {minutes} min (available today: {budget} min)",
            "{n} questions, about {minutes} min (available today: {budget} min)",
            count,
        ).format(n=count, minutes=round(queue.minutes), budget=round(queue.budget_minutes))
    )
    for number, item in enumerate(queue.items, start=1):
        rating = RATING_WORDS.get(item.last_rating)
        lines.append(
            _("  {number:>2}. {question:<16} lesson {lesson:<16} due {due}  last: {rating}").format(
                number=number,
                question=item.question,
                lesson=item.lesson,
                due=item.due.date().isoformat(),
                rating=_(rating) if rating else item.last_rating,
            )
        )
    if queue.postponed:
        postponed = len(queue.postponed)
        lines.append(
            ngettext(
                "{n} more postponed to respect today's workload.",
                "{n} more postponed to respect today's workload.",
                postponed,
            ).format(n=postponed)
        )
    return "\n".join(lines)
