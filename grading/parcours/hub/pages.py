"""JupyterHub's own pages in the course language: login, home, server start (spawn,
pending, not running, stopping), logout, the 403/404/500 error pages, the navigation bar
and its "Services" menu.

JupyterHub renders its pages with Jinja from ``JupyterHub.template_paths``, each path
searched before its own templates, which stay reachable as ``templates/<name>``. The
templates of :data:`TEMPLATES` each extend JupyterHub's own (``{% extends
"templates/login.html" %}``) and override only the blocks holding words; every word goes
through gettext (:mod:`parcours.i18n`, catalogue ``hub.po``, extracted from the
templates by :mod:`parcours.i18n.extract`): ``{{ _("Sign in") }}``.

A person's pages speak the language of their courses when those share one, else the hub's:
the courses' language when every course has the same, else ``ParcoursConfig.language``
(the login page, before anyone is known, speaks the hub's). The Services menu names each
service for a person (``Dashboards``, ``Grading: <course title>``); the Parcours data
service, which has no page of its own, is not listed (``display: False`` in
:mod:`.settings`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..i18n import N_, choose_language, gettext_
from .people import DASHBOARDS_SERVICE, formgrader_service

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from .people import People

#: Parcours' JupyterHub templates (``c.JupyterHub.template_paths``)
TEMPLATES = Path(__file__).resolve().parent / "templates"

#: the Services menu's names
SERVICE_LABELS = {DASHBOARDS_SERVICE: N_("Dashboards")}
GRADING_LABEL = N_("Grading: {course}")


@dataclass
class HubPages:
    """The language of each person's hub pages, and how the Services menu names services.

    ``hub_language``: the pages' language for anyone not listed (the login page);
    ``people``: person -> language of their courses (when they share one);
    ``titles``: course id -> title (the formgraders' entries)."""

    hub_language: str
    people: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)

    def language(self, user: Any) -> str:
        """The language of ``user``'s pages (JupyterHub's user, or None: not logged in)."""
        name = getattr(user, "name", None)
        return self.people.get(name, self.hub_language) if name else self.hub_language

    def service_label(self, name: str, lang: str) -> str:
        """A service as the Services menu names it, in ``lang``."""
        if name in SERVICE_LABELS:
            return gettext_(SERVICE_LABELS[name], lang)
        for course, title in self.titles.items():
            if name == formgrader_service(course):
                return gettext_(GRADING_LABEL, lang).format(course=title)
        return name

    def template_vars(self) -> dict[str, Callable[[Any], Any]]:
        """JupyterHub's ``template_vars``: each a callable JupyterHub calls with the user
        of the page being rendered (None on the login page)."""

        def translate(user: Any) -> Callable[[str], str]:
            return partial(gettext_, lang=self.language(user))

        def label(user: Any) -> Callable[[str], str]:
            return partial(self.service_label, lang=self.language(user))

        return {"lang": self.language, "_": translate, "service_label": label}


def hub_pages(config: ParcoursConfig, people: People) -> HubPages:
    """The hub's pages for the courses of ``config``: each person's language from their
    courses (learnt or taught), the hub's from all courses."""
    from ..course.load import list_courses

    courses = {course.id: course for course in list_courses(config.courses_dir)}
    languages = {c: str(course.language) for c, course in courses.items()}

    def common(ids: set[str] | list[str], fallback: str) -> str:
        found = {languages[c] for c in ids if languages.get(c)}
        return choose_language(found.pop() if len(found) == 1 else None, None, fallback)

    hub_language = common(list(languages), config.language)
    by_person = {
        person.name: common(person.learns | person.teaches, hub_language)
        for person in people.by_name.values()
    }
    return HubPages(hub_language, by_person, {c: course.title for c, course in courses.items()})


def configure_pages(c: Any, config: ParcoursConfig, people: People) -> None:
    """Set JupyterHub's ``template_paths`` and ``template_vars`` on its config ``c``."""
    c.JupyterHub.template_paths = [str(TEMPLATES)]
    c.JupyterHub.template_vars = hub_pages(config, people).template_vars()
