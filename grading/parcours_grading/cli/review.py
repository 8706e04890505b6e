"""Your spaced-repetition review queue for today (or --date): the earlier quiz questions
to see again, scheduled with FSRS from your recorded answers, within your daily workload.

Vos révisions du jour : les questions de quiz à revoir, planifiées (FSRS) d'après vos
réponses enregistrées, dans la limite de votre charge de travail quotidienne."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from parcours_grading.cli._course import add_course_arguments
from parcours_grading.config import ParcoursConfig
from parcours_grading.errors import ExitStatus

if TYPE_CHECKING:
    from parcours_grading.review import ReviewItem, ReviewQueue


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument(
        "--learner",
        required=True,
        help="learner id (hub user name, or a pseudonymous id p-...) / identifiant de l'apprenant",
    )
    parser.add_argument("--date", help="day of the queue, YYYY-MM-DD (default: today)")
    parser.add_argument("--max", type=int, help="at most this many questions / au plus N questions")
    parser.add_argument("--json", action="store_true", help="print as JSON")


def run(args: argparse.Namespace, config: ParcoursConfig) -> ExitStatus:
    import datetime as dt
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from parcours_grading.course import find_course, read_manifest
    from parcours_grading.errors import BadInputError
    from parcours_grading.review import learner_queue
    from parcours_grading.store import open_store
    from parcours_grading.store.ids import is_pseudonym, pseudonymize

    # the manifest alone (not the course's notebooks) is enough to plan a review
    course = read_manifest(find_course(Path(config.courses_dir), args.course) / "course.toml")
    if args.date:
        try:
            day = dt.date.fromisoformat(args.date)
        except ValueError:
            raise BadInputError(
                f"--date {args.date!r} is not a date; write YYYY-MM-DD, e.g. 2026-09-21 "
                "/ écrivez la date sous la forme AAAA-MM-JJ"
            ) from None
    else:
        day = dt.datetime.now(ZoneInfo(course.timezone)).date()
    learner = args.learner.strip()
    if not learner:
        raise BadInputError("--learner is empty / --learner est vide")
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
    """The queue as bilingual text (French / English)."""
    from parcours_grading.review import RATING_WORDS

    day = queue.date.isoformat()
    lines = [
        f"Révisions du {day} — {queue.course} — {learner} ({queue.actor})",
        f"Review for {day}",
        "",
    ]
    if not queue.items and not queue.postponed:
        lines += ["Rien à réviser aujourd'hui. / Nothing to review today."]
        if queue.scheduled:
            nxt = queue.scheduled[0]
            lines.append(
                f"Prochaine révision / next review: {nxt.due.date().isoformat()} ({nxt.question})"
            )
        return "\n".join(lines)
    minutes = round(queue.minutes)
    lines.append(
        f"{len(queue.items)} question(s), ~{minutes} min "
        f"(disponible / available today: {queue.budget_minutes:.0f} min)"
    )
    for number, item in enumerate(queue.items, start=1):
        fr, en = RATING_WORDS.get(item.last_rating, (item.last_rating, item.last_rating))
        lines.append(
            f"  {number:>2}. {item.question:<16} leçon/lesson {item.lesson:<16} "
            f"dû/due {item.due.date().isoformat()}  dernier/last: {fr} / {en}"
        )
    if queue.postponed:
        lines.append(
            f"{len(queue.postponed)} autre(s) reportée(s) pour respecter votre charge du jour "
            f"/ {len(queue.postponed)} more postponed to respect today's workload."
        )
    return "\n".join(lines)
