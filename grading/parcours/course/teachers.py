"""Who teaches a course: the one place that says it, on the hub and on one machine.

A course's teachers are its manifest's ``teachers`` (``course.toml``). On the hub they
become the ``formgrade-<course>`` group and its ``custom:parcours:teach:<course>`` scope
(:mod:`parcours.hub.people`); on one machine the dashboards and the grading endpoint ask
:func:`teaches`. Never an environment variable: a role is granted by the course's own file
— and, on the hub, by the LMS the course is linked to, whose signed launches and roster
say who teaches it there (:func:`parcours.lti.nrps.lms_teachers`, read by the hub).

``c.ParcoursConfig.dashboard_teachers`` is deprecated: on one machine still read, as
teachers of every course added to the manifests' (a warning says so), until it is moved
into the manifests. Never on the hub (:mod:`parcours.hub.people`): there, as before, only
the manifests make teachers — a setting must not open the hub to an account no course
names.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

log = logging.getLogger("parcours")
_warned: set[tuple[str, ...]] = set()


def _deprecated(config: Any) -> frozenset[str]:
    names = tuple(sorted(getattr(config, "dashboard_teachers", None) or ()))
    if names and names not in _warned:
        _warned.add(names)
        log.warning(
            "c.ParcoursConfig.dashboard_teachers is deprecated (%s): name each course's "
            "teachers in its course.toml (teachers = [...]); it is read as teachers of every "
            "course meanwhile",
            ", ".join(names),
        )
    return frozenset(names)


def teachers(config: Any, course: Any, *, hub: bool = False) -> frozenset[str]:
    """The people who teach ``course`` (a :class:`.model.Course`): its manifest's
    ``teachers``, and on one machine (not ``hub``) the deprecated ``dashboard_teachers``."""
    named = frozenset(course.teachers)
    return named if hub else named | _deprecated(config)


def teaches(config: Any, user: str, course: Any) -> bool:
    """Whether ``user`` teaches ``course``."""
    return bool(user) and user in teachers(config, course)


def courses_taught(config: Any, user: str, courses: Iterable[Any] | None = None) -> list[str]:
    """The ids of the courses ``user`` teaches, among ``courses`` (default: every course
    of ``courses_dir``)."""
    if courses is None:
        from .load import list_courses

        courses = list_courses(config.courses_dir)
    return sorted(c.id for c in courses if teaches(config, user, c))
