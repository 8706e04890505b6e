"""The tutoring desk of one course: what a learner, a classmate or the course's staff
(teachers and tutors) may do with its questions, and what each of them reads.

Plain functions over a :class:`~.store.TutoringStore` and the course: the Parcours
service calls them with the person its token names (:mod:`parcours.hub.tutoring_api`),
the CLI with the tutor running it. Every refusal is a :class:`TutoringRefused` whose
``status`` is the HTTP answer (404: no such question *for you* — a private question of
another learner is not said to exist; 403: you may read it but not do that; 400: what
you sent is wrong).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError
from ..i18n import _
from .clock import WorkingClock
from .model import (
    BODY_MAX,
    CODE_MAX,
    TITLE_MAX,
    Answer,
    Question,
    answer_view,
    question_view,
)
from .store import TutoringStore, new_id

if TYPE_CHECKING:
    from ..course.model import Course

#: how long a place (notebook, cell) may be, in characters
PLACE_MAX = 500


class TutoringRefused(BadInputError):
    """A tutoring request refused; ``status`` is its HTTP status (400, 403 or 404)."""

    status = 400

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Reader:
    """Who asks: a hub name, whether she is on the course's staff, her language."""

    name: str
    staff: bool = False
    lang: str | None = None


def is_staff(course: Course, name: str) -> bool:
    """Whether ``name`` teaches or tutors ``course`` (the manifest's ``teachers`` and
    ``tutors``)."""
    return name in course.teachers or name in course.tutors


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Desk:
    """The questions of ``course`` in ``store``; ``now`` is the clock (tests set it)."""

    def __init__(
        self,
        store: TutoringStore,
        course: Course,
        *,
        clock: WorkingClock | None = None,
        now: Callable[[], dt.datetime] = _utcnow,
        near_hours: float = 4.0,
    ) -> None:
        self.store = store
        self.course = course
        self.clock = clock or WorkingClock.of_course(course)
        self.now = now
        #: working hours before its due time from which a question is "near the delay"
        self.near_hours = near_hours

    @property
    def response_hours(self) -> float:
        """The commitment: working hours to a first staff answer."""
        return float(self.course.tutoring.response_hours)

    def commitment(self) -> dict[str, Any]:
        """The course's commitment as learners are told it (JSON-ready)."""
        tutoring = self.course.tutoring
        return {
            "response_hours": self.response_hours,
            "working_days": list(tutoring.working_days),
            "day_starts": tutoring.day_starts,
            "day_ends": tutoring.day_ends,
            "holidays": tutoring.holidays,
            "timezone": self.course.timezone,
        }

    # -- checks -------------------------------------------------------------------------
    def _readable(self, reader: Reader, question_id: str) -> Question:
        """The question, if ``reader`` may read it (404 otherwise: a private question of
        another learner is not said to exist)."""
        found = self.store.question(self.course.id, question_id)
        if found is None or not (reader.staff or found.public or found.author == reader.name):
            raise TutoringRefused(
                _("no question '{question}' in the course '{course}' for {user}").format(
                    question=question_id, course=self.course.id, user=reader.name
                ),
                404,
            )
        return found

    def _staff_only(self, reader: Reader, what: str) -> None:
        if not reader.staff:
            raise TutoringRefused(
                _("{user} may not {what}: only the teachers and tutors of '{course}' can").format(
                    user=reader.name, what=what, course=self.course.id
                ),
                403,
            )

    @staticmethod
    def _text(value: Any, name: str, most: int, *, needed: bool = False) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise TutoringRefused(_("'{name}' must be text").format(name=name))
        value = value.strip()
        if needed and not value:
            raise TutoringRefused(_("'{name}' is empty: write your question").format(name=name))
        if len(value) > most:
            raise TutoringRefused(
                _("'{name}' is too long: {most} characters at most").format(name=name, most=most)
            )
        return value

    # -- the clock ----------------------------------------------------------------------
    def due(self, question: Question) -> dt.datetime:
        """When a first staff answer to ``question`` is due (the commitment)."""
        return self.clock.add(question.asked_at, self.response_hours)

    def remaining_hours(self, question: Question, now: dt.datetime | None = None) -> float:
        """Working hours left before ``question`` is due (negative once over)."""
        now = now or self.now()
        due = self.due(question)
        if now <= due:
            return self.clock.hours_between(now, due)
        return -self.clock.hours_between(due, now)

    def _staff_view(self, question: Question, reader: Reader, now: dt.datetime) -> dict[str, Any]:
        view = question_view(question, reader.name, True, due=self.due(question), lang=reader.lang)
        if question.first_staff_at is None and question.state == "asked":
            left = self.remaining_hours(question, now)
            view.update(remaining_hours=round(left, 2), near=left <= self.near_hours, late=left < 0)
        else:
            view.update(remaining_hours=None, near=False, late=False)
        if question.first_staff_at is not None:
            view["first_response_hours"] = round(
                self.clock.hours_between(question.asked_at, question.first_staff_at), 2
            )
        return view

    # -- a learner's side ---------------------------------------------------------------
    def ask(self, reader: Reader, fields: dict[str, Any]) -> dict[str, Any]:
        """``reader`` asks a question: ``title``, optional ``body``, ``code``, and where
        from (``activity``: a lesson or an assignment of the course, ``notebook``,
        ``cell``); ``public`` (default true) shows it to her classmates, without her
        name; ``mail`` (default false): she is e-mailed when the staff answer it
        (:func:`.remind.send_answer_mail`)."""
        activity = self._text(fields.get("activity"), "activity", 64)
        known = {lesson.id for lesson in self.course.lessons}
        known |= {a.id for a in self.course.assignments}
        if activity and activity not in known:
            raise TutoringRefused(
                _("'{activity}' is no lesson or assignment of '{course}'").format(
                    activity=activity, course=self.course.id
                )
            )
        question = Question(
            id=new_id("q"),
            course=self.course.id,
            author=reader.name,
            title=self._text(fields.get("title"), "title", TITLE_MAX, needed=True),
            body=self._text(fields.get("body"), "body", BODY_MAX),
            code=self._text(fields.get("code"), "code", CODE_MAX),
            activity=activity,
            notebook=self._text(fields.get("notebook"), "notebook", PLACE_MAX),
            cell=self._text(fields.get("cell"), "cell", PLACE_MAX),
            public=bool(fields.get("public", True)),
            asked_at=self.now(),
        )
        self.store.ask(question, mail=bool(fields.get("mail", False)))
        return self.show(reader, question.id)

    def suggest(self, reader: Reader, text: str, limit: int = 5) -> list[dict[str, Any]]:
        """Questions of the course ``reader`` may read that look like ``text``."""
        text = self._text(text, "q", TITLE_MAX + BODY_MAX)
        return [
            {
                "id": q.id,
                "title": q.title,
                "state": q.state,
                "mine": q.author == reader.name,
                "activity": q.activity,
            }
            for q in self.store.suggest(self.course.id, text, reader.name, limit)
        ]

    def follow(self, reader: Reader, question_id: str) -> dict[str, Any]:
        """``reader`` follows a question instead of asking it again."""
        question = self._readable(reader, question_id)
        self.store.follow(question.id, reader.name, self.now())
        return {"following": question.id}

    def unread(self, reader: Reader) -> dict[str, Any]:
        """How many answers ``reader`` has not read, in all and per question."""
        per_question = self.store.unread(reader.name, self.course.id)
        return {"unread": sum(per_question.values()), "questions": per_question}

    # -- everyone -----------------------------------------------------------------------
    def questions(self, reader: Reader, *, mine: bool = False) -> list[dict[str, Any]]:
        """The questions ``reader`` may read. For the staff, the open ones first, those
        nearest to or over the delay at the top; for a learner, the newest first (the
        course's public ones and her own; ``mine``: only hers)."""
        now = self.now()
        if reader.staff and not mine:
            found = self.store.questions(self.course.id)
            views = [self._staff_view(q, reader, now) for q in found]
            rank = {"asked": 0, "answered": 1, "resolved": 2}

            def urgency(view: dict[str, Any]) -> tuple[int, float, str]:
                left = view["remaining_hours"]
                return (rank[view["state"]], left if left is not None else 0.0, view["asked_at"])

            return sorted(views, key=urgency)
        found = self.store.questions(
            self.course.id, reader=reader.name, author=reader.name if mine else None
        )
        unread = self.store.unread(reader.name, self.course.id)
        views = []
        for question in reversed(found):
            view = question_view(question, reader.name, reader.staff, lang=reader.lang)
            view["unread"] = unread.get(question.id, 0)
            views.append(view)
        return views

    def show(self, reader: Reader, question_id: str) -> dict[str, Any]:
        """A question and its answers as ``reader`` may read them; she has read them now."""
        question = self._readable(reader, question_id)
        now = self.now()
        if reader.staff:
            view = self._staff_view(question, reader, now)
        else:
            view = question_view(question, reader.name, False, lang=reader.lang)
        view["answers"] = [
            answer_view(a, reader.name, reader.staff, reader.lang)
            for a in self.store.answers(question.id)
        ]
        self.store.mark_read(question.id, reader.name, now)
        return view

    def answer(self, reader: Reader, question_id: str, body: Any) -> dict[str, Any]:
        """``reader`` answers: the staff in their name (the first staff answer stops the
        question's clock), a classmate anonymously to the others."""
        question = self._readable(reader, question_id)
        if question.merged_into:
            question = self._readable(reader, question.merged_into)
        answer = Answer(
            id=new_id("a"),
            question=question.id,
            course=self.course.id,
            author=reader.name,
            body=self._text(body, "body", BODY_MAX, needed=True),
            at=self.now(),
            staff=reader.staff,
        )
        self.store.answer(answer)
        return answer_view(answer, reader.name, reader.staff, reader.lang)

    def resolve(self, reader: Reader, question_id: str) -> dict[str, Any]:
        """The asker or the staff close a question."""
        question = self._readable(reader, question_id)
        if question.author != reader.name:
            self._staff_only(reader, _("resolve another learner's question"))
        self.store.resolve(question.id, self.now(), reader.name)
        return self.show(reader, question.id)

    # -- the staff ----------------------------------------------------------------------
    def mark_answered(self, reader: Reader, question_id: str) -> dict[str, Any]:
        """The staff say a question is answered (its clock stops now)."""
        self._staff_only(reader, _("mark a question answered"))
        question = self._readable(reader, question_id)
        self.store.mark_answered(question.id, self.now(), reader.name)
        return self.show(reader, question.id)

    def endorse(self, reader: Reader, answer_id: str) -> dict[str, Any]:
        """The staff endorse an answer (a classmate's, typically)."""
        self._staff_only(reader, _("endorse an answer"))
        answer = self.store.answer_of(self.course.id, answer_id)
        if answer is None:
            raise TutoringRefused(
                _("no answer '{answer}' in the course '{course}'").format(
                    answer=answer_id, course=self.course.id
                ),
                404,
            )
        self.store.endorse(answer, self.now(), reader.name)
        return self.show(reader, answer.question)

    def merge(self, reader: Reader, question_id: str, into: Any) -> dict[str, Any]:
        """The staff merge a duplicate into another question of the course."""
        self._staff_only(reader, _("merge questions"))
        duplicate = self._readable(reader, question_id)
        target = self._readable(reader, self._text(into, "into", 64, needed=True))
        if target.id == duplicate.id or target.merged_into:
            raise TutoringRefused(
                _("merge '{question}' into another question that is not merged itself").format(
                    question=duplicate.id
                )
            )
        self.store.merge(duplicate.id, target.id)
        return self.show(reader, target.id)

    def set_public(self, reader: Reader, question_id: str, public: bool) -> dict[str, Any]:
        """The staff make a question public to the course, or private."""
        self._staff_only(reader, _("change who reads a question"))
        question = self._readable(reader, question_id)
        self.store.set_public(question.id, public)
        return self.show(reader, question.id)
