"""The course manifest (``courses/<id>/course.toml``) as a typed, versioned model.

Schema version 1. Every table refuses unknown keys so that a typo is reported, not
ignored. Datetimes carry a time zone: either a TOML offset datetime
(``2026-09-21T23:59:00+02:00``) or a local one with the course's or the assignment's
``timezone`` (an IANA name such as ``Europe/Paris``).

Example (abridged)::

    schema_version = 1
    id = "analyse-de-donnees"
    title = "Analyse de données avec pandas"
    language = "fr"
    timezone = "Europe/Paris"
    starts = 2026-09-07

    [[skills]]
    id = "lire"
    label = "Lire et inspecter un jeu de données"

    [[modules]]
    id = "m1"
    title = "Premiers pas"
    [[modules.lessons]]
    id = "l01"
    title = "Découvrir pandas"
    notebook = "lessons/01-decouvrir.ipynb"
    objectives = ["Créer une Series"]
    skills = ["lire"]
    minutes = 20

    [[assignments]]
    id = "devoir-1"
    title = "Premier devoir"
    source = "source/devoir-1"
    module = "m1"
    opens = 2026-09-14T08:00:00
    due = 2026-09-21T23:59:00
    points = 10
    skills = ["lire"]
    minutes = 90
    late_policy = { kind = "penalty", per_day = 0.1, cap = 0.5 }
    correction = "after_due"
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..i18n import N_, Language, _
from .peer import PeerReview, Team
from .tutoring import Tutoring

SCHEMA_VERSION = 1
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Skill(_Strict):
    """A competence the course develops and assesses."""

    id: Identifier
    label: str
    description: str = ""


class Lesson(_Strict):
    """One micro-lesson: a notebook with one objective and quizzes after each part."""

    id: Identifier
    title: str
    notebook: str = Field(description="Path of the lesson notebook, relative to the course.")
    objectives: list[str] = Field(min_length=1)
    skills: list[str] = Field(default_factory=list)
    minutes: int = Field(gt=0, le=240, description="Estimated minutes of learner work.")
    versions: dict[str, str] = Field(
        default_factory=dict,
        description="Optional A/B versions: version name -> notebook path. The learner is "
        "assigned one version at random, stably.",
    )

    @property
    def notebooks(self) -> list[str]:
        """Every notebook of this lesson (the main one and its versions)."""
        return [self.notebook, *[p for p in self.versions.values() if p != self.notebook]]


class Module(_Strict):
    """A sequence of lessons, usually closed by an assignment."""

    id: Identifier
    title: str
    lessons: list[Lesson] = Field(min_length=1)


class LatePolicy(_Strict):
    """What happens to work handed in after the due date (or the learner's extension)."""

    kind: Literal["none", "zero", "penalty"] = "none"
    per_day: float = Field(0.0, ge=0, le=1, description="Fraction of the points lost per day late.")
    cap: float = Field(1.0, ge=0, le=1, description="Largest fraction of the points lost.")

    def penalty(self, days_late: float, points: float) -> float:
        """Points taken off a score for ``days_late`` days (part days count as whole)."""
        if days_late <= 0 or self.kind == "none":
            return 0.0
        if self.kind == "zero":
            return points
        import math

        return round(points * min(self.cap, self.per_day * math.ceil(days_late)), 4)


class Assignment(_Strict):
    """An nbgrader assignment with its dates, points and skills."""

    id: Identifier
    title: str
    source: str = Field(description="nbgrader source folder, relative to the course.")
    module: str = ""
    opens: dt.datetime
    due: dt.datetime
    timezone: str = ""
    points: float = Field(gt=0)
    skills: list[str] = Field(default_factory=list)
    minutes: int = Field(gt=0, le=1200)
    late_policy: LatePolicy = LatePolicy()
    correction: Literal["after_due", "never"] | dt.datetime = Field(
        "after_due",
        description="When the correction is published: after the due date (after each "
        "learner's own extended date), never, or at a given datetime.",
    )
    grade_on_submit: bool = Field(
        False,
        description="On the hub, grade each submission as it arrives and show the learner "
        "which tests passed (never the hidden tests' code); the teacher's own autograde, "
        "manual grading and feedback still follow.",
    )
    peer_review: PeerReview | None = Field(
        None, description="Peer review of the submissions (see course/peer.py)."
    )
    team: Team | None = Field(None, description="Handed in by teams (see course/peer.py).")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        if value:
            _zone(value)
        return value


class KpiTargets(_Strict):
    """The course's targets (defaults from the mission)."""

    weekly_active: float = Field(0.70, ge=0, le=1)
    quiz_mean: float = Field(0.80, ge=0, le=1)
    skills_validated: float = Field(0.90, ge=0, le=1)
    time_to_competence_change: float = Field(-0.20, ge=-1, le=1)


class Workload(_Strict):
    """Limits on a learner's planned work (the mission: 3-4 h a day across all subjects)."""

    hours_per_day: float = Field(3.5, gt=0, le=12)
    hours_per_week: float = Field(10.0, gt=0, le=60)
    class_hour_to_home_minutes: int = Field(
        30, ge=0, le=120, description="Minutes of home work one hour of class stands for."
    )


class Course(_Strict):
    """A whole course: skills, modules of lessons, assignments, KPI targets, workload."""

    schema_version: Literal[1]
    id: Identifier
    title: str
    language: Language = "fr"
    description: str = ""
    timezone: str = "Europe/Paris"
    starts: dt.date | None = None
    #: the teachers' accounts (JupyterHub user names): they release, collect and grade
    #: this course, open its formgrader and its teacher dashboard
    teachers: list[Identifier] = Field(default_factory=list)
    #: the tutors' accounts: they answer the course's questions (docs/tutoring.md)
    tutors: list[Identifier] = Field(default_factory=list)
    skills: list[Skill] = Field(default_factory=list)
    modules: list[Module] = Field(min_length=1)
    assignments: list[Assignment] = Field(default_factory=list)
    kpi: KpiTargets = KpiTargets()
    workload: Workload = Workload()
    tutoring: Tutoring = Tutoring()
    # -- the public course sheet (Qualiopi indicator 1; `parcours sheet`) -------------
    #: what a learner must know or have before starting
    prerequisites: list[str] = Field(default_factory=list)
    #: who the course is for
    public: str = ""
    #: teaching methods and means (asynchronous lessons, quizzes, tutoring...)
    methods: str = ""
    #: how learning is assessed (quizzes, graded assignments, certificate...)
    assessment: str = ""
    #: accessibility for disabled learners: adaptations, referent's contact
    accessibility: str = ""
    #: whom to contact about the course (name, e-mail, telephone)
    contact: str = ""
    #: price as published (free text: "450 € HT", "free")
    price: str = ""
    #: delay of access: how soon after registration a learner can start
    access_delay: str = ""

    #: folder of the course (set by the loader, not read from TOML)
    folder: Path = Field(default=Path("."), exclude=True)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        _zone(value)
        return value

    @model_validator(mode="after")
    def _ids_unique(self) -> Course:
        for kind, ids in (
            ("skill", [s.id for s in self.skills]),
            ("module", [m.id for m in self.modules]),
            ("lesson", [lesson.id for lesson in self.lessons]),
            ("assignment", [a.id for a in self.assignments]),
        ):
            seen: set[str] = set()
            for ident in ids:
                if ident in seen:
                    raise ValueError(
                        _("the {kind} id '{id}' is used twice; ids must be unique").format(
                            kind=_(KINDS[kind]), id=ident
                        )
                    )
                seen.add(ident)
        return self

    # -- convenient views --------------------------------------------------------------
    @property
    def lessons(self) -> list[Lesson]:
        """Every lesson, in course order."""
        return [lesson for module in self.modules for lesson in module.lessons]

    @property
    def skill_ids(self) -> list[str]:
        return [s.id for s in self.skills]

    def lesson(self, lesson_id: str) -> Lesson:
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        raise KeyError(lesson_id)

    def assignment(self, assignment_id: str) -> Assignment:
        for assignment in self.assignments:
            if assignment.id == assignment_id:
                return assignment
        raise KeyError(assignment_id)

    def module_of(self, activity_id: str) -> str:
        """Module id holding a lesson or an assignment."""
        for module in self.modules:
            if any(lesson.id == activity_id for lesson in module.lessons):
                return module.id
        for assignment in self.assignments:
            if assignment.id == activity_id:
                return assignment.module
        raise KeyError(activity_id)

    def aware(self, moment: dt.datetime, zone: str = "") -> dt.datetime:
        """``moment`` with a time zone: its own, else ``zone``, else the course's."""
        if moment.tzinfo is not None:
            return moment
        return moment.replace(tzinfo=_zone(zone or self.timezone))

    def opens(self, assignment: Assignment) -> dt.datetime:
        """When an assignment opens, time-zone aware."""
        return self.aware(assignment.opens, assignment.timezone)

    def due(self, assignment: Assignment) -> dt.datetime:
        """When an assignment is due, time-zone aware."""
        return self.aware(assignment.due, assignment.timezone)

    def path(self, relative: str) -> Path:
        """A path of the course folder."""
        return self.folder / relative


#: what each kind of id is called in messages
KINDS = {
    "skill": N_("skill"),
    "module": N_("module"),
    "lesson": N_("lesson"),
    "assignment": N_("assignment"),
}


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            _("'{name}' is not a known time zone; use an IANA name such as 'Europe/Paris'").format(
                name=name
            )
        ) from exc
