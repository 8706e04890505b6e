"""The "Mon parcours" panel's endpoints (JSON; the learner is always the server's user).

``GET parcours/api/path``                      the panel's texts and, per course, the lessons
``GET parcours/api/deadlines?course=<id>``     the assignments
                                               (:mod:`parcours.pipeline.learnerpanel`)
``POST parcours/api/fetch``     ``{"course", "assignment", "correction": false}``
``POST parcours/api/submit``    ``{"course", "assignment", "reflection": {...}}`` (minutes,
                                difficulties, confidence: recorded as 'reflected')
``POST parcours/api/feedback``  ``{"course", "assignment"}``
``GET parcours/api/review?course=<id>``        today's review queue
``GET parcours/api/workload?course=<id>``      this week's planned minutes
``GET parcours/api/badges?course=<id>``        her badges, held and to earn

Files land in the server's root folder (``<root>/<course>/<assignment>``), where
JupyterLab opens them. A refusal (not released, unknown assignment...) is a 400 whose
``message`` is the pipeline's sentence in the learner's language.

One machine: the views of :mod:`parcours.pipeline.learnerpanel` run here. On the hub
(``service_url`` set) this server reads no course data: every view comes from the
Parcours service, asked with the server's own token (``GET api/panel``, ``GET
api/courses/<id>/panel/<part>``, fetch, submit and feedback as
:class:`~parcours.hub.client.ServiceClient` does them); only the files are written here,
in the learner's folder.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_server.base.handlers import APIHandler
from parcours.hub.errorbody import JupyterHubErrors, error_body
from parcours.i18n import _
from parcours.pipeline import learnerpanel as views
from tornado import web

from .grade import parcours_config, server_user

if TYPE_CHECKING:
    from parcours.config import ParcoursConfig


class PanelHandler(JupyterHubErrors, APIHandler):
    """Common ground: the configuration, the learner, the course, the hub client; errors
    in JupyterHub's shape, ``{"status", "message"}``."""

    def setup(self) -> tuple[Any, str]:
        config = parcours_config(self)
        me = server_user(self, config)
        asked = self.get_argument("learner", None)
        if asked is not None and asked != me:
            raise web.HTTPError(403, _("You can only see your own path."))
        return config, me

    def course(self, config: Any, me: str, course_id: Any) -> Any:
        """One machine: the learner's course (404 if it is not theirs). On the hub: the
        service's entry of it (``id``, ``language``…), or 404."""
        from parcours.errors import ParcoursError

        if not isinstance(course_id, str) or not course_id:
            raise web.HTTPError(400, _("Give the course id as 'course'."))
        client = self.client(config)
        try:
            if client is not None:
                return client.course(course_id)
            return views.find(config, me, course_id)
        except ParcoursError as exc:
            raise web.HTTPError(404, str(exc)) from None

    def client(self, config: Any) -> Any:
        """The Parcours service client on the hub, else None."""
        if not config.service_url:
            return None
        from parcours.hub.client import ServiceClient

        return ServiceClient.from_environment(config.service_url)

    def body(self) -> dict[str, Any]:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise web.HTTPError(400, _("Send a JSON object."))
        return data

    @property
    def root(self) -> Path:
        return Path(self.contents_manager.root_dir)

    async def answer(self, work: Callable[[], dict[str, Any]]) -> None:
        """Run ``work`` off the event loop; reply with its JSON, or a ParcoursError's
        message (400 for bad input, 502 for the service, 500 otherwise)."""
        from parcours.errors import BadInputError, ParcoursError

        try:
            data = await asyncio.to_thread(work)
        except BadInputError as exc:
            return self.refuse(400, str(exc))
        except ParcoursError as exc:
            return self.refuse(502 if "service" in type(exc).__name__.lower() else 500, str(exc))
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, ensure_ascii=False))

    def refuse(self, status: int, message: str) -> None:
        """Answer ``{"status", "message"}`` with ``status`` (the pipeline's sentence as it
        is: it may hold a '%', which tornado's HTTPError would take for a format)."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(error_body(status, message), ensure_ascii=False))


class PathHandler(PanelHandler):
    @web.authenticated
    async def get(self) -> None:
        config, me = self.setup()
        client = self.client(config)

        def work() -> dict[str, Any]:
            if client is not None:
                return client.panel()
            courses = views.my_courses(config, me)
            return views.panel_view(config, courses, me, config.language)

        await self.answer(work)


class CoursePartHandler(PanelHandler):
    """A view of one course computed where the data is: ``part`` of the panel."""

    part = ""

    @web.authenticated
    async def get(self) -> None:
        config, me = self.setup()
        client = self.client(config)
        if client is not None:
            course_id = self.get_argument("course", "")
            self.course(config, me, course_id)  # 400/404 in the panel's words
            await self.answer(lambda: client.panel(self.part, course_id))
            return
        course = self.course(config, me, self.get_argument("course", ""))
        view = getattr(views, f"{self.part}_view")
        await self.answer(lambda: view(config, course, me, course.language))


class DeadlinesHandler(CoursePartHandler):
    """The learner's assignments (dates, extension, status, what they may do now)."""

    part = "deadlines"


