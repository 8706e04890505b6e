"""Who views a dashboard kernel on the hub: the Voila dashboards run as a JupyterHub
service (``python -m parcours.hub.voila_service`` takes Voila's command line, built by
:func:`.server.voila_command`).

Who asks comes from the hub: JupyterHub's own identity provider for Jupyter servers
(OAuth with the hub, the user's model with Parcours' custom scopes). Before a page runs,
:class:`parcours.hub.voila_service.HubPageHandler` checks
:func:`parcours.hub.people.may_view` (the coordinator page for
coordinators, teacher pages for that course's teachers, a learner page for that learner,
their teachers and coordinators) and answers 403 otherwise; then it hands the kernel the
viewer in request headers it sets itself (any such header sent by the browser is
replaced): ``X-Parcours-User``, ``X-Parcours-Role``, ``X-Parcours-Courses``. Voila passes
them to the kernel as ``HTTP_X_PARCOURS_…`` (``VoilaConfiguration.http_header_envs``);
the pages read them through :func:`hub_viewer`. No query parameter or header a visitor
sends changes who they are.
"""

from __future__ import annotations

import os
from typing import Any

#: request headers set by the service for the page's kernel (never the browser's)
HUB_HEADERS = ("X-Parcours-User", "X-Parcours-Role", "X-Parcours-Courses")
#: set in the service's environment: pages trust only the headers above
HUB_MODE_ENV = "PARCOURS_HUB_DASHBOARDS"


def hub_mode(environ: Any = None) -> bool:
    """Whether this process is a dashboard kernel of the hub service."""
    return (os.environ if environ is None else environ).get(HUB_MODE_ENV) == "1"


def hub_viewer(environ: Any = None) -> tuple[str, str, list[str]]:
    """In a hub dashboard kernel: (user, role, courses they see) as the service set them."""
    env = os.environ if environ is None else environ
    courses = [c for c in env.get("HTTP_X_PARCOURS_COURSES", "").split(",") if c]
    return env.get("HTTP_X_PARCOURS_USER", ""), env.get("HTTP_X_PARCOURS_ROLE", ""), courses
