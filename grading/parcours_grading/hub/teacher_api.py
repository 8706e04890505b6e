"""The teachers' side of the Parcours service (:mod:`.service`): a course's pipeline
commands (release, collect, autograde, feedback-release) and its history, for its
teachers only."""

from __future__ import annotations

import json
from typing import Any

import tornado.web

from . import history
from .service import ServiceHandler


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

        result = await self.in_pipeline(work)
        from .accounts import hand_over_course

        hand_over_course(config, course.id)
        history.record(config, course.id, self.learner, action, assignment)
        self.reply({"course": course.id, "assignment": assignment, "action": action, **result})


class HistoryHandler(ServiceHandler):
    @tornado.web.authenticated
    def get(self, course_id: str) -> None:
        course = self.course(course_id, teaching=True)
        self.reply(history.read(self.config, course.id))
