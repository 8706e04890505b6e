"""The learner's side of the Parcours service (:mod:`.service`): events, deadlines,
fetch, submit, the on-submit result, feedback, the exchange listing of nbgrader's
Assignments panel, and the "Mon parcours" panel's views — always for the token's user."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import tornado.web

from ..errors import ParcoursError
from . import history
from .service import (
    CLASS,
    EVENTS,
    LEARNERS,
    MAX_EVENTS,
    MAX_WAIT_S,
    WAITERS,
    ServiceHandler,
    grader,
    learner_cache,
    pack,
    unpack,
)

#: the event store the events thread writes to, kept open between requests (opening one
#: per request — a connection, its settings, the schema check — capped the service at
#: ~80 batches a second: 1,000 learners posting at once waited 7 s a batch)
_events_store: Any = None


def _write_events(config: Any, events: list[Any]) -> int:
    """Record ``events`` (in the events thread, the store's only writer here)."""
    global _events_store
    from ..store import open_store

    if _events_store is None:
        _events_store = open_store(config.events_url)
    try:
        return int(_events_store.record_many(events))
    except ParcoursError:
        _events_store.close()  # opened again, afresh, by the next batch
        _events_store = None
        raise


class EventsHandler(ServiceHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        from ..store.events import Event
        from ..store.ids import pseudonymize

        try:
            batch = json.loads(self.request.body or b"[]")
        except ValueError:
            raise tornado.web.HTTPError(400, "the body must be a JSON list of events") from None
        if not isinstance(batch, list) or len(batch) > MAX_EVENTS:
            raise tornado.web.HTTPError(400, f"send a JSON list of at most {MAX_EVENTS} events")
        actor = pseudonymize(self.learner, self.config.pseudonym_salt)
        events = []
        for item in batch:
            if not isinstance(item, dict):
                raise tornado.web.HTTPError(400, "each event must be a JSON object")
            item = {**item, "actor": actor, "self_reported": 1}  # the token says who
            try:
                events.append(Event.from_dict(item))
            except (ParcoursError, TypeError, ValueError) as exc:
                raise tornado.web.HTTPError(400, f"event {item.get('id', '?')}: {exc}") from None

        config = self.config
        recorded = await self.in_pool(EVENTS, lambda: _write_events(config, events))
        self.reply({"recorded": recorded, "received": len(events)})

    @tornado.web.authenticated
    def get(self) -> None:
        from ..store import open_store
        from ..store.ids import SELF, pseudonymize

        actor = pseudonymize(self.learner, self.config.pseudonym_salt)
        from ..store.base import EventFilter

        wanted = EventFilter(
            actor=actor,
            verb=self.get_argument("verb", None),
            course=self.get_argument("course", None),
            lesson=self.get_argument("lesson", None),
        )
        with open_store(self.config.events_url) as store:
            events = store.read(wanted)
        # the learner's own events, under the actor their kernel knows (never the pseudonym)
        self.reply([{**e.to_dict(), "actor": SELF} for e in events])


class DeadlinesHandler(ServiceHandler):
    """The asking learner's assignments (due dates, extension, status); for a teacher of
    the course who does not learn it, each assignment's dates and how many of its
    learners handed it in, late, or are overdue (``"teaching": true``)."""

    @tornado.web.authenticated
    async def get(self, course_id: str) -> None:
        from ..pipeline.deadlines import course_progress, learner_deadlines

        course, config, name = self.course(course_id), self.config, self.learner
        person = CLASS.now(config)[0].by_name[name]
        teaching = course.id in person.teaches and course.id not in person.learns

        def work() -> list[dict[str, Any]]:
            if teaching:
                return [row.as_json() for row in course_progress(config, course)]
            return [row.as_json() for row in learner_deadlines(config, course, name)]

        assignments = await self.in_pool(LEARNERS, work)
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
    @tornado.web.authenticated
    async def get(self, course_id: str, assignment: str) -> None:
        from ..pipeline.exchange import assignment_folder, fetch

        course, learner, config = self.course(course_id), self.learner, self.config

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

        data = await self.in_pool(LEARNERS, work)
        history.record(config, course.id, learner, "fetched", assignment)
        self.set_header("Content-Type", "application/gzip")
        self.finish(data)

    @tornado.web.authenticated
    async def post(self, course_id: str, assignment: str) -> None:
        from ..pipeline.exchange import assignment_folder, submit
        from .ongrade import Job

        course, learner, config = self.course(course_id), self.learner, self.config
        body = self.request.body
        on_submit = next(
            (a for a in course.assignments if a.id == assignment and a.grade_on_submit), None
        )

        def work() -> tuple[int, str, str, Path | None]:
            with tempfile.TemporaryDirectory(prefix="parcours-submit-") as tmp:
                folder = assignment_folder(course, assignment, Path(tmp))
                files = unpack(body, folder, config, course.language)
                sent = submit(
                    config,
                    course,
                    assignment,
                    learner=learner,
                    into=Path(tmp),
                    cache_dir=learner_cache(config, learner),
                )
                received = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
                kept = None
                if on_submit is not None:  # the grader's own copy of what was submitted
                    kept = Path(tempfile.mkdtemp(prefix="parcours-on-submit-"))
                    shutil.copytree(sent.folder, kept, dirs_exist_ok=True)
            left = (
                sent.weighed.describe(course.language)
                if (sent.weighed is not None and sent.weighed.left_out)
                else ""
            )
            return len(files), left, received, kept

        count, left, received, kept = await self.in_pool(LEARNERS, work)
        history.record(config, course.id, learner, "submitted", assignment)
        if kept is not None and on_submit is not None:
            source = (course.folder / on_submit.source).resolve()
            grader().enqueue(Job(course.id, assignment, learner, received, kept, source))
        from parcours_lab.server.learner import own_due

        from ..pipeline.receipts import receipt

        due = own_due(config, course, assignment, learner)
        when = dt.datetime.fromisoformat(received)
        self.reply(
            {
                "course": course.id,
                "assignment": assignment,
                "files": count,
                "graded_on_submit": on_submit is not None,
                **receipt(course, assignment, when, due, left, course.language, files=count),
                "received": received,
            },
            201,
        )


class ResultHandler(ServiceHandler):
    """The asking learner's on-submit result (see :mod:`.ongrade`)."""

    @tornado.web.authenticated
    async def get(self, course_id: str, assignment: str) -> None:
        from .ongrade import read_result

        course, learner = self.course(course_id), self.learner
        try:
            wait = min(float(self.get_argument("wait", "0")), MAX_WAIT_S)
        except ValueError:
            raise tornado.web.HTTPError(400, "wait: a number of seconds") from None
        found = read_result(self.config, course.id, assignment, learner)
        if found is not None and found.get("status") == "pending" and wait > 0:
            await WAITERS.wait((course.id, assignment, learner), wait)
            found = read_result(self.config, course.id, assignment, learner)
        if found is None:
            raise tornado.web.HTTPError(
                404, f"no result for {assignment}: it is not graded on submit, or not submitted"
            )
        self.reply(found)


class FeedbackHandler(ServiceHandler):
    @tornado.web.authenticated
    async def get(self, course_id: str, assignment: str) -> None:
        from ..pipeline.exchange import fetch_feedback

        course, learner, config = self.course(course_id), self.learner, self.config

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

        found = await self.in_pipeline(work)
        history.record(config, course.id, learner, "feedback fetched", assignment)
        self.reply({"course": course.id, "assignment": assignment, "pages": found})


class CoursesHandler(ServiceHandler):
    """The courses the asking person learns or teaches."""

    @tornado.web.authenticated
    def get(self) -> None:
        people, courses = CLASS.now(self.config)
        person = people.by_name.get(self.learner)
        mine = sorted(person.learns | person.teaches) if person else []
        self.reply(
            [
                {
                    "id": c,
                    "title": courses[c].title,
                    "role": "teacher" if c in person.teaches else "learner",
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

    @tornado.web.authenticated
    async def get(self, course_id: str) -> None:
        from .exchange import exchange_listing

        course, learner, config = self.course(course_id), self.learner, self.config
        found = await self.in_pool(LEARNERS, lambda: exchange_listing(config, course, learner))
        self.reply(found)


class PanelHandler(ServiceHandler):
    """The panel's first answer for the asking person: its texts and the path of each
    course they learn or teach (:func:`parcours_lab.server.learner.panel_view`)."""

    @tornado.web.authenticated
    async def get(self) -> None:
        from parcours_lab.server import learner as views

        people, courses = CLASS.now(self.config)
        person = people.by_name.get(self.learner)
        mine = sorted(person.learns | person.teaches) if person else []
        found = [courses[c] for c in mine if c in courses]
        config, me = self.config, self.learner
        view = await self.in_pool(
            LEARNERS, lambda: views.panel_view(config, found, me, config.language)
        )
        self.reply(view)


class CoursePanelHandler(ServiceHandler):
    """One course's view of the panel for the asking learner: ``deadlines``, ``review``
    or ``workload`` (:mod:`parcours_lab.server.learner`)."""

    @tornado.web.authenticated
    async def get(self, course_id: str, part: str) -> None:
        from parcours_lab.server import learner as views

        course, config, me = self.course(course_id), self.config, self.learner
        view = getattr(views, f"{part}_view")
        found = await self.in_pool(LEARNERS, lambda: view(config, course, me, course.language))
        self.reply(found)
