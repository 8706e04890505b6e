"""Who is who on the hub: learners (the courses' rosters), teachers (each manifest's
``teachers``, and those the LMS a course is linked to says teach it: LTI 1.3 launches
and its roster, :func:`parcours.lti.nrps.lms_teachers`) and coordinators
(``ParcoursConfig.coordinators``), and what the hub must know of them: groups, roles
and Parcours' custom scopes.

Group names follow nbgrader's multi-course convention so that nbgrader's own JupyterLab
extensions find the courses: ``nbgrader-<course>`` (the course's learners),
``formgrade-<course>`` (its teachers); plus ``coordinators``. Each group gets a role with
Parcours' custom scopes (:mod:`.scopes`), which the hub puts in the tokens its members
use with Parcours' services; the services authorise from those scopes only. A roster
change reaches the hub's groups through ``parcours accounts sync`` (run by every
``parcours roster`` change on a hub machine: :func:`.server.sync_everything`).
Plain functions over plain data: no hub needed to test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError
from ..i18n import _
from .scopes import (
    COORDINATE_SCOPE,
    SERVICE_ACCESS,
    learn_scope,
    person_scopes,
    teach_scope,
)

if TYPE_CHECKING:
    from ..config import ParcoursConfig

#: the hub service serving the dashboards
DASHBOARDS_SERVICE = "dashboards"
#: the hub service holding the data: events, fetch, submit, deadlines, feedback
#: the service whose token `parcours accounts sync` uses to manage users and groups
ACCOUNTS_SERVICE = "parcours-accounts"
#: the Unix account the Parcours service runs as on the hub (a system account, no login):
#: the data folder is its own, each course's nbgrader folder shared with that course's
#: grader account through the course's data group (:func:`data_group`)
SERVICE_ACCOUNT = "parcours-service"
COORDINATORS_GROUP = "coordinators"
#: a Unix and hub account name: lowercase letters, digits, '-', '_', '.'; 32 at most
_ACCOUNT = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}$")


def learners_group(course: str) -> str:
    """The hub group of a course's learners (nbgrader's name)."""
    return f"nbgrader-{course}"


def teachers_group(course: str) -> str:
    """The hub group of a course's teachers (nbgrader's name)."""
    return f"formgrade-{course}"


def formgrader_service(course: str) -> str:
    """The hub service of a course's formgrader."""
    return f"formgrader-{course}"


def data_group(course: str) -> str:
    """The Unix group sharing a course's nbgrader folder between the Parcours service and
    the course's grader account (its formgrader) — and no one else: its teachers are in
    ``grader-<course>`` (the content), not in this one."""
    return f"data-{course}"[:32]


def grader_account(course: str) -> str:
    """The Unix account a course's formgrader runs as (nbgrader's multi-course setup)."""
    return f"grader-{course}"[:32]


@dataclass
class Person:
    """One account: what they learn, teach, and whether they coordinate."""

    name: str
    learns: set[str] = field(default_factory=set)
    teaches: set[str] = field(default_factory=set)
    coordinator: bool = False
    #: from the roster, when known
    full_name: str = ""
    email: str = ""

    @property
    def role(self) -> str:
        """'coordinator', 'teacher' or 'learner' (the highest they hold)."""
        if self.coordinator:
            return "coordinator"
        return "teacher" if self.teaches else "learner"

    @property
    def scopes(self) -> list[str]:
        """The scopes a token of theirs needs for the Parcours service (what the hub
        grants them through their groups' roles)."""
        return person_scopes(self.learns, self.teaches, self.coordinator)


