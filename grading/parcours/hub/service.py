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
``GET api/courses/<course>/problems``
    what failed in the service's background work for the course (a history entry not
    written, a submission not graded on submit), for its teachers (:mod:`.problems`).
``GET api/panel``, ``GET api/courses/<course>/panel/(deadlines|review|workload|badges)``
    the "Mon parcours" panel's views of the asking learner (their path, assignments with
    lateness warnings, review queue, planned workload), computed here by
    :mod:`parcours.pipeline.learnerpanel`: the learner's server only relays them.

The handlers live by who asks: :mod:`.learner_api` (events, exchange, deadlines, fetch,
submit — whose receipt is worded for the learner —, results, feedback, panel) and
:mod:`.teacher_api` (pipeline commands, history); this module holds what they share (the
token check, the thread pools, the class list) and the application.

Every fetch, submission, feedback fetch and teacher's command is appended to the course's
history (:mod:`.history`: who, what, when), never rewritten — after the action landed and
was answered, by the history's own thread, retried (:mod:`.histwriter`): a history that
fails never turns work that was done into an error. What fails in the background (the
history, grading on submit) is logged and kept for the course's teachers
(``GET api/courses/<course>/problems``, :mod:`.problems`).

Nothing blocks the event loop: every file, roster and database read or write runs in a
thread pool (:class:`Pools`): the teachers' pipeline commands one at a time in a thread
of their own, learners' work in another pool, so that a learner's feedback never waits
for a teacher's autograde; each wait and limit is a ``ParcoursConfig`` setting.
``python -m parcours.hub.service`` runs it: a managed hub service, as its own
account ``parcours-service`` (:func:`.settings.parcours_service`), with umask 007 (what it
writes in a course's nbgrader folder stays writable by the course's grader account).
"""

from __future__ import annotations

import io
import json
import logging
import tarfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import tornado.ioloop
import tornado.web
from jupyterhub.services.auth import HubAuth, HubAuthenticated

from ..errors import BadInputError, ParcoursError
from ..i18n import _
from .classlist import CLASS
from .errorbody import JupyterHubErrors, error_body
from .waiters import WAITERS

log = logging.getLogger("parcours.service")


class Pools:
    """The service's threads: the event loop only answers; the work is done here."""

    def __init__(self, config: Any) -> None:
        #: the teachers' pipeline commands (nbgrader's apps, the gradebook): one at a time
        self.pipeline = ThreadPoolExecutor(1, thread_name_prefix="parcours-pipeline")
        #: learners' fetches, submissions, feedback and reads: each writes only its own
        #: learner's files, so several run at once (a deadline brings hundreds in minutes);
        #: never behind a teacher's command
        self.learners = ThreadPoolExecutor(
            max(1, int(config.service_learner_threads)), thread_name_prefix="parcours-learner"
        )
        #: events are written by one thread (the store serialises writes anyway)
        self.events = ThreadPoolExecutor(1, thread_name_prefix="parcours-events")
        #: short reads every request needs (the class list, a result file): never queued
        #: behind a submission or a slow database
        self.lookups = ThreadPoolExecutor(2, thread_name_prefix="parcours-lookup")


POOLS: Pools | None = None


def warm_up(config: Any) -> None:
    """Load what every request needs before the first one arrives (the courses, the
    people, the event schema, nbgrader's exchange), so that the first learners of a
    deadline do not wait for imports. What is loaded then is kept out of the garbage
    collector's full passes (``gc.freeze``): each walked all of it, holding every request
    for 80 ms (quiet machine) to several hundred at a deadline."""
    import gc

    from nbgrader.exchange import default  # noqa: F401

    from ..pipeline import exchange  # noqa: F401
    from ..store import open_store
    from ..store.events import Event  # noqa: F401

    CLASS.now(config)
    with open_store(config.events_url) as store:
        store.count(verb="none")
    gc.freeze()


