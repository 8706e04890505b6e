"""Parcours' Jupyter server extension: what a Jupyter server can ask the back office.

The "Mon parcours" panel's endpoints (:mod:`.panel`): ``GET parcours/api/path``,
``deadlines``, ``review``, ``workload``, ``badges``; ``POST parcours/api/fetch``, ``submit``,
``feedback``. ``GET /parcours/api/deadlines?course=<id>`` returns the assignments of the
server's user — opens, due, their extension, status, whether the correction is available,
what they may do now — as JSON. Each request goes through jupyter_server's
authentication (token, or JupyterHub's OAuth for a single-user server), and the
learner is the *server's* user: ``JUPYTERHUB_USER`` on a hub, else
``ParcoursConfig.learner``, else the authenticated user's name. There is no way to ask for
another learner: a learner sees and acts on only their own path.

``POST /parcours/api/grade`` (teachers' servers only) grades one posted notebook against an
assignment's source with the configured limits and returns the result, recording nothing
(see :mod:`parcours_lab.server.grade`).

Enabled by ``jupyter_server_config.d/parcours_lab.json`` (shipped with the package).
"""

from __future__ import annotations

from typing import Any

from jupyter_server.utils import url_path_join

from .grade import GradeHandler
from .panel import HANDLERS
from .peer import HANDLERS as PEER
from .questions import HANDLERS as QUESTIONS


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "parcours_lab.server"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    base = serverapp.web_app.settings["base_url"]
    serverapp.web_app.add_handlers(
        ".*$",
        [
            *((url_path_join(base, path), handler) for path, handler in HANDLERS.items()),
            *((url_path_join(base, path), handler) for path, handler in QUESTIONS.items()),
            *((url_path_join(base, path), handler) for path, handler in PEER.items()),
            (url_path_join(base, "parcours/api/grade"), GradeHandler),
        ],
    )
    serverapp.log.info(
        "Parcours server extension loaded: /parcours/api/grade, /%s", ", /".join(HANDLERS)
    )