@dataclass
class People:
    """Everyone with an account, by name, and the courses they were read from."""

    by_name: dict[str, Person]
    courses: list[str]

    def groups(self) -> dict[str, list[str]]:
        """Hub group -> member names (JupyterHub's ``load_groups``)."""
        groups: dict[str, list[str]] = {COORDINATORS_GROUP: []}
        for course in self.courses:
            groups[learners_group(course)] = []
            groups[teachers_group(course)] = []
        for person in self.by_name.values():
            for course in person.learns:
                groups[learners_group(course)].append(person.name)
            for course in person.teaches:
                groups[teachers_group(course)].append(person.name)
            if person.coordinator:
                groups[COORDINATORS_GROUP].append(person.name)
        return {name: sorted(members) for name, members in groups.items()}

    def roles(self) -> list[dict[str, Any]]:
        """JupyterHub roles granting Parcours' scopes to the groups (``load_roles``)."""
        dashboards = f"access:services!service={DASHBOARDS_SERVICE}"
        service = SERVICE_ACCESS
        roles: list[dict[str, Any]] = [
            {
                "name": "parcours-coordinator",
                "description": "Reads every course's dashboards",
                "scopes": [COORDINATE_SCOPE, dashboards, service],
                "groups": [COORDINATORS_GROUP],
            }
        ]
        for course in self.courses:
            roles.append(
                {
                    "name": f"parcours-learner-{course}",
                    "description": f"Follows the course {course}",
                    "scopes": [learn_scope(course), dashboards, service],
                    "groups": [learners_group(course)],
                }
            )
            roles.append(
                {
                    "name": f"parcours-teacher-{course}",
                    "description": f"Teaches the course {course}",
                    "scopes": [
                        teach_scope(course),
                        dashboards,
                        service,
                        f"access:services!service={formgrader_service(course)}",
                    ],
                    "groups": [teachers_group(course)],
                }
            )
        return roles

    def custom_scopes(self) -> dict[str, dict[str, str]]:
        """Parcours' custom scopes (JupyterHub's ``custom_scopes``)."""
        scopes = {COORDINATE_SCOPE: {"description": "Read every course's dashboards"}}
        for course in self.courses:
            scopes[learn_scope(course)] = {"description": f"Follow the course {course}"}
            scopes[teach_scope(course)] = {"description": f"Teach the course {course}"}
        return scopes


def check_account(name: str, where: str) -> str:
    """``name`` if it can be a Unix and hub account, else a :class:`BadInputError`."""
    if not _ACCOUNT.match(name):
        raise BadInputError(
            _(
                "{where}: '{name}' cannot be an account name on the hub: use at most 32 "
                "lowercase letters, digits, '-', '_' or '.', starting with a letter. "
                "Rename it there, then run `parcours accounts sync` again."
            ).format(where=where, name=name)
        )
    return name


def read_people(config: ParcoursConfig) -> People:
    """Everyone, from the courses' manifests and rosters and the configuration."""
    from ..course.load import list_courses
    from ..course.teachers import teachers
    from ..lti.nrps import lms_teachers
    from ..pipeline.roster import load_roster

    courses = list_courses(config.courses_dir)
    by_name: dict[str, Person] = {}

    def person(name: str, where: str) -> Person:
        check_account(name, where)
        return by_name.setdefault(name, Person(name))

    for course in courses:
        check_account(grader_account(course.id), f"{course.folder}/course.toml: id")
        for teacher in sorted(teachers(config, course, hub=True)):  # who teaches: one place
            person(teacher, f"{course.folder}/course.toml: teachers").teaches.add(course.id)
        # and who the LMS the course is linked to says teaches it (a signed launch or the
        # roster it serves; gone again when the LMS's roster no longer has them)
        for teacher in sorted(lms_teachers(config, course.id)):
            person(teacher, "the LMS (lti.sqlite: people)").teaches.add(course.id)
        roster = load_roster(config, course)
        for learner in roster.learners.values():
            found = person(learner.id, str(roster.path))
            found.learns.add(course.id)
            found.full_name = found.full_name or " ".join(
                filter(None, (learner.first_name, learner.last_name))
            )
            found.email = found.email or learner.email
    for name in config.coordinators:
        person(name, "c.ParcoursConfig.coordinators").coordinator = True
    return People(by_name, [course.id for course in courses])
