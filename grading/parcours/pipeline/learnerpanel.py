"""What the "Mon parcours" / "My path" panel shows a learner, as plain JSON-ready dicts.

Every function takes the learner's id from the caller (the server's user, never a request
parameter) and returns texts already in the learner's language (gettext), so that the
panel's TypeScript holds no text: dates travel as ISO 8601 with their offset, and the
browser writes them in the learner's own zone, naming it.

These functions run where the data is: in the learner's own server on one machine (the
pipeline's functions called directly), and in the Parcours service on the hub, for the
token's user (``GET api/panel``, ``…/panel/<part>``, the submission's receipt), since a
learner's server there reads neither the courses, the exchange nor the event store
(:mod:`parcours_lab.server.panel` sends each request to one or the other). :func:`fetched` and
:func:`feedback_fetched` word what was written into the learner's folder, wherever it
came from.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..i18n import _, language
from . import receipts

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course


def texts(lang: str) -> dict[str, str]:
    """Every label of the panel, in ``lang``."""
    with language(lang):
        return {
            "title": _("My path"),
            "refresh": _("Refresh"),
            "path": _("My lessons"),
            "done": _("completed"),
            "next": _("next up"),
            "todo": _("to do"),
            "version": _("my version"),
            "open_lesson": _("Open"),
            "deadlines": _("My assignments"),
            "opens": _("opens"),
            "due": _("due"),
            "extension": _("my extension until"),
            "zone": _("shown in my time zone"),
            "fetch": _("Fetch"),
            "submit": _("Hand in"),
            "feedback": _("Feedback"),
            "correction": _("Correction"),
            "reflection": _("Before you submit"),
            "reflection_prompt": _(
                "Take a minute: what was hardest in this assignment, and how sure are you "
                "of your answers?"
            ),
            "minutes": _("Minutes spent"),
            "difficulties": _("What was hard"),
            "confidence": _("Confidence (1 = not sure, 5 = very sure)"),
            "send_and_submit": _("Send and submit"),
            "cancel": _("Cancel"),
            "need_confidence": _("Choose how sure you are (1 to 5) first."),
            "review": _("My review today"),
            "review_empty": _("Nothing to review today."),
            "workload": _("My planned work this week"),
            "working": _("Working…"),
            "no_course": _("No course found for you."),
            "timeout": _(
                "The server took too long to answer: what is shown may be out of date. "
                "Try again with the Refresh button."
            ),
        }


# -- the courses and the path ---------------------------------------------------------


def my_courses(config: ParcoursConfig, learner: str) -> list[Course]:
    """The courses whose roster lists ``learner`` (a course without a roster is open to
    everyone), by id."""
    from ..course.load import list_courses
    from .roster import load_roster

    found = []
    for course in list_courses(config.courses_dir):
        roster = load_roster(config, course)
        if not roster.learners or learner in roster.learners:
            found.append(course)
    return found


def find(config: ParcoursConfig, learner: str, course_id: str) -> Course:
    """One of the learner's courses, or a bad-input error naming theirs."""
    from ..errors import BadInputError

    courses = my_courses(config, learner)
    for course in courses:
        if course.id == course_id:
            return course
    known = ", ".join(c.id for c in courses) or "-"
    raise BadInputError(
        _("'{course}' is not one of your courses ({known}).").format(course=course_id, known=known)
    )


def panel_view(
    config: ParcoursConfig, courses: list[Course], learner: str, lang: str
) -> dict[str, Any]:
    """The panel's first answer: its texts (in the first course's language, else
    ``lang``) and each course's path."""
    lang = courses[0].language if courses else lang
    return {
        "learner": learner,
        "lang": lang,
        "texts": texts(lang),
        "courses": [path_view(config, c, learner, c.language) for c in courses],
    }


def _my_events(config: ParcoursConfig, course: Course, actor: str) -> list[Any]:
    from ..store import open_store

    with open_store(config.events_url) as store:
        return list(store.read(course=course.id, actor=actor))


