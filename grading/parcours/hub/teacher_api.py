"""The teachers' side of the Parcours service (:mod:`.service`): a course's pipeline
commands (release, collect, autograde, feedback-release), its roster, history and
problems, for its teachers only (``custom:parcours:teach:<course>`` in the token)."""

from __future__ import annotations

from typing import Any

import tornado.web

from ..i18n import _
from .scopes import needs_scope
from .service import ServiceHandler


class TeachHandler(ServiceHandler):
    """A teacher's pipeline command on their own course."""

    @needs_scope("teach")
    async def post(self, course_id: str, assignment: str, action: str) -> None:
        from ..pipeline.release import release

        course = await self.course(course_id)
        body = self.json_body(dict, b"{}", 'for release: {"to": [groups or learners]}')
        to = body.get("to") or []
        if not isinstance(to, list) or not all(isinstance(x, str) for x in to):
            raise tornado.web.HTTPError(400, _('"to": a JSON array of groups or learners'))
        config = self.config

        def work() -> dict[str, Any]:
            if action == "release":
                from ..course.zones import zone_of

                done = release(config, course, assignment, to=list(to))
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

        def then() -> dict[str, Any]:
            from . import problems
            from .accounts import hand_over_course

            done = work()
            if action in ("autograde", "feedback-release"):  # to the LMS, if it has one
                from ..lti.onsubmit import after_grading

                done["lms_queued"] = after_grading(config, course.id, assignment)
            try:  # what it wrote, to the course's accounts; the command itself is done
                hand_over_course(config, course.id)
            except OSError as exc:
                problems.note(
                    config,
                    course.id,
                    problems.NOT_HANDED_OVER,
                    f"after {action} of {assignment}: {exc}; run `parcours accounts sync`",
                )
            return done

        result = await self.in_pipeline(then)
        self.remember(course.id, action, assignment)
        self.reply({"course": course.id, "assignment": assignment, "action": action, **result})


class RosterHandler(ServiceHandler):
    """A course's roster, for its teachers (``parcours roster COURSE list`` on the hub:
    the roster is the service's file)."""

    @needs_scope("teach")
    async def get(self, course_id: str) -> None:
        from ..pipeline.roster import read_roster

        course, config = await self.course(course_id), self.config
        learners = await self.in_learners(lambda: read_roster(config, course))
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
    """A course's history (:mod:`.history`), for its teachers."""

    @needs_scope("teach")
    async def get(self, course_id: str) -> None:
        from ..store import history

        course, config = await self.course(course_id), self.config
        self.reply(await self.in_learners(lambda: history.read(config, course.id)))


class ProblemsHandler(ServiceHandler):
    """What failed in the service's background work for a course (:mod:`.problems`), for
    its teachers."""

    @needs_scope("teach")
    async def get(self, course_id: str) -> None:
        from . import problems

        course, config = await self.course(course_id), self.config
        self.reply(await self.in_learners(lambda: problems.read(config, course.id)))
