"""The Parcours service's process: its application (the routes of :mod:`.service`'s
handlers, in :mod:`.learner_api`, :mod:`.teacher_api`, :mod:`.tutoring_api` and
:mod:`.peer_api`) and its ``main``, which JupyterHub starts
(``python -m parcours.hub.service_app``, ``hub/settings.py``).

Apart from :mod:`.service` so that imports only point one way: the handlers import the
service's base handler and its state (configuration, pools, queues); this module imports
them all.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import Any

import tornado.ioloop
import tornado.web

from . import service
from .scopes import PARCOURS_SERVICE

log = logging.getLogger("parcours.service")


#: a request answered later than this is logged (seconds, the service's own time)
SLOW_REQUEST_S = 1.0


def log_request(handler: tornado.web.RequestHandler) -> None:
    """Tornado's per-request log: failures, and answers slower than ``SLOW_REQUEST_S``
    (where a deadline's time goes: the hub's token check is part of it)."""
    took, status = handler.request.request_time(), handler.get_status()
    if status >= 500:
        log.error("%d %s %s %.3f s", status, handler.request.method, handler.request.uri, took)
    elif took >= SLOW_REQUEST_S:
        log.warning(
            "slow: %d %s %s %.3f s", status, handler.request.method, handler.request.uri, took
        )


def max_body(config: Any) -> int:
    """Largest request body accepted, in bytes (``service_max_body_mb``)."""
    return int(config.service_max_body_mb) * 2**20


def make_app(config: Any, prefix: str) -> tornado.web.Application:
    """The service's application under ``prefix`` (``/services/parcours/``)."""
    from .badges_api import routes as badge_routes  # public badge pages (#28)
    from .learner_api import (
        AssignmentHandler,
        CoursePanelHandler,
        CoursesHandler,
        DeadlinesHandler,
        EventsHandler,
        ExchangeHandler,
        FeedbackHandler,
        PanelHandler,
        ResultHandler,
    )
    from .peer_api import routes as peer_routes  # peer review (#27)
    from .teacher_api import HistoryHandler, ProblemsHandler, RosterHandler, TeachHandler
    from .tutoring_api import routes as tutoring_routes

    service.POOLS = service.POOLS or service.Pools(config)
    service.ServiceHandler.config = config
    service.ServiceHandler.hub_auth = service.token_check(config)
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
            (prefix + rf"api/courses/{name}/problems", ProblemsHandler),
            (prefix + rf"api/courses/{name}/roster", RosterHandler),
            *tutoring_routes(prefix, name),
            *peer_routes(prefix, name),
            *badge_routes(prefix),
            (prefix + r"api/panel", PanelHandler),
            (
                prefix + rf"api/courses/{name}/panel/(deadlines|review|workload|badges)",
                CoursePanelHandler,
            ),
        ],
        max_body_size=max_body(config),
        log_function=log_request,
    )


def main() -> int:
    """Run the service where the hub says (``JUPYTERHUB_SERVICE_URL``)."""
    from urllib.parse import urlparse

    from ..config import load_config

    # what the hub's log must show: problems (a request's own answer says the rest)
    logging.basicConfig(
        level=logging.WARNING, format="[%(levelname)1.1s %(asctime)s %(name)s] %(message)s"
    )
    os.umask(0o007)
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{PARCOURS_SERVICE}/")
    config = load_config()
    app = make_app(config, prefix)
    app.listen(url.port or 80, url.hostname or "127.0.0.1", max_body_size=max_body(config))
    # answer the hub's start check at once; load the rest beside the event loop
    threading.Thread(target=service.warm_up, args=(config,), name="warm-up", daemon=True).start()
    tornado.ioloop.IOLoop.current().start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