def path_view(config: ParcoursConfig, course: Course, learner: str, lang: str) -> dict[str, Any]:
    """The course's lessons in order: done (completed), the next one, the A/B version the
    learner was shown (from their own 'opened' events)."""
    from ..store.ids import own_actor

    events = _my_events(config, course, own_actor(learner, config))
    done = {e.object_id for e in events if e.verb == "completed" and e.object_type == "lesson"}
    versions = {
        e.object_id: e.extra_dict.get("version", "")
        for e in events
        if e.verb == "opened" and e.object_type == "lesson"
    }
    lessons, next_found = [], False
    for module in course.modules:
        for lesson in module.lessons:
            state = "done" if lesson.id in done else "todo"
            if state == "todo" and not next_found:
                state, next_found = "next", True
            notebook = (versions.get(lesson.id) and lesson.versions.get(versions[lesson.id])) or (
                lesson.notebook
            )
            version = versions.get(lesson.id, "")
            with language(lang):
                version_text = (
                    _("(my version: {version})").format(version=version) if version else ""
                )
            lessons.append(
                {
                    "version_text": version_text,
                    "id": lesson.id,
                    "title": lesson.title,
                    "module": module.title,
                    "minutes": lesson.minutes,
                    "state": state,
                    "version": versions.get(lesson.id, ""),
                    "notebook": f"{course.id}/{notebook}",
                }
            )
    with language(lang):
        summary = _("{done} of {total} lessons done").format(
            done=sum(1 for item in lessons if item["state"] == "done"), total=len(lessons)
        )
    return {"course": course.id, "title": course.title, "summary": summary, "lessons": lessons}


# -- assignments ----------------------------------------------------------------------


def _status_text(status: str, lang: str) -> str:
    with language(lang):
        return {
            "upcoming": _("upcoming (not released yet)"),
            "not_open": _("released, opens later"),
            "open": _("open, to hand in"),
            "submitted": _("handed in"),
            "late": _("handed in late"),
            "overdue": _("overdue, not handed in"),
        }.get(status, status)


def deadlines_view(
    config: ParcoursConfig, course: Course, learner: str, lang: str
) -> dict[str, Any]:
    """The learner's assignments: dates (ISO, with the assignment's zone), extension,
    status in words, what they may do now, and the lateness a submission now would have."""
    from .deadlines import learner_deadlines

    rows = [row.as_json() for row in learner_deadlines(config, course, learner)]
    shown = []
    for row in rows:
        own_due = dt.datetime.fromisoformat(row["extension"] or row["due"])
        released = row["status"] != "upcoming"
        handed_in = row["status"] in ("submitted", "late")
        shown.append(
            row
            | {
                "status_text": _status_text(row["status"], lang),
                "late_warning": receipts.late_warning(course, row["assignment"], own_due, lang)
                if released
                else "",
                "can_fetch": released and row["status"] != "not_open",
                "can_submit": released and row["status"] != "not_open",
                "can_feedback": handed_in,
                "can_correction": bool(row["correction_available"]),
            }
        )
    return {
        "course": course.id,
        "learner": learner,
        "timezone": course.timezone,
        "assignments": shown,
    }


def fetched(folder: Path, into: Path, lang: str) -> dict[str, Any]:
    """What a fetch into ``folder`` (inside the learner's folder ``into``) tells the
    panel: the notebooks to open, relative to ``into``."""
    notebooks = sorted(
        str(p.relative_to(into.resolve()))
        for p in folder.glob("*.ipynb")
        if not p.name.startswith(".")
    )
    with language(lang):
        message = _("Fetched into {folder}.").format(folder=folder.relative_to(into.resolve()))
    return {"message": message, "open": notebooks}


def fetch_view(
    config: ParcoursConfig, course: Course, assignment: str, learner: str, into: Path, lang: str
) -> dict[str, Any]:
    """Fetch an assignment or its correction (``<id>-correction``) into
    ``<into>/<course>/<assignment>``; the notebooks to open, relative to ``into``."""
    from .exchange import fetch

    folder = fetch(config, course, assignment, learner=learner, into=into)
    return fetched(folder, into, lang)


#: the fields of a receipt (:func:`parcours.pipeline.receipts.receipt`)
RECEIPT = receipts.RECEIPT


def own_due(config: ParcoursConfig, course: Course, assignment: str, learner: str) -> dt.datetime:
    """The learner's own due date of ``assignment``: their extension, else the course's."""
    from .deadlines import find_assignment, load_extensions

    extended = load_extensions(config, course).get((assignment, learner))
    return extended or course.due(find_assignment(course, assignment))


def submit_view(
    config: ParcoursConfig, course: Course, assignment: str, learner: str, into: Path, lang: str
) -> dict[str, Any]:
    """Submit ``<into>/<course>/<assignment>``: its receipt (worded by
    :mod:`parcours.pipeline.receipts`)."""
    from .exchange import submit

    sent = submit(config, course, assignment, learner=learner, into=into)
    left_out = sent.weighed.describe(lang) if sent.weighed and sent.weighed.left_out else ""
    return receipts.submitted_receipt(config, course, assignment, learner, left_out, lang)


