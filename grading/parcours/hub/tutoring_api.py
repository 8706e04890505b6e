"""Tutoring through the Parcours service (:mod:`.service`): a course's questions and
answers, for its learners and its staff (the manifest's ``teachers`` and ``tutors``),
always as the token's user (:mod:`parcours.tutoring.desk` decides what each may do).

``GET api/courses/<course>/questions[?mine=1]``
    the questions the asker may read (and ``staff``: whether she answers as staff): for
    the staff, every question, open ones nearest to or over the delay first, with the
    asker's name; for a learner, the course's public questions (never who asked) and her
    own, newest first, with her unread answers.
``POST api/courses/<course>/questions``
    ask: ``{"title", "body", "code", "activity", "notebook", "cell", "public"}``.
``GET api/courses/<course>/questions/suggest?q=<text>``
    similar questions she may read, while she types.
``GET api/courses/<course>/questions/unread``, ``GET api/questions/unread``
    her unread answers in one course, in all of hers.
``GET api/questions/staff``
    the courses whose questions she answers as staff (teaches, or tutors: ``tutors``).
``GET api/courses/<course>/questions/<id>``
    one question with its answers (read by her from now).
``POST api/courses/<course>/questions/<id>/answers``
    answer: ``{"body"}`` (the staff in their name, a classmate anonymously); a staff
    answer is e-mailed to who asked for it (``"mail": true`` when asking).
``POST api/courses/<course>/questions/<id>/(resolve|follow|answered|public|private|merge)``
    the asker or the staff resolve; a learner follows; the staff mark answered, make
    public or private, merge into ``{"into": <id>}``.
``POST api/courses/<course>/answers/<id>/endorse``
    the staff endorse an answer.

Who asks and what she learns or teaches come from her token's scopes
(:mod:`.scopes`); a course's tutors from its manifest (``tutors``). A course the asker
neither learns nor teaches nor tutors is 404, as elsewhere in the service; a private
question of another learner is 404 too (its existence is not told).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import tornado.ioloop
import tornado.web

from ..errors import ParcoursError
from ..i18n import _, choose_language
from .service import ServiceHandler

_stores: dict[str, Any] = {}
_stores_lock = threading.Lock()
#: each course's working clock, kept while its manifest says the same (its running
#: totals make the next request's due times cheap)
_clocks: dict[tuple[str, str, str], Any] = {}


def tutoring_store(config: Any) -> Any:
    """The service's tutoring store (beside its events: ``events_url``), kept open."""
    from ..tutoring import open_tutoring

    url = str(config.events_url)
    with _stores_lock:
        if url not in _stores:
            _stores[url] = open_tutoring(url)
        return _stores[url]


def working_clock(course: Any) -> Any:
    """The working clock of ``course``, made once per manifest version."""
    from ..tutoring.clock import WorkingClock

    key = (course.id, course.timezone, course.tutoring.model_dump_json())
    with _stores_lock:
        if key not in _clocks:
            _clocks[key] = WorkingClock.of_course(course)
        return _clocks[key]


def _warm_up() -> None:
    """Load the public holidays' calendars (a second or two, once) before a learner's
    first question waits for them."""
    import datetime as dt

    from ..course.tutoring import Tutoring
    from ..tutoring.clock import WorkingClock

    clock = WorkingClock.of(Tutoring(), "Europe/Paris")
    clock.add(dt.datetime.now(dt.UTC), 24)


class TutoringHandler(ServiceHandler):
    """What every tutoring route shares: the desk of the course for the asking person."""

    async def desk(self, course_id: str) -> tuple[Any, Any]:
        """(the course's :class:`~parcours.tutoring.desk.Desk`, the asking
        :class:`~parcours.tutoring.desk.Reader`); 404 when she neither learns nor
        teaches nor tutors the course."""
        from ..tutoring.desk import Desk, Reader
        from .scopes import Access

        access = Access.of(self.current_user)  # the token's scopes say who she is
        if not access.is_person:
            raise tornado.web.HTTPError(403, _("a JupyterHub token is needed"))
        _people, courses = await self.the_class()
        name = access.name
        course = courses.get(course_id)
        # staff: the course's teachers (their scope) and its tutors (the manifest's
        # ``tutors``: no scope of their own yet)
        staff = course is not None and (access.may("teach", course_id) or name in course.tutors)
        if course is None or not (staff or access.may("learn", course_id)):
            raise tornado.web.HTTPError(
                404, _("no course '{course}' for {user}").format(course=course_id, user=name)
            )
        lang = choose_language(self.get_argument("lang", None), course.language)
        desk = Desk(
            tutoring_store(self.config),
            course,
            clock=working_clock(course),
            near_hours=float(getattr(self.config, "tutoring_near_hours", 4.0)),
        )
        return desk, Reader(name, staff, lang)

    async def work(self, action: Callable[[], Any]) -> Any:
        """Run ``action`` in the learners' pool; a refusal answers its own status."""
        from ..tutoring.desk import TutoringRefused

        loop = tornado.ioloop.IOLoop.current()
        try:
            return await loop.run_in_executor(self.pools.learners, action)
        except TutoringRefused as exc:
            raise tornado.web.HTTPError(exc.status, str(exc)) from None
        except ParcoursError as exc:
            self.fail(exc)
            raise tornado.web.Finish from exc


