"""The Parcours hub service: the one process that holds the course data on a hub.

Learners' servers cannot read the data folder (gradebooks, exchange, event store); they
reach what is theirs through this service, authenticated by their JupyterHub token
(JupyterHub's ``HubAuth``: the ``Authorization: token …`` header, checked with the hub).
Who asks is always the token's user — never a parameter, a header or a file:

``POST api/events``
    events from a learner's kernel (:class:`..store.hub.HubEventStore`); the service sets
    ``actor`` from the token (pseudonymised with the salt only it reads) and
    ``self_reported = 1``, so nothing a kernel sends changes another learner's record.
``GET api/events``
    the asking learner's own events.
``GET api/courses``
    the courses they learn or teach.
``GET api/courses/<course>/exchange``
    nbgrader's own list of the exchange as they see it (released to them; their
    submissions and whether feedback was released): JupyterLab's Assignments panel on
    the hub (:mod:`.exchange`).
``GET api/courses/<course>/deadlines``
    their assignments, due dates (theirs, with extensions) and status.
``GET api/courses/<course>/assignments/<assignment>``
    fetch: the released files (or the correction, ``<id>-correction``) as a tar.gz,
    through the pipeline's own ``fetch`` (released to them? published yet?).
``POST api/courses/<course>/assignments/<assignment>``
    submit: a tar.gz of their folder, handed to the pipeline's ``submit`` under their name;
    the receipt time is the service's clock (nbgrader's exchange timestamp).
``GET api/courses/<course>/assignments/<assignment>/feedback``
    their released feedback pages.
``GET api/courses/<course>/assignments/<assignment>/result[?wait=S]``
    for an assignment graded on submit (``grade_on_submit`` in the manifest), their latest
    submission's early result: which graded cells passed, never the hidden tests
    (:mod:`.ongrade`); ``wait`` holds the answer up to S seconds while it is pending.
``POST api/courses/<course>/assignments/<assignment>/<action>``
    a teacher of that course only (the manifest's ``teachers``): ``release`` (body
    ``{"to": [groups or learners]}``), ``collect``, ``autograde``, ``feedback-release``; the
    pipeline's own functions, one at a time, off the service's event loop.
``GET api/courses/<course>/history``
    the course's history, for its teachers.

Every fetch, submission and feedback fetch is appended to the course's history
(:mod:`.history`: who, what, when), never rewritten.
``python -m parcours_grading.hub.service`` runs it (a managed hub service, as root).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sys
import tarfile
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import tornado.ioloop
import tornado.web
from jupyterhub.services.auth import HubAuth, HubAuthenticated

from ..errors import BadInputError, ParcoursError
from . import history

#: the service's name on the hub
SERVICE = "parcours"
#: largest request body accepted (a submission's tar.gz, a batch of events)
MAX_BODY = 128 * 2**20
#: events per request
MAX_EVENTS = 5000
#: the pipeline (nbgrader's apps, the gradebook) runs one operation at a time, in this
#: thread, so that events keep flowing while a teacher's autograde runs
PIPELINE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parcours-pipeline")
#: learners' fetches and submissions: each writes only its own learner's files, so several
#: run at once (a deadline brings hundreds within minutes)
LEARNERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="parcours-learner")
#: events are written by one thread (the store serialises writes anyway)
EVENTS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parcours-events")
#: longest ``?wait=`` accepted on a result
MAX_WAIT_S = 120.0


class Waiters:
    """Requests waiting for a learner's on-submit result, woken from the grading threads."""

    def __init__(self) -> None:
        self.loop: Any = None
        self.waiting: dict[tuple[str, str, str], list[Any]] = {}

    async def wait(self, key: tuple[str, str, str], timeout: float) -> None:
        import asyncio

        self.loop = asyncio.get_running_loop()
        future = self.loop.create_future()
        self.waiting.setdefault(key, []).append(future)
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            pass
        finally:
            futures = self.waiting.get(key, [])
            if future in futures:
                futures.remove(future)
            if not futures:
                self.waiting.pop(key, None)

    def wake(self, course: str, assignment: str, learner: str) -> None:
        """Thread-safe: wake whoever waits for this result."""
        if self.loop is None:
            return

        def done() -> None:
            for future in self.waiting.pop((course, assignment, learner), []):
                if not future.done():
                    future.set_result(None)

        self.loop.call_soon_threadsafe(done)


