"""The panel's peer-review endpoints (JSON; the learner is always the server's user).

``GET parcours/api/peer?course=<id>``
    the views' labels and every assignment of the course with a peer review: its rubric,
    her queue (calibration examples first), what she is told of her assessing, the
    anonymous reviews of her work, her grade (:func:`parcours.peer.view.overview`);
``GET parcours/api/peer/page?course=<id>&assignment=<id>&label=<label>``
    the anonymised, inert page of a submission allocated to her, or an example;
``POST parcours/api/peer/review``
    ``{"course", "assignment", "label", "scores", "comments"}``: her review;
``POST parcours/api/peer/rating``
    ``{"course", "assignment", "number", "helpful"}``: her rating (1 to 5) of review
    ``number`` of her own work (:func:`parcours.peer.appeals.rate_review`);
``POST parcours/api/peer/contribution``
    ``{"course", "assignment", "mate", "rating"}``: on a team assignment, her rating (1 to
    5) of a team-mate's contribution (:func:`parcours.peer.contributions.rate_contribution`);
``GET parcours/api/peer/appeal?course=<id>&assignment=<id>``
    her appeals of her peer grade and the teacher's answers;
``POST parcours/api/peer/appeal``
    ``{"course", "assignment", "text"}``: her appeal to the teacher.

One machine: :mod:`parcours.peer` runs here. On the hub this server reads no course
data: each call goes to the Parcours service (``api/courses/<id>/peer…``) with the
server's own token; the service decides what she may see.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from parcours.i18n import _, language
from tornado import web

from .panel import PanelHandler

LABEL = re.compile(r"^(?:copie|exemple)-[A-Za-z0-9]+$")
IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def texts(lang: str) -> dict[str, str]:
    """The views' labels in ``lang`` (the panel holds no text)."""
    with language(lang):
        return {
            "heading": _("Peer review"),
            "due": _("Reviews due"),
            "calibrate": _("Calibrate first"),
            "calibrate_intro": _(
                "Assess this example as the teacher would: you will be told how far you were."
            ),
            "to_review": _("Submissions to review"),
            "nothing_yet": _(
                "Nothing to review yet: submissions are allocated after the due date."
            ),
            "review": _("Review"),
            "done": _("already reviewed"),
            "not_done": _("to do"),
            "page_title": _("Anonymous submission"),
            "comment": _("Comment (optional)"),
            "send": _("Send my review"),
            "sent": _("Your review is recorded."),
            "choose_all": _("Choose a level for every criterion."),
            "told": _("Your assessing"),
            "received": _("Reviews of my work"),
            "no_received": _("No review of your work yet."),
            "review_number": _("Review {n}"),
            "grade": _("My grade"),
            "team": _("My team"),
            "teams_heading": _("Team work"),
            "last_hand_in": _("Last hand-in by {who}, {when}."),
            "no_hand_in": _("Not handed in yet: any member hands in for the whole team, once."),
            "helpful": _("How helpful was this review?"),
            "helpful_1": _("1 – not helpful"),
            "helpful_2": _("2 – a little helpful"),
            "helpful_3": _("3 – helpful"),
            "helpful_4": _("4 – quite helpful"),
            "helpful_5": _("5 – very helpful"),
            "rated": _("Your rating is recorded."),
            "appeal": _("Appeal to the teacher"),
            "appeal_intro": _(
                "If you think your grade is not fair, explain why to your teacher "
                "(at most 2,000 characters). One appeal at a time."
            ),
            "appeal_text": _("Your appeal"),
            "appeal_send": _("Send my appeal"),
            "appeal_sent": _("Your appeal is sent to the teacher."),
            "appeal_empty": _("Write your appeal before sending it."),
            "appeal_open": _("Your appeal of {when} is waiting for the teacher's answer."),
            "appeal_settled": _("The teacher answered your appeal of {when}:"),
            "appeal_yours": _("You wrote:"),
            "contribution_intro": _(
                "Your team has handed in: say how each team-mate contributed (only your "
                "teacher sees it)."
            ),
            "contribution": _("How much did {who} contribute?"),
            "contribution_1": _("1 – far less than agreed"),
            "contribution_2": _("2 – less than agreed"),
            "contribution_3": _("3 – as agreed"),
            "contribution_4": _("4 – more than agreed"),
            "contribution_5": _("5 – far more than agreed"),
            "contributed": _("Your rating of {who} is recorded."),
        }