class QuestionsHandler(TutoringHandler):
    @tornado.web.authenticated
    async def get(self, course_id: str) -> None:
        desk, reader = await self.desk(course_id)
        mine = self.get_argument("mine", "") in ("1", "true")
        found = await self.work(lambda: desk.questions(reader, mine=mine))
        self.reply(
            {
                "questions": found,
                "commitment": desk.commitment(),
                "staff": reader.staff,
                "lang": reader.lang,
            }
        )

    @tornado.web.authenticated
    async def post(self, course_id: str) -> None:
        desk, reader = await self.desk(course_id)
        fields = self.json_body(dict, b"{}", _("the question: title, body, code, activity"))
        self.reply(await self.work(lambda: desk.ask(reader, fields)), 201)


class SuggestHandler(TutoringHandler):
    @tornado.web.authenticated
    async def get(self, course_id: str) -> None:
        desk, reader = await self.desk(course_id)
        text = self.get_argument("q", "")
        self.reply({"suggestions": await self.work(lambda: desk.suggest(reader, text))})


class CourseUnreadHandler(TutoringHandler):
    @tornado.web.authenticated
    async def get(self, course_id: str) -> None:
        desk, reader = await self.desk(course_id)
        self.reply(await self.work(lambda: desk.unread(reader)))


class StaffCoursesHandler(TutoringHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        from .scopes import Access

        access = Access.of(self.current_user)
        if not access.is_person:
            raise tornado.web.HTTPError(403, _("a JupyterHub token is needed"))
        _people, courses = await self.the_class()
        self.reply(
            {
                "courses": [
                    {
                        "id": c.id,
                        "title": c.title,
                        "language": c.language,
                        "role": "teacher" if access.may("teach", c.id) else "tutor",
                    }
                    for c in sorted(courses.values(), key=lambda c: c.id)
                    if access.may("teach", c.id) or access.name in c.tutors
                ]
            }
        )


class UnreadHandler(TutoringHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        store, name = tutoring_store(self.config), self.learner
        found = await self.work(lambda: store.unread(name))
        self.reply({"unread": sum(found.values()), "questions": found})


class QuestionHandler(TutoringHandler):
    @tornado.web.authenticated
    async def get(self, course_id: str, question: str) -> None:
        desk, reader = await self.desk(course_id)
        self.reply(await self.work(lambda: desk.show(reader, question)))


class AnswersHandler(TutoringHandler):
    @tornado.web.authenticated
    async def post(self, course_id: str, question: str) -> None:
        desk, reader = await self.desk(course_id)
        body = self.json_body(dict, b"{}", _("the answer: body")).get("body")
        answer = await self.work(lambda: desk.answer(reader, question, body))
        self.reply(answer, 201)
        if answer.get("staff"):  # e-mailed to who asked for it, after the reply
            self._mail(desk, answer)

    def _mail(self, desk: Any, answer: dict[str, Any]) -> None:
        from ..tutoring.remind import send_answer_mail

        config, log = self.config, self.log

        def send() -> None:
            try:
                sent = send_answer_mail(config, desk, answer)
            except ParcoursError as exc:  # the answer is kept; the mail is not retried
                log.warning("tutoring: %s", exc)
                return
            if sent:
                log.info("tutoring: answer %s e-mailed to %s", answer["id"], ", ".join(sent))

        tornado.ioloop.IOLoop.current().run_in_executor(self.pools.learners, send)


class QuestionActionHandler(TutoringHandler):
    @tornado.web.authenticated
    async def post(self, course_id: str, question: str, action: str) -> None:
        desk, reader = await self.desk(course_id)
        into = self.json_body(dict, b"{}", _("merge: into")).get("into")
        actions: dict[str, Callable[[], Any]] = {
            "resolve": lambda: desk.resolve(reader, question),
            "follow": lambda: desk.follow(reader, question),
            "answered": lambda: desk.mark_answered(reader, question),
            "public": lambda: desk.set_public(reader, question, True),
            "private": lambda: desk.set_public(reader, question, False),
            "merge": lambda: desk.merge(reader, question, into),
        }
        self.reply(await self.work(actions[action]))


class EndorseHandler(TutoringHandler):
    @tornado.web.authenticated
    async def post(self, course_id: str, answer: str) -> None:
        desk, reader = await self.desk(course_id)
        self.reply(await self.work(lambda: desk.endorse(reader, answer)))


def routes(prefix: str, name: str) -> list[tuple[str, type]]:
    """The tutoring routes under the service's ``prefix`` (``name``: an id's pattern);
    the fixed names come before ``<id>``. The holidays' calendars load beside the event
    loop meanwhile."""
    threading.Thread(target=_warm_up, name="tutoring-warm-up", daemon=True).start()
    course = prefix + rf"api/courses/{name}"
    return [
        (prefix + r"api/questions/unread", UnreadHandler),
        (prefix + r"api/questions/staff", StaffCoursesHandler),
        (course + r"/questions", QuestionsHandler),
        (course + r"/questions/suggest", SuggestHandler),
        (course + r"/questions/unread", CourseUnreadHandler),
        (course + rf"/questions/{name}", QuestionHandler),
        (course + rf"/questions/{name}/answers", AnswersHandler),
        (
            course + rf"/questions/{name}/(resolve|follow|answered|public|private|merge)",
            QuestionActionHandler,
        ),
        (course + rf"/answers/{name}/endorse", EndorseHandler),
    ]
