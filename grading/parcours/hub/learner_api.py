"""The learner's side of the Parcours service (:mod:`.service`): events, deadlines,
fetch, submit, the on-submit result, feedback, the exchange listing of nbgrader's
Assignments panel, and the "Mon parcours" panel's views — always for the token's user.

Every file and database access runs in the service's pools (learners' work in the
learners' pool, never behind a teacher's command); the history of a fetch or a submission
is written after it landed (:meth:`.service.ServiceHandler.remember`)."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

import tornado.web

from ..errors import ParcoursError
from ..i18n import _
from .scopes import needs_scope
from .service import WAITERS, ServiceHandler, grader, learner_cache, pack, unpack

log = logging.getLogger("parcours.service")

#: the events' writer (:mod:`.eventwriter`), made on the first batch: one thread, the
#: batches posted meanwhile written together (one transaction per batch kept 1,000
#: learners' batches waiting up to 8 s at a deadline, and their connections the others')
_events_writer: Any = None


def events_writer(config: Any, pool: Any) -> Any:
    """The service's events writer, writing in ``pool`` (the events thread)."""
    global _events_writer
    if _events_writer is None:
        from .eventwriter import EventsWriter

        def opened() -> Any:
            from ..store import open_store

            return open_store(config.events_url)

        _events_writer = EventsWriter(opened, pool)
    return _events_writer


class EventsHandler(ServiceHandler):
    @needs_scope("person")
    async def post(self) -> None:
        from ..store.events import Event
        from ..store.ids import pseudonymize

        most = int(self.config.service_max_events)
        batch = self.json_body(list, b"[]", f"of at most {most} events")
        if len(batch) > most:
            raise tornado.web.HTTPError(
                400, _("send a JSON array of at most {most} events").format(most=most)
            )
        actor = pseudonymize(self.learner, self.config.pseudonym_salt)
        events = []
        for item in batch:
            if not isinstance(item, dict):
                raise tornado.web.HTTPError(400, _("each event must be a JSON object"))
            item = {**item, "actor": actor, "self_reported": 1}  # the token says who
            try:
                events.append(Event.from_dict(item))
            except (ParcoursError, TypeError, ValueError) as exc:
                raise tornado.web.HTTPError(
                    400, _("event {event}: {error}").format(event=item.get("id", "?"), error=exc)
                ) from None

        try:
            recorded = await events_writer(self.config, self.pools.events).record(events)
        except ParcoursError as exc:
            self.fail(exc)
            return
        self.reply({"recorded": recorded, "received": len(events)})

    @needs_scope("person")
    async def get(self) -> None:
        from ..store.base import EventFilter
        from ..store.ids import SELF, pseudonymize

        config = self.config
        wanted = EventFilter(
            actor=pseudonymize(self.learner, config.pseudonym_salt),
            verb=self.get_argument("verb", None),
            course=self.get_argument("course", None),
            lesson=self.get_argument("lesson", None),
        )

        def work() -> list[dict[str, Any]]:
            from ..store import open_store

            with open_store(config.events_url) as store:
                # the learner's own events, under the actor their kernel knows (never
                # the pseudonym)
                return [{**e.to_dict(), "actor": SELF} for e in store.read(wanted)]

        self.reply(await self.in_learners(work))


class DeadlinesHandler(ServiceHandler):
    """The asking learner's assignments (due dates, extension, status); for a teacher of
    the course who does not learn it, each assignment's dates and how many of its
    learners handed it in, late, or are overdue (``"teaching": true``)."""

    @needs_scope("learn")
    async def get(self, course_id: str) -> None:
        from ..pipeline.deadlines import course_progress, learner_deadlines

        course, config, name = await self.course(course_id), self.config, self.learner
        teaching = course.id in self.access.teaches - self.access.learns

        def work() -> list[dict[str, Any]]:
            if teaching:
                return [row.as_json() for row in course_progress(config, course)]
            return [row.as_json() for row in learner_deadlines(config, course, name)]

        assignments = await self.in_learners(work)
        self.reply(
            {
                "course": course.id,
                "timezone": course.timezone,
                "language": course.language,
                "teaching": teaching,
                "assignments": assignments,
            }
        )


