"""Peer review through the Parcours service (:mod:`.service`), for a learner of the
course, always as the token's user (:mod:`parcours.peer.reviewer` decides what she may
see; nothing returned names an author or a reviewer):

``GET api/courses/<course>/peer``
    every assignment of the course with a peer review as her panel shows it
    (:func:`parcours.peer.view.overview`: rubric, queue, what she is told, the reviews of
    her work, her grade in the gradebook).
``GET api/courses/<course>/assignments/<assignment>/peer``
    her review queue (calibration examples first, then the submissions allocated to her,
    each with whether she reviewed it), how far she was from the teacher on each example
    and, once there are grades, her bias and grade for assessing.
``GET api/courses/<course>/assignments/<assignment>/peer/received``
    the reviews of her own submission, anonymous.
``GET api/courses/<course>/assignments/<assignment>/peer/<label>``
    the anonymised, inert page of a submission allocated to her (or an example):
    ``{"label", "html"}``; the page's own Content-Security-Policy runs no script.
``POST api/courses/<course>/assignments/<assignment>/peer/<label>``
    her review: ``{"scores": {"task.criterion": points}, "comments": {task: text}}``;
    201 with what was recorded.
``POST api/courses/<course>/assignments/<assignment>/peer/received/<n>/rating``
    her rating of review ``n`` of her own work: ``{"helpful": 1..5}``
    (:func:`parcours.peer.appeals.rate_review`); 201 with what was recorded.
``POST api/courses/<course>/assignments/<assignment>/peer/appeal``
    her appeal of her peer grade to the teacher: ``{"text": "…"}`` (at most 2,000
    characters, one open at a time); 201 with the appeal.
``GET api/courses/<course>/assignments/<assignment>/peer/appeal``
    her appeals and the teacher's answers, and whether she may appeal now.

``POST api/courses/<course>/assignments/<assignment>/team/contribution``
    on a team assignment, her rating of a team-mate's contribution, once her team has
    handed in: ``{"mate": login, "rating": 1..5}``
    (:func:`parcours.peer.contributions.rate_contribution`); 201 with what was recorded.

Before her overview or her queue is read, the reviews due are allocated
(:func:`allocated_first`): each submission whose author's own due date has passed goes
to its reviewers without the teacher running ``parcours peer … allocate``.

A submission not allocated to her — her own included — is refused (400, one message
whether it exists or not); a course she does not learn is 404, as elsewhere.
"""

from __future__ import annotations

import logging
from typing import Any

from ..i18n import _
from .scopes import needs_scope
from .service import ServiceHandler

log = logging.getLogger("parcours")


def allocated_first(config: Any, course: Any) -> None:
    """The course's reviews due now allocated (:func:`parcours.peer.flow.allocate_due`:
    only what is missing, nothing written when nothing is new), before a learner reads
    her queue. A broken rubric is the teacher's to fix (``parcours check`` says where):
    logged, and her panel shown all the same."""
    from ..errors import ParcoursError
    from ..peer.flow import allocate_due

    try:
        done = allocate_due(config, course)
    except ParcoursError as exc:
        log.warning("peer review of %s: no allocation: %s", course.id, exc)
        return
    for assignment, allocated in done.items():
        if allocated.added:
            log.info(
                "peer review of %s/%s: %d reviews allocated, %d submissions under review",
                course.id,
                assignment,
                allocated.added,
                allocated.submissions,
            )


class PeerHandler(ServiceHandler):
    """What the peer-review routes share: the course and assignment as the manifest says."""

    async def assignment_of(
        self, course_id: str, assignment_id: str, *, team: bool = False
    ) -> tuple[Any, Any]:
        """(course, assignment) for the asking learner; 404 when the assignment has no
        peer review (``team``: is not handed in by teams)."""
        import tornado.web

        course = await self.course(course_id)
        found = next((a for a in course.assignments if a.id == assignment_id), None)
        if found is None or (found.team if team else found.peer_review) is None:
            said = (
                _("'{assignment}' of '{course}' is not handed in by teams", course.language)
                if team
                else _("no peer review of '{assignment}' in '{course}'", course.language)
            )
            raise tornado.web.HTTPError(
                404, said.format(assignment=assignment_id, course=course_id)
            )
        return course, found


class OverviewHandler(PeerHandler):
    @needs_scope("learn")
    async def get(self, course_id: str) -> None:
        from ..peer import view

        course = await self.course(course_id)
        config, me = self.config, self.learner

        def work() -> dict[str, Any]:
            from ..peer.appeals import with_feedback

            allocated_first(config, course)
            return with_feedback(config, course, view.overview(config, course, me), me)

        self.reply(await self.in_learners(work))


class QueueHandler(PeerHandler):
    @needs_scope("learn")
    async def get(self, course_id: str, assignment_id: str) -> None:
        from ..peer import reviewer

        course, assignment = await self.assignment_of(course_id, assignment_id)
        config, me = self.config, self.learner

        def work() -> dict[str, Any]:
            allocated_first(config, course)
            return {
                **reviewer.queue(config, course, assignment, me),
                "told": reviewer.told(config, course, assignment, me),
            }

        self.reply(await self.in_learners(work))