WAITERS = Waiters()


class Class:
    """The courses and who learns or teaches them, read again only when a manifest or a
    roster changed (every request needs them; a deadline brings hundreds a second)."""

    def __init__(self) -> None:
        self.stamp: tuple[tuple[str, int], ...] | None = None
        self.value: tuple[Any, dict[str, Any]] = (None, {})
        self.lock = threading.Lock()

    @staticmethod
    def _stamp(config: Any) -> tuple[tuple[str, int], ...]:
        files = sorted(Path(config.courses_dir).glob("*/course.toml"))
        files += sorted(Path(config.data_dir, "courses").glob("*/roster.csv"))
        return tuple((str(p), p.stat().st_mtime_ns) for p in files)

    def now(self, config: Any) -> tuple[Any, dict[str, Any]]:
        """(people, courses by id) as the files say now."""
        from ..course.load import list_courses
        from .people import read_people

        stamp = self._stamp(config)
        with self.lock:
            if stamp != self.stamp:
                self.value = (
                    read_people(config),
                    {c.id: c for c in list_courses(config.courses_dir)},
                )
                self.stamp = stamp
            return self.value


CLASS = Class()


def warm_up(config: Any) -> None:
    """Load what every request needs before the first one arrives (the courses, the
    people, the event schema, nbgrader's exchange), so that the first learners of a
    deadline do not wait for imports."""
    from nbgrader.exchange import default  # noqa: F401

    from ..pipeline import exchange  # noqa: F401
    from ..store import open_store
    from ..store.events import Event  # noqa: F401

    CLASS.now(config)
    with open_store(config.events_url) as store:
        store.count(verb="none")