class PeerRelay(PanelHandler):
    """What the endpoints share: the learner's course, the service client or None."""

    def where(self, course_id: Any) -> tuple[Any, str, Any, Any]:
        """(config, me, the hub client or None, the course: the service's entry or the
        manifest)."""
        config, me = self.setup()
        course = self.course(config, me, course_id)
        return config, me, self.client(config), course

    @staticmethod
    def checked(value: Any, pattern: re.Pattern[str], what: str) -> str:
        """``value`` when it has the shape of an id, else a 400 (nothing else goes into a
        service URL)."""
        if not isinstance(value, str) or not pattern.match(value):
            raise web.HTTPError(400, _("Give a valid '{what}'.").format(what=what))
        return value

    @staticmethod
    def assignment(course: Any, assignment_id: str, team: bool = False) -> Any:
        """The assignment with a peer review (``team``: a team assignment)."""
        from parcours.errors import BadInputError

        found = next((a for a in course.assignments if a.id == assignment_id), None)
        if team and (found is None or found.team is None):
            raise BadInputError(
                _("'{assignment}' of '{course}' is not handed in by teams").format(
                    assignment=assignment_id, course=course.id
                )
            )
        if not team and (found is None or found.peer_review is None):
            raise BadInputError(
                _("no peer review of '{assignment}' in '{course}'").format(
                    assignment=assignment_id, course=course.id
                )
            )
        return found


class OverviewHandler(PeerRelay):
    @web.authenticated
    async def get(self) -> None:
        course_id = self.get_argument("course", "")
        config, me, client, course = self.where(course_id)

        def work() -> dict[str, Any]:
            if client is not None:
                data = client.json("GET", f"api/courses/{quote(course_id)}/peer", "peer review")
                lang = course["language"]
            else:
                from parcours.peer.appeals import with_feedback
                from parcours.peer.view import overview

                data = with_feedback(config, course, overview(config, course, me), me)
                lang = course.language
            return {"texts": texts(lang), "lang": lang, **data}

        await self.answer(work)


class PageHandler(PeerRelay):
    @web.authenticated
    async def get(self) -> None:
        course_id = self.get_argument("course", "")
        assignment_id = self.checked(self.get_argument("assignment", ""), IDENTIFIER, "assignment")
        label = self.checked(self.get_argument("label", ""), LABEL, "label")
        config, me, client, course = self.where(course_id)

        def work() -> dict[str, Any]:
            if client is not None:
                path = f"api/courses/{quote(course_id)}/assignments/{assignment_id}/peer/{label}"
                return dict(client.json("GET", path, label))
            from parcours.peer.reviewer import page

            assignment = self.assignment(course, assignment_id)
            return {"label": label, "html": page(config, course, assignment, me, label)}

        await self.answer(work)


class ReviewHandler(PeerRelay):
    @web.authenticated
    async def post(self) -> None:
        body = self.body()
        course_id = body.get("course", "")
        assignment_id = self.checked(body.get("assignment"), IDENTIFIER, "assignment")
        label = self.checked(body.get("label"), LABEL, "label")
        scores, comments = body.get("scores"), body.get("comments") or {}
        if not isinstance(scores, dict) or not isinstance(comments, dict):
            raise web.HTTPError(400, _("'scores' and 'comments' must be JSON objects"))
        config, me, client, course = self.where(course_id)

        def work() -> dict[str, Any]:
            sent = {"scores": scores, "comments": comments}
            if client is not None:
                course_path = f"api/courses/{quote(str(course_id))}"
                path = f"{course_path}/assignments/{assignment_id}/peer/{label}"
                return dict(client.json("POST", path, label, sent))
            from parcours.peer.records import record_review

            assignment = self.assignment(course, assignment_id)
            recorded = record_review(config, course, assignment, me, label, scores, comments)
            return {"label": label, **recorded}

        await self.answer(work)