class ReceivedHandler(PeerHandler):
    @needs_scope("learn")
    async def get(self, course_id: str, assignment_id: str) -> None:
        from ..peer import reviewer

        course, assignment = await self.assignment_of(course_id, assignment_id)
        config, me = self.config, self.learner
        found = await self.in_learners(lambda: reviewer.reviews_of(config, course, assignment, me))
        self.reply({"reviews": found})


class ReviewHandler(PeerHandler):
    @needs_scope("learn")
    async def get(self, course_id: str, assignment_id: str, label: str) -> None:
        from ..peer import reviewer

        course, assignment = await self.assignment_of(course_id, assignment_id)
        config, me = self.config, self.learner
        page = await self.in_learners(lambda: reviewer.page(config, course, assignment, me, label))
        self.reply({"label": label, "html": page})

    @needs_scope("learn")
    async def post(self, course_id: str, assignment_id: str, label: str) -> None:
        from ..peer.records import record_review

        course, assignment = await self.assignment_of(course_id, assignment_id)
        lang = course.language
        body = self.json_body(dict, b"{}", _('{"scores": {…}, "comments": {…}}', lang))
        scores, comments = body.get("scores"), body.get("comments") or {}
        if not isinstance(scores, dict) or not isinstance(comments, dict):
            import tornado.web

            raise tornado.web.HTTPError(
                400, _("'scores' and 'comments' must be JSON objects", lang)
            )
        config, me = self.config, self.learner
        recorded = await self.in_learners(
            lambda: record_review(config, course, assignment, me, label, scores, comments)
        )
        self.remember(course.id, "peer review", assignment.id)
        self.reply({"label": label, **recorded}, 201)


class RatingHandler(PeerHandler):
    @needs_scope("learn")
    async def post(self, course_id: str, assignment_id: str, number: str) -> None:
        from ..peer.appeals import rate_review

        course, assignment = await self.assignment_of(course_id, assignment_id)
        body = self.json_body(dict, b"{}", _('{"helpful": 1 to 5}', course.language))
        helpful, config, me = body.get("helpful"), self.config, self.learner
        rated = await self.in_learners(
            lambda: rate_review(config, course, assignment, me, int(number), helpful)
        )
        self.remember(course.id, "peer rating", assignment.id)
        self.reply(rated, 201)


class AppealHandler(PeerHandler):
    @needs_scope("learn")
    async def get(self, course_id: str, assignment_id: str) -> None:
        from ..peer.appeals import my_appeals

        course, assignment = await self.assignment_of(course_id, assignment_id)
        config, me = self.config, self.learner
        self.reply(await self.in_learners(lambda: my_appeals(config, course, assignment, me)))

    @needs_scope("learn")
    async def post(self, course_id: str, assignment_id: str) -> None:
        from ..peer.appeals import appeal

        course, assignment = await self.assignment_of(course_id, assignment_id)
        body = self.json_body(dict, b"{}", _('{"text": "…"}', course.language))
        text, config, me = body.get("text"), self.config, self.learner
        made = await self.in_learners(lambda: appeal(config, course, assignment, me, text))
        self.remember(course.id, "peer appeal", assignment.id)
        self.reply(made, 201)
        self._tell_staff(course, assignment, made["text"])

    def _tell_staff(self, course: Any, assignment: Any, text: str) -> None:
        """E-mail the course's staff of her appeal, after the reply (the appeal is
        recorded: a mail that fails is logged, not retried)."""
        import tornado.ioloop

        from ..errors import ParcoursError
        from ..peer.notify import tell_staff

        config, me = self.config, self.learner

        def send() -> None:
            try:
                told = tell_staff(config, course, assignment, me, text)
            except ParcoursError as exc:
                log.warning("peer review: %s", exc)
                return
            if told:
                log.info("peer review: appeal of %s e-mailed to %s", me, ", ".join(told))

        tornado.ioloop.IOLoop.current().run_in_executor(self.pools.learners, send)


class ContributionHandler(PeerHandler):
    @needs_scope("learn")
    async def post(self, course_id: str, assignment_id: str) -> None:
        from ..peer.contributions import rate_contribution

        course, found = await self.assignment_of(course_id, assignment_id, team=True)
        body = self.json_body(dict, b"{}", _('{"mate": "…", "rating": 1 to 5}', course.language))
        mate, rating, config, me = body.get("mate"), body.get("rating"), self.config, self.learner
        rated = await self.in_learners(
            lambda: rate_contribution(config, course, found, me, mate, rating)
        )
        self.remember(course.id, "team contribution", found.id)
        self.reply(rated, 201)


def routes(prefix: str, name: str) -> list[tuple[str, type]]:
    """The peer-review routes under ``prefix`` (``name``: the id pattern), for
    :func:`.service_app.make_app`."""
    base = prefix + rf"api/courses/{name}/assignments/{name}/peer"
    return [
        (prefix + rf"api/courses/{name}/peer", OverviewHandler),
        (base, QueueHandler),
        (base + "/received", ReceivedHandler),
        (base + r"/received/([0-9]{1,4})/rating", RatingHandler),
        (base + "/appeal", AppealHandler),
        (prefix + rf"api/courses/{name}/assignments/{name}/team/contribution", ContributionHandler),
        (base + r"/((?:copie|exemple)-[A-Za-z0-9]+)", ReviewHandler),
    ]