class AssignmentHandler(ServiceHandler):
    @needs_scope("learn")
    async def get(self, course_id: str, assignment: str) -> None:
        from ..pipeline.exchange import assignment_folder, fetch

        course, learner, config = await self.course(course_id), self.learner, self.config

        def work() -> bytes:
            with tempfile.TemporaryDirectory(prefix="parcours-fetch-") as tmp:
                fetch(
                    config,
                    course,
                    assignment,
                    learner=learner,
                    into=Path(tmp),
                    cache_dir=learner_cache(config, learner),
                )
                return pack(assignment_folder(course, assignment, Path(tmp)))

        data = await self.in_learners(work)
        self.remember(course.id, "fetched", assignment)
        self.set_header("Content-Type", "application/gzip")
        self.finish(data)

    @needs_scope("learn")
    async def post(self, course_id: str, assignment: str) -> None:
        from ..peer.teams import hand_in_for, record_hand_in
        from ..pipeline.exchange import assignment_folder, submit
        from ..pipeline.learnerpanel import own_due
        from ..pipeline.receipts import receipt

        course, learner, config = await self.course(course_id), self.learner, self.config
        body = self.request.body
        on_submit = next(
            (a for a in course.assignments if a.id == assignment and a.grade_on_submit), None
        )

        def work() -> dict[str, Any]:
            due = own_due(config, course, assignment, learner)  # refused before it lands
            team = hand_in_for(course, assignment, learner)  # her, then her team-mates (#27)
            with tempfile.TemporaryDirectory(prefix="parcours-submit-") as tmp:
                folder = assignment_folder(course, assignment, Path(tmp))
                files = unpack(body, folder, config, course.language)
                for who in team:
                    sent = submit(
                        config,
                        course,
                        assignment,
                        learner=who,
                        into=Path(tmp),
                        cache_dir=learner_cache(config, who),
                    )
                # landed: nothing below may turn it into an error
                received = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
                record_hand_in(config, course, assignment, learner, received)
                if on_submit is not None:
                    source = (course.folder / on_submit.source).resolve()
                    for who in team:
                        _grade_on_submit(config, course.id, assignment, who, received, sent, source)
            left = (
                sent.weighed.describe(course.language)
                if (sent.weighed is not None and sent.weighed.left_out)
                else ""
            )
            when = dt.datetime.fromisoformat(received)
            return {
                "course": course.id,
                "assignment": assignment,
                "files": len(files),
                "graded_on_submit": on_submit is not None,
                **receipt(course, assignment, when, due, left, course.language, files=len(files)),
                "received": received,
            }

        answer = await self.in_learners(work)
        self.remember(course.id, "submitted", assignment)
        self.reply(answer, 201)


def _grade_on_submit(
    config: Any, course: str, assignment: str, learner: str, received: str, sent: Any, source: Path
) -> None:
    """Queue a submission that landed for grading on submit, from the grader's own copy
    of it; what stops that is kept for the teachers (:mod:`.problems`), never an error
    for the learner, whose submission is in the exchange."""
    from . import problems
    from .ongrade import Job

    try:
        kept = Path(tempfile.mkdtemp(prefix="parcours-on-submit-"))
        shutil.copytree(sent.folder, kept, dirs_exist_ok=True)
    except OSError as exc:
        problems.note(
            config,
            course,
            problems.NOT_GRADED,
            f"{learner}'s submission of {assignment} ({received}) could not be copied for "
            f"grading on submit ({exc}); it is in the exchange: collect and autograde it",
            learner=learner,
            assignment=assignment,
            received=received,
        )
        return
    grader().enqueue(Job(course, assignment, learner, received, kept, source))


