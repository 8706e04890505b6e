"""Spaced repetition: which earlier quiz questions a learner should see again today.

Each recorded run through a question becomes one FSRS review (``fsrs`` 6): a run starts at
attempt 1; success at the first attempt rates **Good**, success after a retry **Hard**, no
success **Again**. Replaying a learner's runs in time order gives each question a card
whose ``due`` date says when to review it. Today's queue holds the questions due by the
end of the day (most overdue first), as many as fit in what is left of the learner's daily
workload limit (``workload.hours_per_day`` of the manifest, minus the assignments planned
that day — same rule as :mod:`parcours.analytics.workload`), at about
``minutes_per_item`` each. Ties on the due date go to the weakest memory first.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .i18n import N_

if TYPE_CHECKING:
    from fsrs import Card, Rating, Scheduler

    from .course.model import Course
    from .store import Event, EventStore

#: learner-facing words for the FSRS ratings (translated when shown)
RATING_WORDS = {"Again": N_("again"), "Hard": N_("hard"), "Good": N_("good")}


@dataclass(frozen=True)
class Run:
    """One pass through a question (attempts 1..n) and the rating it earns."""

    question: str
    lesson: str
    started: dt.datetime
    attempts: int
    success: bool

    @property
    def rating_name(self) -> str:
        if not self.success:
            return "Again"
        return "Good" if self.attempts == 1 else "Hard"


@dataclass(frozen=True)
class ReviewItem:
    """A question in the review queue."""

    question: str
    lesson: str
    due: dt.datetime
    #: runs recorded so far
    reviews: int
    #: rating of the last run: Again | Hard | Good
    last_rating: str
    stability: float | None


@dataclass(frozen=True)
class ReviewQueue:
    """Today's review for one learner in one course."""

    course: str
    actor: str
    date: dt.date
    #: the questions to review today, most overdue first
    items: list[ReviewItem] = field(default_factory=list)
    #: due questions left out to respect the daily workload
    postponed: list[ReviewItem] = field(default_factory=list)
    budget_minutes: float = 0.0
    minutes_per_item: float = 1.0
    #: every scheduled question (due today or later)
    scheduled: list[ReviewItem] = field(default_factory=list)

    @property
    def minutes(self) -> float:
        return len(self.items) * self.minutes_per_item


def runs_from_events(events: Iterable[Event]) -> list[Run]:
    """Group 'answered' events into runs (a run starts at attempt 1), oldest first."""
    by_question: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        if event.verb == "answered" and event.object_type == "question":
            by_question[event.object_id].append(event)
    runs: list[Run] = []
    for question, answers in by_question.items():
        answers.sort(key=lambda e: (e.timestamp, e.attempt or 0))
        current: list[Event] = []
        for event in answers:
            if current and (event.attempt or 1) <= (current[-1].attempt or 1):
                runs.append(_run(question, current))
                current = []
            current.append(event)
        if current:
            runs.append(_run(question, current))
    runs.sort(key=lambda r: r.started)
    return runs


def _run(question: str, answers: list[Event]) -> Run:
    first_success = next((e.attempt or 1 for e in answers if e.success), None)
    return Run(
        question=question,
        lesson=answers[0].lesson,
        started=dt.datetime.fromisoformat(answers[0].timestamp),
        attempts=first_success or len(answers),
        success=first_success is not None,
    )


def scheduler() -> Scheduler:
    """The FSRS scheduler used: no intra-day learning steps (a quiz item comes back on a
    later day), no fuzzing (queues are reproducible)."""
    from fsrs import Scheduler

    return Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


def schedule(runs: Iterable[Run]) -> list[ReviewItem]:
    """Replay runs through FSRS; one item per question with its next due date."""
    from fsrs import Card, Rating

    sched = scheduler()
    cards: dict[str, Card] = {}
    info: dict[str, tuple[str, int, str]] = {}
    for run in runs:
        # an id of our own: without one, fsrs sleeps 1 ms per new card to make its id
        # unique (a learner's page lists hundreds of questions)
        card = cards.get(run.question) or Card(card_id=len(cards) + 1, due=run.started)
        rating: Rating = Rating[run.rating_name]
        cards[run.question], _log = sched.review_card(card, rating, review_datetime=run.started)
        _lesson, count, _ = info.get(run.question, (run.lesson, 0, ""))
        info[run.question] = (run.lesson, count + 1, run.rating_name)
    return [
        ReviewItem(
            question=q,
            lesson=info[q][0],
            due=card.due,
            reviews=info[q][1],
            last_rating=info[q][2],
            stability=card.stability,
        )
        for q, card in cards.items()
    ]


def planned_minutes(course: Course, day: dt.date) -> float:
    """Minutes of the course's assignments planned on ``day``: each assignment's minutes
    spread evenly from the day it opens to the day it is due (course time zone)."""
    zone = ZoneInfo(course.timezone)
    total = 0.0
    for assignment in course.assignments:
        opens = course.opens(assignment).astimezone(zone).date()
        due = course.due(assignment).astimezone(zone).date()
        opens = min(opens, due)
        if opens <= day <= due:
            total += assignment.minutes / ((due - opens).days + 1)
    return total


def daily_budget(course: Course, day: dt.date) -> float:
    """Minutes left for review on ``day`` under the course's daily workload limit."""
    return max(0.0, course.workload.hours_per_day * 60 - planned_minutes(course, day))


def review_queue(
    events: Iterable[Event],
    course: Course,
    actor: str,
    day: dt.date,
    *,
    minutes_per_item: float = 1.0,
    max_items: int | None = None,
) -> ReviewQueue:
    """The queue of ``actor`` on ``day`` from their recorded answers in ``course``."""
    mine = [e for e in events if e.actor == actor and e.course == course.id]
    items = schedule(runs_from_events(mine))
    zone = ZoneInfo(course.timezone)
    end_of_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    # most overdue first; on the same due time, the weakest memory (lowest stability) first
    due = sorted(
        (i for i in items if i.due < end_of_day),
        key=lambda i: (i.due, i.stability or 0.0, i.question),
    )
    budget = daily_budget(course, day)
    fits = math.floor(budget / minutes_per_item + 1e-9) if minutes_per_item > 0 else len(due)
    if max_items is not None:
        fits = min(fits, max_items)
    return ReviewQueue(
        course=course.id,
        actor=actor,
        date=day,
        items=due[:fits],
        postponed=due[fits:],
        budget_minutes=budget,
        minutes_per_item=minutes_per_item,
        scheduled=sorted(items, key=lambda i: (i.due, i.question)),
    )


def learner_queue(
    store: EventStore,
    course: Course,
    actor: str,
    day: dt.date,
    **options: float | int | None,
) -> ReviewQueue:
    """:func:`review_queue` over the events of ``actor`` read from ``store``."""
    events = store.read(course=course.id, actor=actor, verb="answered")
    return review_queue(events, course, actor, day, **options)  # type: ignore[arg-type]
