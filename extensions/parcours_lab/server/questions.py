"""The panel's "Une question ?" endpoints (JSON; the learner is always the server's user).

``GET parcours/api/questions?course=<id>``
    the form's texts, the course's commitment, her unread answers, her questions and the
    course's public ones (never who asked);
``GET parcours/api/questions/suggest?course=<id>&q=<text>``
    similar questions while she types;
``GET parcours/api/questions/show?course=<id>&id=<question>``
    one question with its answers (read from now);
``POST parcours/api/questions/ask``
    ``{"course", "title", "body", "code", "activity", "notebook", "cell", "public",
    "mail"}``;
``POST parcours/api/questions/follow``  ``{"course", "id"}``;
``POST parcours/api/questions/answer``  ``{"course", "id", "body"}``: a classmate answers
    (anonymously to the others), the staff in their name;
``POST parcours/api/questions/endorse``  ``{"course", "answer"}``: the staff endorse;
``GET parcours/api/questions/staff``
    the courses whose questions she answers as staff (she teaches or tutors them): the
    panel lists their questions, the most urgent first.

One machine: the course's desk (:mod:`parcours.tutoring.desk`) runs here over the store
of ``events_url``. On the hub this server reads no course data: each call goes to the
Parcours service (``api/courses/<id>/questions…``) with the server's own token.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from parcours.i18n import _, language
from tornado import web

from .panel import PanelHandler


def texts(lang: str) -> dict[str, str]:
    """The form's labels in ``lang`` (the panel holds no text)."""
    with language(lang):
        return {
            "heading": _("A question?"),
            "title": _("Your question"),
            "body": _("Details (Markdown)"),
            "code": _("Code excerpt (optional)"),
            "public": _("Show it to my classmates (without my name)"),
            "mail": _("E-mail me when a tutor or teacher answers"),
            "send": _("Ask"),
            "similar": _("Similar questions already asked:"),
            "follow": _("Follow this one"),
            "following": _("You follow this question: its answers will count as unread."),
            "asked": _("Your question is sent."),
            "mine": _("My questions"),
            "open": _("Read"),
            "no_question": _("No question yet."),
            "answers": _("Answers"),
            "endorsed": _("endorsed by the tutors"),
            "state_asked": _("waiting for an answer"),
            "state_answered": _("answered"),
            "state_resolved": _("resolved"),
            "your_answer": _("Your answer (Markdown)"),
            "send_answer": _("Send my answer"),
            "answer_sent": _("Your answer is sent."),
            "endorse": _("Endorse this answer"),
            "endorsed_now": _("Answer endorsed."),
            "staff_heading": _("Questions to answer"),
            "course_questions": _("Questions of the course"),
            "asked_by": _("asked by"),
            "late": _("over the delay"),
            "near": _("due soon"),
        }


def commitment_text(commitment: dict[str, Any], lang: str) -> str:
    """ "A tutor answers within 24 working hours (Monday to Friday, 09:00-18:00)"."""
    from babel.dates import get_day_names
    from parcours.course.tutoring import WEEKDAYS
    from parcours.i18n import number
    from parcours.i18n.display import zone_label

    names = get_day_names("wide", locale=lang)
    days = [names[WEEKDAYS.index(day)] for day in commitment["working_days"]]
    zone = commitment.get("timezone") or "UTC"  # the hours are the course's: its zone named
    with language(lang):
        return _(
            "A tutor or teacher answers within {hours} working hours ({days}, "
            "{starts}-{ends}, {zone})."
        ).format(
            hours=number(commitment["response_hours"], lang, decimals=1),
            days=", ".join(days),
            starts=commitment["day_starts"],
            ends=commitment["day_ends"],
            zone=zone_label(datetime.now(UTC), zone, lang),
        )


class QuestionsRelay(PanelHandler):
    """What the endpoints share: the learner's course and where the desk is."""

    def where(self, course_id: Any) -> tuple[Any, str, Any, Any]:
        """(config, me, the hub client or None, the course: None on the hub — the service
        says who may read its questions: learners, teachers and the manifest's tutors —
        else the manifest of one of her courses, or of one she teaches or tutors)."""
        config, me = self.setup()
        client = self.client(config)
        if client is not None:
            if not isinstance(course_id, str) or not course_id:
                raise web.HTTPError(400, _("Give the course id as 'course'."))
            return config, me, client, None
        staffed = {c.id: c for c in staff_courses(config, me)}
        course = staffed.get(course_id) or self.course(config, me, course_id)
        return config, me, None, course

    @staticmethod
    def desk(config: Any, me: str, course: Any) -> tuple[Any, Any]:
        from parcours.tutoring import open_tutoring
        from parcours.tutoring.desk import Desk, Reader, is_staff

        store = open_tutoring(config.events_url)
        desk = Desk(store, course, near_hours=config.tutoring_near_hours)
        return desk, Reader(me, is_staff(course, me), course.language)