class RatingHandler(PeerRelay):
    @web.authenticated
    async def post(self) -> None:
        body = self.body()
        course_id = body.get("course", "")
        assignment_id = self.checked(body.get("assignment"), IDENTIFIER, "assignment")
        number, helpful = body.get("number"), body.get("helpful")
        if isinstance(number, bool) or not isinstance(number, int) or not 0 < number < 10000:
            raise web.HTTPError(400, _("Give the review's number as 'number'."))
        config, me, client, course = self.where(course_id)

        def work() -> dict[str, Any]:
            if client is not None:
                path = (
                    f"api/courses/{quote(str(course_id))}/assignments/{assignment_id}"
                    f"/peer/received/{number}/rating"
                )
                return dict(client.json("POST", path, "rating", {"helpful": helpful}))
            from parcours.peer.appeals import rate_review

            assignment = self.assignment(course, assignment_id)
            return rate_review(config, course, assignment, me, number, helpful)

        await self.answer(work)


class AppealHandler(PeerRelay):
    def _path(self, course_id: Any, assignment_id: str) -> str:
        return f"api/courses/{quote(str(course_id))}/assignments/{assignment_id}/peer/appeal"

    @web.authenticated
    async def get(self) -> None:
        course_id = self.get_argument("course", "")
        assignment_id = self.checked(self.get_argument("assignment", ""), IDENTIFIER, "assignment")
        config, me, client, course = self.where(course_id)

        def work() -> dict[str, Any]:
            if client is not None:
                return dict(client.json("GET", self._path(course_id, assignment_id), "appeal"))
            from parcours.peer.appeals import my_appeals

            return my_appeals(config, course, self.assignment(course, assignment_id), me)

        await self.answer(work)

    @web.authenticated
    async def post(self) -> None:
        body = self.body()
        course_id = body.get("course", "")
        assignment_id = self.checked(body.get("assignment"), IDENTIFIER, "assignment")
        text = body.get("text")
        config, me, client, course = self.where(course_id)

        def work() -> dict[str, Any]:
            if client is not None:
                path = self._path(course_id, assignment_id)
                return dict(client.json("POST", path, "appeal", {"text": text}))
            from parcours.peer.appeals import appeal

            return appeal(config, course, self.assignment(course, assignment_id), me, text)

        await self.answer(work)


class ContributionHandler(PeerRelay):
    @web.authenticated
    async def post(self) -> None:
        body = self.body()
        course_id = body.get("course", "")
        assignment_id = self.checked(body.get("assignment"), IDENTIFIER, "assignment")
        sent = {"mate": body.get("mate"), "rating": body.get("rating")}
        config, me, client, course = self.where(course_id)

        def work() -> dict[str, Any]:
            if client is not None:
                path = (
                    f"api/courses/{quote(str(course_id))}/assignments/{assignment_id}"
                    "/team/contribution"
                )
                return dict(client.json("POST", path, "contribution", sent))
            from parcours.peer.contributions import rate_contribution

            assignment = self.assignment(course, assignment_id, team=True)
            return rate_contribution(config, course, assignment, me, sent["mate"], sent["rating"])

        await self.answer(work)


#: path under the server's base URL -> handler
HANDLERS = {
    "parcours/api/peer": OverviewHandler,
    "parcours/api/peer/page": PageHandler,
    "parcours/api/peer/review": ReviewHandler,
    "parcours/api/peer/rating": RatingHandler,
    "parcours/api/peer/appeal": AppealHandler,
    "parcours/api/peer/contribution": ContributionHandler,
}