def pack(folder: Path) -> bytes:
    """A folder's files as tar.gz bytes (paths relative to the folder)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
    return buffer.getvalue()


def unpack(data: bytes, folder: Path) -> list[Path]:
    """Extract tar.gz bytes into ``folder``: regular files only, inside it (the 'data'
    filter refuses links, devices and paths leaving the folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            members = [m for m in tar.getmembers() if m.isfile() or m.isdir()]
            tar.extractall(folder, members=members, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BadInputError(
            f"the files sent are not a readable tar.gz archive ({exc}); "
            "send the folder again with `parcours submit`."
        ) from None
    return sorted(p for p in folder.rglob("*") if p.is_file())


def learner_cache(config: Any, learner: str) -> Path:
    """nbgrader's record of one learner's submissions (its ``Exchange.cache``), kept by the
    service: their feedback is found through it (``fetch_feedback``)."""
    caches = Path(config.data_dir) / "learner-cache"
    caches.mkdir(exist_ok=True, mode=0o700)
    folder = caches / learner
    folder.mkdir(exist_ok=True, mode=0o700)
    return folder


class TokenCheck(HubAuth):
    """JupyterHub's HubAuth with Parcours' own short cache of the hub's answers
    (``ParcoursConfig.service_token_cache_s``): only tokens the hub accepted are kept,
    so a new token works at once and a removed person's token stops working within that
    many seconds."""

    def __init__(self, max_age: float = 30.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_age = max_age
        self.known: dict[str, tuple[float, Any]] = {}

    def user_for_token(
        self, token: str, use_cache: bool = True, session_id: str = "", *, sync: bool = True
    ) -> Any:
        if sync:
            return super().user_for_token(token, use_cache=False, session_id=session_id)
        return self._cached_user(token, session_id)

    async def _cached_user(self, token: str, session_id: str) -> Any:
        import time

        now = time.monotonic()
        kept = self.known.get(token)
        if kept is not None and kept[0] > now:
            return kept[1]
        model = await super().user_for_token(
            token, use_cache=False, session_id=session_id, sync=False
        )
        if model and self.max_age > 0:
            if len(self.known) > 100_000:  # old entries out, never unbounded
                self.known = {t: v for t, v in self.known.items() if v[0] > now}
            self.known[token] = (now + self.max_age, model)
        else:
            self.known.pop(token, None)
        return model


class ServiceHandler(HubAuthenticated, tornado.web.RequestHandler):
    """Token-authenticated JSON API; errors as ``{"error": message}``."""

    config: Any = None

    def check_xsrf_cookie(self) -> None:
        """Tokens only (no cookies are accepted), so there is no cross-site request."""

    def get_login_url(self) -> str:
        """An API: no login page to send anyone to."""
        raise tornado.web.HTTPError(403, "a JupyterHub token is needed (Authorization: token …)")

    async def prepare(self) -> None:
        """Ask the hub who the token belongs to, without blocking the event loop (many
        learners' requests are checked at once); only a token in the Authorization
        header counts."""
        from jupyterhub.services.auth import UserNotAllowed

        model = None
        if self.request.headers.get("Authorization", "").lower().startswith("token "):
            found = await self.hub_auth.get_user(self, sync=False)
            if found:
                try:
                    model = self.check_hub_user(found)
                except UserNotAllowed:
                    model = None
        self._hub_auth_user_cache = model

    def get_current_user(self) -> Any:
        return getattr(self, "_hub_auth_user_cache", None)

    @property
    def learner(self) -> str:
        user = self.current_user
        if not user:
            raise tornado.web.HTTPError(403, "a JupyterHub token is needed")
        return str(user["name"])

    def course(self, course_id: str, *, teaching: bool = False) -> Any:
        """The course, if the asking user learns or teaches it (else 404: a learner does
        not learn which other courses exist); with ``teaching``, only for its teachers
        (403 for its learners)."""
        people, courses = CLASS.now(self.config)
        person = people.by_name.get(self.learner)
        if person is None or course_id not in person.learns | person.teaches:
            raise tornado.web.HTTPError(404, f"no course '{course_id}' for {self.learner}")
        if teaching and course_id not in person.teaches:
            raise tornado.web.HTTPError(403, f"{self.learner} does not teach '{course_id}'")
        return courses[course_id]

    async def in_pipeline(self, work: Callable[[], Any]) -> Any:
        """Run ``work`` in the pipeline's thread (one operation at a time)."""
        return await self.in_pool(PIPELINE, work)

    async def in_pool(self, pool: ThreadPoolExecutor, work: Callable[[], Any]) -> Any:
        """Run ``work`` in ``pool``, off the event loop."""
        loop = tornado.ioloop.IOLoop.current()
        return await loop.run_in_executor(pool, work)

    def reply(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(data, ensure_ascii=False, default=str))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = getattr(exc, "log_message", None) or self._reason
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps({"error": message}, ensure_ascii=False))

    def fail(self, exc: ParcoursError) -> None:
        """A pipeline refusal, as the pipeline words it (400), or a failure (500)."""
        status = 400 if isinstance(exc, BadInputError) else 500
        self.reply({"error": str(exc)}, status)


class EventsHandler(ServiceHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        from ..store import open_store
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

        def work() -> int:
            with open_store(self.config.events_url) as store:
                return int(store.record_many(events))

        try:
            recorded = await self.in_pool(EVENTS, work)
        except ParcoursError as exc:
            self.fail(exc)
            return
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
    @tornado.web.authenticated
    def get(self, course_id: str) -> None:
        from ..pipeline.deadlines import learner_deadlines

        course = self.course(course_id)
        rows = learner_deadlines(self.config, course, self.learner)
        self.reply(
            {
                "course": course.id,
                "timezone": course.timezone,
                "assignments": [row.as_json() for row in rows],
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

        try:
            data = await self.in_pool(LEARNERS, work)
        except ParcoursError as exc:
            self.fail(exc)
            return
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
                files = unpack(body, assignment_folder(course, assignment, Path(tmp)))
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

        try:
            count, left, received, kept = await self.in_pool(LEARNERS, work)
        except ParcoursError as exc:
            self.fail(exc)
            return
        history.record(config, course.id, learner, "submitted", assignment)
        if kept is not None and on_submit is not None:
            source = (course.folder / on_submit.source).resolve()
            grader().enqueue(Job(course.id, assignment, learner, received, kept, source))
        self.reply(
            {
                "course": course.id,
                "assignment": assignment,
                "files": count,
                "received": received,
                "left_out": left,
                "graded_on_submit": on_submit is not None,
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


_grader: Any = None


def grader() -> Any:
    """The service's grade-on-submit queue (started on first use)."""
    global _grader
    if _grader is None:
        from .ongrade import SubmitGrader

        config = ServiceHandler.config
        _grader = SubmitGrader(config, config.workers, notify=WAITERS.wake)
    return _grader


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

        try:
            found = await self.in_pipeline(work)
        except ParcoursError as exc:
            self.fail(exc)
            return
        history.record(config, course.id, learner, "feedback fetched", assignment)
        self.reply({"course": course.id, "assignment": assignment, "pages": found})


class TeachHandler(ServiceHandler):
    """A teacher's pipeline command on their own course."""

    @tornado.web.authenticated
    async def post(self, course_id: str, assignment: str, action: str) -> None:
        from ..pipeline.release import release

        course = self.course(course_id, teaching=True)
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise tornado.web.HTTPError(400, "the body must be a JSON object") from None
        config = self.config

        def work() -> dict[str, Any]:
            if action == "release":
                done = release(config, course, assignment, to=list(body.get("to") or []))
                return {"learners": done.learners, "due": done.due.isoformat()}
            if action == "collect":
                from ..pipeline.collect import collect

                got = collect(config, course, assignment)
                return {
                    "collected": len(got.collected),
                    "late": len(got.late),
                    "missing": got.missing,
                    "unknown": got.unknown,
                }
            if action == "autograde":
                from ..pipeline.autograde import autograde

                report = autograde(config, course, assignment, progress=False)
                return {"graded": len(report.graded)}
            from ..pipeline.feedback import feedback  # action == "feedback-release"

            fed = feedback(config, course, assignment)
            return {
                "released": sorted(fed.released),
                "withheld": fed.withheld,
                "corrections_published": fed.corrections_published,
            }

        try:
            result = await self.in_pipeline(work)
        except ParcoursError as exc:
            self.fail(exc)
            return
        from .accounts import hand_over_course

        hand_over_course(config, course.id)
        history.record(config, course.id, self.learner, action, assignment)
        self.reply({"course": course.id, "assignment": assignment, "action": action, **result})


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
        try:
            found = await self.in_pool(LEARNERS, lambda: exchange_listing(config, course, learner))
        except ParcoursError as exc:
            self.fail(exc)
            return
        self.reply(found)


class HistoryHandler(ServiceHandler):
    @tornado.web.authenticated
    def get(self, course_id: str) -> None:
        course = self.course(course_id, teaching=True)
        self.reply(history.read(self.config, course.id))


def make_app(config: Any, prefix: str) -> tornado.web.Application:
    """The service's application under ``prefix`` (``/services/parcours/``)."""
    ServiceHandler.config = config
    ServiceHandler.hub_auth = TokenCheck(max_age=config.service_token_cache_s)
    name = r"([A-Za-z0-9][A-Za-z0-9_.-]*)"
    return tornado.web.Application(
        [
            (prefix + r"api/events", EventsHandler),
            (prefix + r"api/courses", CoursesHandler),
            (prefix + rf"api/courses/{name}/exchange", ExchangeHandler),
            (prefix + rf"api/courses/{name}/deadlines", DeadlinesHandler),
            (prefix + rf"api/courses/{name}/assignments/{name}", AssignmentHandler),
            (prefix + rf"api/courses/{name}/assignments/{name}/feedback", FeedbackHandler),
            (prefix + rf"api/courses/{name}/assignments/{name}/result", ResultHandler),
            (
                prefix + rf"api/courses/{name}/assignments/{name}/(release|collect|autograde|"
                r"feedback-release)",
                TeachHandler,
            ),
            (prefix + rf"api/courses/{name}/history", HistoryHandler),
        ],
        max_body_size=MAX_BODY,
    )


def main() -> int:
    """Run the service where the hub says (``JUPYTERHUB_SERVICE_URL``)."""
    from urllib.parse import urlparse

    from ..config import load_config

    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{SERVICE}/")
    config = load_config()
    app = make_app(config, prefix)
    app.listen(url.port or 80, url.hostname or "127.0.0.1", max_body_size=MAX_BODY)
    # answer the hub's start check at once; load the rest beside the event loop
    threading.Thread(target=warm_up, args=(config,), name="warm-up", daemon=True).start()
    tornado.ioloop.IOLoop.current().start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
