"""Who may do what on the hub: read from the token's scopes, the one authorisation model of
the Parcours service and the dashboards.

Parcours registers custom scopes (:mod:`.people` grants them through roles to the groups
the rosters and manifests make); the hub puts in each token those its owner holds, and
drops them from the token the moment the owner loses them (a roster change synced to the
hub):

``custom:parcours:learn:<course>``
    follows the course (her lessons, her dashboard, her assignments)
``custom:parcours:teach:<course>``
    teaches it; teaching a course includes what its learners may ask of the service
``custom:parcours:coordinate``
    reads every course's dashboards

A handler declares the scope it needs (:func:`needs_scope`, as JupyterHub's own); its body
never works out from rosters or manifests who may do what.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import tornado.web

from ..i18n import _

PREFIX = "custom:parcours:"
COORDINATE_SCOPE = PREFIX + "coordinate"
#: the scope letting a token reach the Parcours service at all (JupyterHub's own)
#: the Parcours service's name on the hub (its URL: ``/services/parcours/``)
PARCOURS_SERVICE = "parcours"
SERVICE_ACCESS = f"access:services!service={PARCOURS_SERVICE}"


def learn_scope(course: str) -> str:
    """The scope of a course's learners."""
    return f"{PREFIX}learn:{course}"


def teach_scope(course: str) -> str:
    """The scope of a course's teachers."""
    return f"{PREFIX}teach:{course}"


@dataclass(frozen=True)
class Access:
    """What a token lets its owner do, from its scopes (the hub's model of the token:
    ``name``, ``kind``, ``scopes``)."""

    name: str
    kind: str
    learns: frozenset[str]
    teaches: frozenset[str]
    coordinates: bool

    @classmethod
    def of(cls, user: Any) -> Access:
        """The access of the hub's model ``user`` (a dict, or an object holding it as
        ``hub_user``, as Jupyter servers' identity providers keep it)."""
        model: dict[str, Any] = getattr(user, "hub_user", None) or user or {}
        scopes = set(model.get("scopes") or [])
        learns, teaches = set(), set()
        for scope in scopes:
            if scope.startswith(PREFIX + "learn:"):
                learns.add(scope[len(PREFIX + "learn:") :])
            elif scope.startswith(PREFIX + "teach:"):
                teaches.add(scope[len(PREFIX + "teach:") :])
        return cls(
            name=str(model.get("name") or ""),
            kind=str(model.get("kind") or "user"),
            learns=frozenset(learns),
            teaches=frozenset(teaches),
            coordinates=COORDINATE_SCOPE in scopes,
        )

    @property
    def is_person(self) -> bool:
        """A person's token (``kind`` "user"), not a service's: a service named like a
        learner must never be taken for her."""
        return self.kind == "user"

    @property
    def courses(self) -> frozenset[str]:
        """The courses she learns or teaches."""
        return self.learns | self.teaches

    def may(self, need: str, course: str = "") -> bool:
        """Whether the token holds ``need`` ("learn", "teach" or "coordinate") for
        ``course``; teaching a course includes learning it."""
        if not self.is_person:
            return False
        if need == "coordinate":
            return self.coordinates
        if need == "teach":
            return course in self.teaches
        if need == "learn":
            return course in self.courses
        raise ValueError(f"no such need: {need!r}")

    def check(self, need: str, course: str) -> None:
        """Raise the answer to a request needing ``need`` on ``course``: 404 when she
        neither learns nor teaches it (a learner does not learn which other courses
        exist), 403 when she learns it but the action is a teacher's."""
        if self.may(need, course):
            return
        if need in ("learn", "teach") and course not in self.courses:
            raise tornado.web.HTTPError(
                404, _("no course '{course}' for {user}").format(course=course, user=self.name)
            )
        if need == "teach":
            raise tornado.web.HTTPError(
                403, _("{user} does not teach '{course}'").format(user=self.name, course=course)
            )
        raise tornado.web.HTTPError(403, _("{user} is not a coordinator").format(user=self.name))


Handler = TypeVar("Handler", bound=tornado.web.RequestHandler)
Method = Callable[..., Awaitable[None]]


def needs_scope(need: str) -> Callable[[Method], Method]:
    """Declare the scope a handler's method needs (as JupyterHub's ``needs_scope``):
    "learn" or "teach" for the course named by the URL's first group, "coordinate", or
    "person" (any person's token). Checked from the token's scopes before the body runs;
    without a token, 403. The body finds the access as ``self.access``."""
    if need not in ("learn", "teach", "coordinate", "person"):
        raise ValueError(f"no such need: {need!r}")

    def decorate(method: Method) -> Method:
        @functools.wraps(method)
        async def checked(self: Any, *args: Any, **kwargs: Any) -> None:
            if not self.current_user:
                raise tornado.web.HTTPError(403, _("a JupyterHub token is needed"))
            access = Access.of(self.current_user)
            if need == "person":
                if not access.is_person:
                    raise tornado.web.HTTPError(403)
            else:
                access.check(need, str(args[0]) if args else "")
            self.access = access
            await method(self, *args, **kwargs)

        return checked

    return decorate


def person_scopes(learns: Iterable[str], teaches: Iterable[str], coordinator: bool) -> list[str]:
    """The scopes a token of a person needs to reach the Parcours service as what she is
    (a token asked of the hub's API on her behalf: the hub refuses scopes she lacks)."""
    return sorted(
        {SERVICE_ACCESS}
        | {learn_scope(c) for c in learns}
        | {teach_scope(c) for c in teaches}
        | ({COORDINATE_SCOPE} if coordinator else set())
    )


def may_view(
    user: Any, page: str, query: dict[str, str], rosters: dict[str, set[str]]
) -> tuple[bool, str]:
    """Whether the hub user ``user`` may open the dashboard ``page`` with ``query``; the
    reason when not. ``rosters`` maps each course to its learners' names (a teacher opens
    the pages of her own courses' learners only)."""
    access = Access.of(user)
    name = access.name
    if not access.is_person:  # a service's token names a service, never a person
        return False, f"{name} is a {access.kind}, not a person"
    taught = {c for c in rosters if c in access.teaches}
    if page == "coordinator":
        return (True, "") if access.coordinates else (False, f"{name} is not a coordinator")
    if page == "teacher":
        if not (access.coordinates or taught):
            return False, f"{name} teaches no course"
        course = query.get("assignment", "").split("/", 1)[0] or query.get("course", "")
        if course and not access.coordinates and course not in taught:
            return False, f"{name} does not teach the course '{course}'"
        return True, ""
    if page == "learner":
        asked = query.get("learner", "").strip()
        if not asked or asked == name or access.coordinates:
            return True, ""
        if any(asked in rosters.get(course, set()) for course in taught):
            return True, ""
        return False, f"{name} may not open the page of learner '{asked}'"
    return False, f"no dashboard '{page}'"


def dashboards_for(user: Any, courses: list[str]) -> list[str]:
    """The dashboards listed on the first page for ``user`` (each one :func:`may_view`
    lets them open)."""
    access = Access.of(user)
    pages: list[str] = []
    if not access.is_person:
        return pages
    if access.coordinates:
        pages += ["coordinator", "teacher"]
    elif any(c in access.teaches for c in courses):
        pages.append("teacher")
    if any(c in access.learns for c in courses):
        pages.append("learner")
    return pages


def visible_courses(user: Any, courses: list[str]) -> list[str]:
    """The courses whose teacher pages ``user`` sees: all for a coordinator, else the
    ones they teach."""
    access = Access.of(user)
    if access.coordinates:
        return list(courses)
    return [c for c in courses if c in access.teaches]