class ReviewHandler(CoursePartHandler):
    part = "review"


class WorkloadHandler(CoursePartHandler):
    part = "workload"


class BadgesHandler(CoursePartHandler):
    """Her badges: held (each with its public page) and still to earn."""

    part = "badges"


class FetchHandler(PanelHandler):
    @web.authenticated
    async def post(self) -> None:
        config, me = self.setup()
        body = self.body()
        course = self.course(config, me, body.get("course"))
        assignment = str(body.get("assignment") or "")
        if body.get("correction"):
            assignment = f"{assignment}-correction"
        client, root = self.client(config), self.root

        def work() -> dict[str, Any]:
            if client is not None:
                folder, _written = client.fetch(course["id"], assignment, root)
                return views.fetched(folder, root, course["language"])
            return views.fetch_view(config, course, assignment, me, root, course.language)

        await self.answer(work)


class SubmitHandler(PanelHandler):
    @web.authenticated
    async def post(self) -> None:
        config, me = self.setup()
        body = self.body()
        course = self.course(config, me, body.get("course"))
        assignment = str(body.get("assignment") or "")
        reflection = body.get("reflection")
        client, root = self.client(config), self.root

        def work() -> dict[str, Any]:
            if client is not None:
                if isinstance(reflection, dict):
                    record_reflection(config, course["id"], assignment, me, reflection)
                sent = client.submit(course["id"], assignment, root)
                return {k: sent.get(k, "") for k in views.RECEIPT}
            if isinstance(reflection, dict):
                record_reflection(config, course.id, assignment, me, reflection)
            return views.submit_view(config, course, assignment, me, root, course.language)

        await self.answer(work)


class FeedbackHandler(PanelHandler):
    @web.authenticated
    async def post(self) -> None:
        config, me = self.setup()
        body = self.body()
        course = self.course(config, me, body.get("course"))
        assignment = str(body.get("assignment") or "")
        client, root = self.client(config), self.root

        def work() -> dict[str, Any]:
            if client is not None:
                pages = client.feedback(course["id"], assignment, root)
                return views.feedback_fetched(pages, root, course["language"])
            return views.feedback_view(config, course, assignment, me, root, course.language)

        await self.answer(work)


#: path under the server's base URL -> handler
HANDLERS = {
    "parcours/api/path": PathHandler,
    "parcours/api/deadlines": DeadlinesHandler,
    "parcours/api/fetch": FetchHandler,
    "parcours/api/submit": SubmitHandler,
    "parcours/api/feedback": FeedbackHandler,
    "parcours/api/review": ReviewHandler,
    "parcours/api/workload": WorkloadHandler,
    "parcours/api/badges": BadgesHandler,
}


def record_reflection(
    config: ParcoursConfig, course: str, assignment: str, learner: str, values: dict[str, Any]
) -> None:
    """Record the reflection written before submitting, as the widgets' ``reflected``
    event on the assignment."""
    from parcours.errors import BadInputError
    from parcours.store import Event
    from parcours.store.ids import own_actor

    from ..recorder import default_recorder

    try:
        minutes = int(values.get("minutes") or 0)
        confidence = int(values["confidence"])
    except (KeyError, TypeError, ValueError):
        raise BadInputError(
            _("the reflection needs 'minutes' and 'confidence' (1 to 5).")
        ) from None
    if not 1 <= confidence <= 5 or not 0 <= minutes <= 1440:
        raise BadInputError(_("the reflection's confidence is 1 to 5, its minutes 0 to 1440."))
    event = Event.make(
        actor=own_actor(learner, config),
        verb="reflected",
        course=course,
        object_type="assignment",
        object_id=assignment,
        lesson=assignment,
        duration_s=float(minutes * 60),
        extra={
            "minutes": minutes,
            "difficulties": str(values.get("difficulties") or "").strip(),
            "help": [],
            "confidence": confidence,
        },
    )
    default_recorder().record(event)