def pack(folder: Path) -> bytes:
    """A folder's files as tar.gz bytes (paths relative to the folder)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
    return buffer.getvalue()


def unpack(data: bytes, folder: Path, config: Any, lang: str | None = None) -> list[Path]:
    """Extract tar.gz bytes into ``folder``: regular files only, inside it (the 'data'
    filter refuses links, devices and paths leaving the folder), within the configured
    bounds (``submission_max_mb`` unpacked, ``submission_max_files`` members: beyond them
    :class:`..pipeline.archive.ArchiveTooLarge`, answered 413, nothing kept)."""
    from ..pipeline.archive import unpack_bounded

    return unpack_bounded(data, folder, config.submission_max_mb, config.submission_max_files, lang)


def learner_cache(config: Any, learner: str) -> Path:
    """nbgrader's record of one learner's submissions (its ``Exchange.cache``), kept by the
    service: their feedback is found through it (``fetch_feedback``)."""
    caches = Path(config.data_dir) / "learner-cache"
    caches.mkdir(exist_ok=True, mode=0o700)
    folder = caches / learner
    folder.mkdir(exist_ok=True, mode=0o700)
    return folder


def token_check(config: Any) -> HubAuth:
    """JupyterHub's own token check and its cache (``cache_max_age``:
    ``ParcoursConfig.service_token_cache_s``); the cache is dropped whenever the class
    changes (:attr:`.classlist.Class.version`: a roster, a manifest, the hub's groups
    synced), so the token of a learner taken out of a course is refused at once. 0 keeps
    nothing (HubAuth's own 0 would keep answers for ever: the handler clears it)."""
    return HubAuth(cache_max_age=max(1, round(config.service_token_cache_s)))


class ServiceHandler(JupyterHubErrors, HubAuthenticated, tornado.web.RequestHandler):
    """Token-authenticated JSON API for people: a token must be a user's (a service's
    is refused, 403); what each handler needs is declared on it (:func:`.scopes.needs_scope`,
    the token's scopes); errors in JupyterHub's shape, ``{"status", "message"}``."""

    config: Any = None
    #: the class version whose hub answers :attr:`hub_auth` keeps
    seen_version = -1
    #: what the token lets its owner do (set by :func:`.scopes.needs_scope`)
    access: Any = None

    def check_xsrf_cookie(self) -> None:
        """Tokens only (no cookies are accepted), so there is no cross-site request."""

    def get_login_url(self) -> str:
        """An API: no login page to send anyone to."""
        raise tornado.web.HTTPError(403, _("a JupyterHub token is needed (Authorization: token …)"))

    async def prepare(self) -> None:
        """Ask the hub who the token belongs to, without blocking the event loop (many
        learners' requests are checked at once); only a token in the Authorization
        header counts."""
        from jupyterhub.services.auth import UserNotAllowed

        # the class as the files say now; when it moved (a roster changed, the hub's
        # groups synced), the hub's earlier answers about tokens may be stale: dropped
        self.class_now = await self.the_class()
        keep = self.config.service_token_cache_s > 0
        if CLASS.version != ServiceHandler.seen_version or not keep:
            ServiceHandler.seen_version = CLASS.version
            cache = getattr(self.hub_auth, "cache", None)
            if cache is not None:
                cache.clear()
        model = None
        if self.request.headers.get("Authorization", "").lower().startswith("token "):
            found = await self.hub_auth.get_user(self, sync=False)
            if found:
                try:
                    model = self.check_hub_user(found)
                except UserNotAllowed:
                    model = None
        self._hub_auth_user_cache = model
        if model and model.get("kind", "user") != "user":
            # a service's token (kind "service") names a service, not a person: were it
            # taken for one, a service named like a learner or a teacher would act as them
            raise tornado.web.HTTPError(
                403,
                _(
                    "the token of the {kind} '{name}' cannot act for a person here: use a "
                    "person's own JupyterHub token"
                ).format(kind=model.get("kind"), name=model.get("name")),
            )

    def get_current_user(self) -> Any:
        return getattr(self, "_hub_auth_user_cache", None)

    @property
    def learner(self) -> str:
        user = self.current_user
        if not user:
            raise tornado.web.HTTPError(403, _("a JupyterHub token is needed"))
        return str(user["name"])

    @property
    def pools(self) -> Pools:
        assert POOLS is not None, "make_app() makes the pools"
        return POOLS

    async def the_class(self) -> tuple[Any, dict[str, Any]]:
        """(people, courses by id) as the files say now (:data:`CLASS`), read off the loop."""
        config = self.config
        return await self.in_pool(self.pools.lookups, lambda: CLASS.now(config))

    async def course(self, course_id: str) -> Any:
        """The course ``course_id`` (the handler's :func:`.scopes.needs_scope` said the
        asking person may reach it); 404 when no manifest holds it any more."""
        _people, courses = getattr(self, "class_now", None) or await self.the_class()
        if course_id not in courses:
            raise tornado.web.HTTPError(
                404,
                _("no course '{course}' for {user}").format(course=course_id, user=self.learner),
            )
        return courses[course_id]

    def json_body(self, kind: type, default: bytes, what: str) -> Any:
        """The request's JSON body, which must be a ``kind`` (``dict``: an object,
        ``list``: an array); else 400 saying what to send (``what``)."""
        names: dict[type, str] = {dict: _("a JSON object"), list: _("a JSON array")}
        try:
            body = json.loads(self.request.body or default)
        except ValueError:
            raise tornado.web.HTTPError(
                400,
                _("the body is not JSON: send {kind} ({what})").format(kind=names[kind], what=what),
            ) from None
        if not isinstance(body, kind):
            raise tornado.web.HTTPError(
                400,
                _("the body must be {kind} ({what}), not {type}").format(
                    kind=names[kind], what=what, type=type(body).__name__
                ),
            )
        return body

    def remember(self, course: str, what: str, assignment: str) -> None:
        """Add the asking person's action to ``course``'s history, after it landed: queued
        to the history's own thread (:mod:`.histwriter`), never waited for, never an
        error for the action."""
        history_writer(self.config).add(course, self.learner, what, assignment)

    async def in_pipeline(self, work: Callable[[], Any]) -> Any:
        """Run ``work`` in the pipeline's thread (teachers' commands, one at a time)."""
        return await self.in_pool(self.pools.pipeline, work)

    async def in_learners(self, work: Callable[[], Any]) -> Any:
        """Run ``work`` in the learners' pool (never behind a teacher's command)."""
        return await self.in_pool(self.pools.learners, work)

    async def in_pool(self, pool: ThreadPoolExecutor, work: Callable[[], Any]) -> Any:
        """Run ``work`` in ``pool``, off the event loop; its :class:`ParcoursError` is the
        answer (:meth:`fail`) and ends the request (``tornado.web.Finish``)."""
        loop = tornado.ioloop.IOLoop.current()
        try:
            return await loop.run_in_executor(pool, work)
        except ParcoursError as exc:
            self.fail(exc)
            raise tornado.web.Finish from exc

    def reply(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(data, ensure_ascii=False, default=str))

    def fail(self, exc: ParcoursError) -> None:
        """A pipeline refusal, as the pipeline words it (400; 413 for a submission too large
        once unpacked), or a failure (500), in JupyterHub's error shape."""
        from ..pipeline.archive import ArchiveTooLarge

        status = 400 if isinstance(exc, BadInputError) else 500
        status = 413 if isinstance(exc, ArchiveTooLarge) else status
        self.reply(error_body(status, str(exc)), status)


_grader: Any = None
_history_writer: Any = None
_history_lock = threading.Lock()


def history_writer(config: Any) -> Any:
    """The service's history writer (:class:`.histwriter.HistoryWriter`, started on first
    use)."""
    global _history_writer
    with _history_lock:
        if _history_writer is None:
            from .histwriter import HistoryWriter

            _history_writer = HistoryWriter(config)
        return _history_writer


def grader() -> Any:
    """The service's grade-on-submit queue (started on first use)."""
    global _grader
    if _grader is None:
        from ..lti.onsubmit import passing_back
        from .ongrade import SubmitGrader, read_result

        config = ServiceHandler.config
        # the learners waiting are woken, then the score goes to the LMS if it has one
        notify = passing_back(config, WAITERS.wake, read_result)
        _grader = SubmitGrader(config, config.workers, notify=notify)
    return _grader
