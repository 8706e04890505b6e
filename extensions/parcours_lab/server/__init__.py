"""Parcours' Jupyter server extension: what a Jupyter server can ask the back office.

``GET /parcours/api/deadlines?course=<id>`` returns the assignments of the server's user —
opens, due, their extension, status, whether the correction is available — as JSON. The
request goes through jupyter_server's authentication (token, or JupyterHub's OAuth for a
single-user server), and the learner is the *server's* user: ``JUPYTERHUB_USER`` on a hub,
else ``ParcoursConfig.learner``, else the authenticated user's name. There is no way to ask
for another learner: a learner sees only their own deadlines.

``POST /parcours/api/grade`` (teachers' servers only) grades one posted notebook against an
assignment's source with the configured limits and returns the result, recording nothing
(see :mod:`parcours_lab.server.grade`).

Enabled by ``jupyter_server_config.d/parcours_lab.json`` (shipped with the package).
"""

from __future__ import annotations

import json
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from .grade import GradeHandler, parcours_config, server_user


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "parcours_lab.server"}]


class DeadlinesHandler(APIHandler):
    """The current user's assignments with due dates and extensions."""

    @web.authenticated
    def get(self) -> None:
        from parcours_grading.course.load import find_course, load_course
        from parcours_grading.errors import ParcoursError
        from parcours_grading.pipeline.deadlines import learner_deadlines

        config = parcours_config(self)
        learner = server_user(self, config)
        asked = self.get_argument("learner", None)
        if asked is not None and asked != learner:
            raise web.HTTPError(403, "You can only see your own deadlines.")
        name = self.get_argument("course", "")
        if not name:
            raise web.HTTPError(400, "Give the course: /parcours/api/deadlines?course=<id>.")
        try:
            course = load_course(find_course(config.courses_dir, name))
        except ParcoursError as exc:
            raise web.HTTPError(404, f"Unknown course '{name}': {exc}") from None
        rows = learner_deadlines(config, course, learner)
        self.set_header("Content-Type", "application/json")
        self.finish(
            json.dumps(
                {
                    "course": course.id,
                    "learner": learner,
                    "timezone": course.timezone,
                    "assignments": [row.as_json() for row in rows],
                },
                ensure_ascii=False,
            )
        )


def _load_jupyter_server_extension(serverapp: Any) -> None:
    base = serverapp.web_app.settings["base_url"]
    serverapp.web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "parcours/api/deadlines"), DeadlinesHandler),
            (url_path_join(base, "parcours/api/grade"), GradeHandler),
        ],
    )
    serverapp.log.info(
        "Parcours server extension loaded: /parcours/api/deadlines, /parcours/api/grade"
    )