class OverviewHandler(QuestionsRelay):
    @web.authenticated
    async def get(self) -> None:
        course_id = self.get_argument("course", "")
        config, me, client, course = self.where(course_id)

        def work() -> dict[str, Any]:
            base = f"api/courses/{quote(course_id)}/questions"
            if client is not None:
                listed = client.json("GET", base, "questions")
                unread = client.json("GET", base + "/unread", "questions")
                lang, staff = listed["lang"], listed["staff"]
            else:
                desk, reader = self.desk(config, me, course)
                listed = {"questions": desk.questions(reader), "commitment": desk.commitment()}
                unread = desk.unread(reader)
                lang, staff = course.language, reader.staff
            return {
                "texts": texts(lang),
                "commitment": commitment_text(listed["commitment"], lang),
                "unread": unread["unread"],
                "questions": listed["questions"],
                "staff": staff,
            }

        await self.answer(work)


class SuggestHandler(QuestionsRelay):
    @web.authenticated
    async def get(self) -> None:
        course_id, text = self.get_argument("course", ""), self.get_argument("q", "")
        config, me, client, course = self.where(course_id)

        def work() -> dict[str, Any]:
            if client is not None:
                path = f"api/courses/{quote(course_id)}/questions/suggest?q={quote(text)}"
                return dict(client.json("GET", path, "suggestions"))
            desk, reader = self.desk(config, me, course)
            return {"suggestions": desk.suggest(reader, text)}

        await self.answer(work)


class ShowHandler(QuestionsRelay):
    @web.authenticated
    async def get(self) -> None:
        course_id, ident = self.get_argument("course", ""), self.get_argument("id", "")
        config, me, client, course = self.where(course_id)

        def work() -> dict[str, Any]:
            if client is not None:
                path = f"api/courses/{quote(course_id)}/questions/{quote(ident)}"
                return dict(client.json("GET", path, "question"))
            desk, reader = self.desk(config, me, course)
            return desk.show(reader, ident)

        await self.answer(work)


class AskHandler(QuestionsRelay):
    @web.authenticated
    async def post(self) -> None:
        body = self.body()
        course_id = body.pop("course", "")
        config, me, client, course = self.where(course_id)

        def work() -> dict[str, Any]:
            if client is not None:
                path = f"api/courses/{quote(str(course_id))}/questions"
                return dict(client.json("POST", path, "question", body))
            desk, reader = self.desk(config, me, course)
            return desk.ask(reader, body)

        await self.answer(work)


class FollowHandler(QuestionsRelay):
    @web.authenticated
    async def post(self) -> None:
        body = self.body()
        course_id, ident = body.get("course", ""), str(body.get("id", ""))
        config, me, client, course = self.where(course_id)

        def work() -> dict[str, Any]:
            if client is not None:
                path = f"api/courses/{quote(str(course_id))}/questions/{quote(ident)}/follow"
                return dict(client.json("POST", path, "follow", {}))
            desk, reader = self.desk(config, me, course)
            return desk.follow(reader, ident)

        await self.answer(work)


class AnswerHandler(QuestionsRelay):
    @web.authenticated
    async def post(self) -> None:
        body = self.body()
        course_id, ident = body.get("course", ""), str(body.get("id", ""))
        config, me, client, course = self.where(course_id)
        text = {"body": body.get("body")}

        def work() -> dict[str, Any]:
            if client is not None:
                path = f"api/courses/{quote(str(course_id))}/questions/{quote(ident)}/answers"
                return dict(client.json("POST", path, "answer", text))
            desk, reader = self.desk(config, me, course)
            return desk.answer(reader, ident, text["body"])

        await self.answer(work)


class EndorseHandler(QuestionsRelay):
    @web.authenticated
    async def post(self) -> None:
        body = self.body()
        course_id, ident = body.get("course", ""), str(body.get("answer", ""))
        config, me, client, course = self.where(course_id)

        def work() -> dict[str, Any]:
            if client is not None:
                path = f"api/courses/{quote(str(course_id))}/answers/{quote(ident)}/endorse"
                return dict(client.json("POST", path, "endorse", {}))
            desk, reader = self.desk(config, me, course)
            return desk.endorse(reader, ident)

        await self.answer(work)


def staff_courses(config: Any, me: str) -> list[Any]:
    """One machine: the courses whose manifest names ``me`` a teacher or a tutor."""
    from parcours.course.load import list_courses
    from parcours.tutoring.desk import is_staff

    return [c for c in list_courses(config.courses_dir) if is_staff(c, me)]


class StaffHandler(PanelHandler):
    @web.authenticated
    async def get(self) -> None:
        config, me = self.setup()
        client = self.client(config)

        def work() -> dict[str, Any]:
            if client is not None:
                return dict(client.json("GET", "api/questions/staff", "questions to answer"))
            return {
                "courses": [
                    {"id": c.id, "title": c.title, "language": c.language}
                    for c in staff_courses(config, me)
                ]
            }

        await self.answer(work)


#: path under the server's base URL -> handler
HANDLERS = {
    "parcours/api/questions": OverviewHandler,
    "parcours/api/questions/suggest": SuggestHandler,
    "parcours/api/questions/show": ShowHandler,
    "parcours/api/questions/ask": AskHandler,
    "parcours/api/questions/follow": FollowHandler,
    "parcours/api/questions/answer": AnswerHandler,
    "parcours/api/questions/endorse": EndorseHandler,
    "parcours/api/questions/staff": StaffHandler,
}
