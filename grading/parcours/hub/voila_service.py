"""The dashboards' hub service process: Voila behind JupyterHub's OAuth, every page
checked against the asking user (see :mod:`.dashboards`). Imports Voila and JupyterHub:
only the service process loads this module."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from pathlib import Path
from typing import Any

import tornado.web
from jupyter_server.utils import url_path_join
from jupyterhub.singleuser.extension import JupyterHubIdentityProvider

from ..dashboards.served import ServedPages
from ..dashboards.viewer import HUB_MODE_ENV
from ..dashboards.voila_pages import IndexHandler, PageHandler, ParcoursVoila
from .classlist import CLASS
from .scopes import Access, dashboards_for, may_view, visible_courses

_config: Any = None


def _class() -> tuple[list[str], dict[str, set[str]]]:
    """(the courses, each one's learners) as the files say now: the service's one roster
    cache (:data:`.classlist.CLASS`, read again when a roster or manifest changed; a
    teacher opening a learner's page must teach her)."""
    global _config
    if _config is None:
        from ..config import load_config

        _config = load_config()
    by_course = CLASS.learners_by_course(_config)
    return list(by_course), by_course


_served = ServedPages()


class HubIdentityProvider(JupyterHubIdentityProvider):
    """JupyterHub's identity provider, its OAuth callback under the service prefix
    (Voila's standalone app does not prefix an identity provider's handlers)."""

    def get_handlers(self) -> list[tuple[Any, ...]]:
        prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
        return [(url_path_join(prefix, path), *rest) for path, *rest in super().get_handlers()]


class HubPageHandler(PageHandler):
    """A dashboard page for the hub user asking, or 403."""

    @tornado.web.authenticated
    async def get(self, path: str | None = None) -> None:  # type: ignore[override]
        user: dict[str, Any] = self.current_user.hub_user
        page = Path(path or "").stem
        query = {k: self.get_argument(k) for k in self.request.arguments}
        known, by_course = await asyncio.to_thread(_class)  # the rosters: files, off the loop
        allowed, why = may_view(user, page, query, by_course)
        if not allowed:
            self.log.warning("dashboards: 403 %s for %s: %s", page, user.get("name"), why)
            raise tornado.web.HTTPError(403, why)

        courses = visible_courses(user, known)
        role = "coordinator" if Access.of(user).coordinates else "teacher" if courses else "learner"
        headers = self.request.headers
        headers["X-Parcours-User"] = str(user["name"])
        headers["X-Parcours-Role"] = role
        headers["X-Parcours-Courses"] = ",".join(courses)
        if page == "learner" and not query.get("voila"):
            # read, not played with: built here from the data this process keeps, without
            # a kernel per visit (?voila=1 serves the Voila page), beside the event loop
            self.finish(
                await _served.learner_async(
                    query,
                    {
                        HUB_MODE_ENV: "1",
                        "HTTP_X_PARCOURS_USER": str(user["name"]),
                        "HTTP_X_PARCOURS_ROLE": role,
                        "HTTP_X_PARCOURS_COURSES": ",".join(courses),
                    },
                    self.base_url + "voila/templates/parcours/static/",
                )
            )
            return
        await super().get(path)


class HubIndexHandler(IndexHandler):
    """The dashboards' first page for the hub user asking: only the pages they may open."""

    def pages(self) -> list[str]:
        known, _by_course = _class()
        return dashboards_for(self.current_user.hub_user, known)


class HubVoila(ParcoursVoila):
    """Voila whose pages go through :class:`HubPageHandler`, its first page through
    :class:`HubIndexHandler`."""

    page_handler = HubPageHandler
    index_handler = HubIndexHandler


def main(argv: list[str] | None = None) -> int:
    """Run the dashboards as a hub service (the kernel-wait guard first, as
    :mod:`..dashboards.voila_app`)."""
    from ..dashboards.voila_app import prepare

    prepare()
    os.environ[HUB_MODE_ENV] = "1"
    threading.Thread(target=_served.state, daemon=True).start()  # data ready early
    args = list(sys.argv[1:] if argv is None else argv)
    args.append("--Voila.identity_provider_class=parcours.hub.voila_service.HubIdentityProvider")
    HubVoila.launch_instance(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
