"""The teachers' side of the Parcours service (:mod:`.service`): a course's pipeline
commands (release, collect, autograde, feedback-release) and its history, for its
teachers only."""

from __future__ import annotations

import json
from typing import Any

import tornado.web

from . import history
from .service import LEARNERS, ServiceHandler


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
                from ..course.zones import zone_of

                done = release(config, course, assignment, to=list(body.get("to") or []))
                zone = zone_of(course, course.assignment(assignment))
                return {"learners": done.learners, "due": done.due.isoformat(), "timezone": zone}
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
                return {"graded": len(report.graded), "problems": len(report.problems)}
            from ..pipeline.feedback import feedback  # action == "feedback-release"

            fed = feedback(config, course, assignment)
            return {
                "released": sorted(fed.released),
                "withheld": fed.withheld,
                "corrections_published": fed.corrections_published,
                "corrections_pending": fed.corrections_pending,
            }

        result = await self.in_pipeline(work)
        from .accounts import hand_over_course

        hand_over_course(config, course.id)
        history.record(config, course.id, self.learner, action, assignment)
        self.reply({"course": course.id, "assignment": assignment, "action": action, **result})


class RosterHandler(ServiceHandler):
    """A course's roster, for its teachers (``parcours roster COURSE list`` on the hub:
    the roster is the service's file)."""

    @tornado.web.authenticated
    async def get(self, course_id: str) -> None:
        from ..pipeline.roster import read_roster

        course = self.course(course_id, teaching=True)
        learners = await self.in_pool(LEARNERS, lambda: read_roster(self.config, course))
        self.reply(
            [
                {
                    "id": x.id,
                    "first_name": x.first_name,
                    "last_name": x.last_name,
                    "email": x.email,
                    "groups": list(x.groups),
                }
                for x in learners
            ]
        )


class HistoryHandler(ServiceHandler):
    @tornado.web.authenticated
    def get(self, course_id: str) -> None:
        course = self.course(course_id, teaching=True)
        self.reply(history.read(self.config, course.id))