def feedback_fetched(pages: list[Path], into: Path, lang: str) -> dict[str, Any]:
    """What fetching feedback tells the panel: the pages to open, relative to ``into``."""
    with language(lang):
        message = _("Feedback fetched.") if pages else _("No feedback on this assignment yet.")
    return {"message": message, "open": [str(p.relative_to(into.resolve())) for p in pages]}


def feedback_view(
    config: ParcoursConfig, course: Course, assignment: str, learner: str, into: Path, lang: str
) -> dict[str, Any]:
    """Fetch the feedback on the learner's submission; the pages to open."""
    from .exchange import fetch_feedback

    pages = fetch_feedback(config, course, assignment, learner=learner, into=into)
    return feedback_fetched(pages, into, lang)


# -- review and workload --------------------------------------------------------------


def review_view(
    config: ParcoursConfig, course: Course, learner: str, lang: str, day: dt.date | None = None
) -> dict[str, Any]:
    """Today's spaced-repetition queue (FSRS, within the day's workload)."""
    from zoneinfo import ZoneInfo

    from ..review import learner_queue
    from ..store import open_store
    from ..store.ids import own_actor
    from .records import now_utc

    day = day or now_utc().astimezone(ZoneInfo(course.timezone)).date()
    actor = own_actor(learner, config)
    with open_store(config.events_url) as store:
        queue = learner_queue(store, course, actor, day)
    lessons = {lesson.id: lesson for module in course.modules for lesson in module.lessons}

    def line(item: Any) -> str:
        title = lessons[item.lesson].title if item.lesson in lessons else item.lesson
        with language(lang):
            return _("{lesson}: question {question}").format(lesson=title, question=item.question)

    items = [
        {
            "text": line(item),
            "question": item.question,
            "lesson": item.lesson,
            "lesson_title": lessons[item.lesson].title if item.lesson in lessons else item.lesson,
            "notebook": f"{course.id}/{lessons[item.lesson].notebook}"
            if item.lesson in lessons
            else "",
        }
        for item in queue.items
    ]
    with language(lang):
        summary = (
            _("{count} question(s) to review today, about {minutes} min.").format(
                count=len(items), minutes=round(queue.minutes)
            )
            if items
            else _("Nothing to review today.")
        )
    return {"course": course.id, "summary": summary, "items": items}


def workload_view(
    config: ParcoursConfig, course: Course, learner: str, lang: str, day: dt.date | None = None
) -> dict[str, Any]:
    """The learner's planned minutes for each day of this week (Monday to Sunday) in the
    course (the rule of :func:`parcours.review.planned_minutes`: each
    assignment's minutes spread from the day it opens to the day it is due), against the
    course's weekly limit."""
    from zoneinfo import ZoneInfo

    from babel.dates import format_date

    from ..review import planned_minutes
    from .records import now_utc

    day = day or now_utc().astimezone(ZoneInfo(course.timezone)).date()
    monday = day - dt.timedelta(days=day.weekday())
    days: list[dict[str, Any]] = []
    for offset in range(7):
        date = monday + dt.timedelta(days=offset)
        minutes = round(planned_minutes(course, date))
        label = format_date(date, "EEEE d MMMM", locale=lang)
        with language(lang):
            line = _("{day}: {minutes} min").format(day=label, minutes=minutes)
        days.append(
            {
                "text": line,
                "date": date.isoformat(),
                "label": label,
                "minutes": minutes,
                "today": date == day,
            }
        )
    total = sum(int(d["minutes"]) for d in days)
    limit = round(course.workload.hours_per_week * 60)
    with language(lang):
        summary = _("{total} min planned this week (limit {limit} min).").format(
            total=total, limit=limit
        )
        if total > limit:
            summary += " " + _("This week is over the limit: tell your teacher.")
    return {"course": course.id, "summary": summary, "days": days, "limit_minutes": limit}


def badges_view(config: ParcoursConfig, course: Course, learner: str, lang: str) -> dict[str, Any]:
    """Her badges of ``course``: held (each with its public page) and still to earn;
    those she has just earned are issued as she looks (:mod:`parcours.badges.mine`)."""
    from ..badges.mine import badges_view as view

    return view(config, course, learner, lang)