class ResultHandler(ServiceHandler):
    """The asking learner's on-submit result (see :mod:`.ongrade`)."""

    @needs_scope("learn")
    async def get(self, course_id: str, assignment: str) -> None:
        from .ongrade import read_result

        course, learner, config = await self.course(course_id), self.learner, self.config
        try:
            wait = min(float(self.get_argument("wait", "0")), config.service_result_wait_s)
        except ValueError:
            raise tornado.web.HTTPError(400, _("wait: a number of seconds")) from None

        def look() -> Any:
            return read_result(config, course.id, assignment, learner)

        found = await self.in_pool(self.pools.lookups, look)
        if found is not None and found.get("status") == "pending" and wait > 0:
            await WAITERS.wait((course.id, assignment, learner), wait)
            found = await self.in_pool(self.pools.lookups, look)
        if found is None:
            raise tornado.web.HTTPError(
                404,
                _(
                    "no result for {assignment}: it is not graded on submit, or not submitted"
                ).format(assignment=assignment),
            )
        self.reply(found)


class FeedbackHandler(ServiceHandler):
    @needs_scope("learn")
    async def get(self, course_id: str, assignment: str) -> None:
        from ..pipeline.exchange import fetch_feedback

        course, learner, config = await self.course(course_id), self.learner, self.config

        def work() -> dict[str, str]:
            with tempfile.TemporaryDirectory(prefix="parcours-feedback-") as tmp:
                pages = fetch_feedback(
                    config,
                    course,
                    assignment,
                    learner=learner,
                    into=Path(tmp),
                    cache_dir=learner_cache(config, learner),
                )
                return {f"{p.parent.name}/{p.name}": p.read_text(encoding="utf-8") for p in pages}

        found = await self.in_learners(work)  # never behind a teacher's autograde
        self.remember(course.id, "feedback fetched", assignment)
        self.reply({"course": course.id, "assignment": assignment, "pages": found})


class CoursesHandler(ServiceHandler):
    """The courses the asking person learns or teaches."""

    @needs_scope("person")
    async def get(self) -> None:
        _people, courses = await self.the_class()
        mine = sorted(self.access.courses)
        self.reply(
            [
                {
                    "id": c,
                    "title": courses[c].title,
                    "role": "teacher" if c in self.access.teaches else "learner",
                    "language": courses[c].language,
                    "timezone": courses[c].timezone,
                }
                for c in mine
                if c in courses
            ]
        )


class ExchangeHandler(ServiceHandler):
    """nbgrader's list of a course's exchange as the asking learner sees it (the
    Assignments panel of their JupyterLab: :mod:`.exchange`)."""

    @needs_scope("learn")
    async def get(self, course_id: str) -> None:
        from .exchange import exchange_listing

        course, learner, config = await self.course(course_id), self.learner, self.config
        found = await self.in_learners(lambda: exchange_listing(config, course, learner))
        self.reply(found)


class PanelHandler(ServiceHandler):
    """The panel's first answer for the asking person: its texts and the path of each
    course they learn or teach (:func:`..pipeline.learnerpanel.panel_view`)."""

    @needs_scope("person")
    async def get(self) -> None:
        from ..pipeline import learnerpanel as views

        _people, courses = await self.the_class()
        found = [courses[c] for c in sorted(self.access.courses) if c in courses]
        config, me = self.config, self.learner
        view = await self.in_learners(lambda: views.panel_view(config, found, me, config.language))
        self.reply(view)


class CoursePanelHandler(ServiceHandler):
    """One course's view of the panel for the asking learner: ``deadlines``, ``review``,
    ``workload`` or ``badges`` (:mod:`..pipeline.learnerpanel`)."""

    @needs_scope("learn")
    async def get(self, course_id: str, part: str) -> None:
        from ..pipeline import learnerpanel as views

        course, config, me = await self.course(course_id), self.config, self.learner
        view = getattr(views, f"{part}_view")
        found = await self.in_learners(lambda: view(config, course, me, course.language))
        self.reply(found)
