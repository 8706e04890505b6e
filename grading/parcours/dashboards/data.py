"""What the dashboards read: the analytics frames, the rosters' groups, and "now".

:func:`load_dashboard_data` calls :func:`parcours.analytics.load_frames` (manifests,
event store and gradebooks, one SQL query per table) and adds what only the dashboards
need: each learner's groups from the course rosters (``<data_dir>/courses/<id>/roster.csv``)
and the moment the class is seen at (``ParcoursConfig.dashboard_now``, default the current
time). :meth:`DashboardData.filtered` restricts everything to a course, a cohort, a group
and a period, giving frames every analytics function accepts unchanged.

Cohorts are roster groups whose name starts with ``cohort`` (``cohorte-2026-a``,
``cohort-b``...); the other groups are groups (half-classes, differentiation groups...).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..i18n import _

if TYPE_CHECKING:
    import pandas as pd

    from ..analytics.frames import ClassData
    from ..config import ParcoursConfig

COHORT_PREFIXES = ("cohort",)
#: ``name``: the roster's first and last name ("" when it has none; see :mod:`.names`)
MEMBERSHIP_COLUMNS = ["course", "learner", "student_id", "group", "is_cohort", "name"]


@dataclass
class DashboardData:
    """The analytics frames plus groups, "now" and the thresholds in force."""

    frames: ClassData
    #: one row per learner and roster group (group '' for a learner in none): course,
    #: learner, student_id, group, is_cohort, name (the roster's; older frames lack it)
    memberships: pd.DataFrame
    now: pd.Timestamp
    band_thresholds: dict[str, float] = field(default_factory=dict)
    risk_thresholds: dict[str, float] = field(default_factory=dict)
    seed: int = 2026
    salt: str = "parcours-demo-salt"
    #: results computed once per (filtered) data: status, mastery (see :meth:`cached`)
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once for this data; the same result afterwards."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    @property
    def courses(self) -> dict:
        return self.frames.courses

    def zones(self, courses: pd.Series, activities: pd.Series | None = None) -> list[str]:
        """The zone each line's dates were written in: its assignment's ``timezone`` if
        it has one, else its course's (``course.toml``); UTC for an unknown course."""
        from ..course.zones import zone_of

        out: list[str] = []
        ids = list(activities) if activities is not None else [None] * len(courses)
        for course, activity in zip(courses, ids, strict=True):
            known = self.courses.get(str(course))
            if known is None:
                out.append("UTC")
                continue
            assignment = next((a for a in known.assignments if a.id == activity), None)
            out.append(zone_of(known, assignment))
        return out

    def local_times(
        self, courses: pd.Series, moments: pd.Series, activities: pd.Series | None = None
    ) -> list[Any]:
        """Each moment in the zone it was written in (see :meth:`zones`): what a learner
        of that course reads on the wall clock. Missing moments stay missing."""
        import pandas as pd

        out: list[Any] = []
        for zone, moment in zip(self.zones(courses, activities), moments, strict=True):
            out.append(moment if pd.isna(moment) else pd.Timestamp(moment).tz_convert(zone))
        return out

    def shown_times(
        self, courses: pd.Series, moments: pd.Series, lang: str, activities: pd.Series | None = None
    ) -> list[str]:
        """Each moment as a person of ``lang`` reads it (babel), its zone named
        (``21 Sept 2026, 23:59 (Cayenne time, UTC−3)``); '' when missing."""
        import pandas as pd

        from ..i18n import display, language

        with language(lang):
            return [
                "" if pd.isna(moment) else display.moment(moment, zone)
                for zone, moment in zip(self.zones(courses, activities), moments, strict=True)
            ]

    def cohorts(self) -> list[str]:
        m = self.memberships
        return sorted(m[m["is_cohort"]]["group"].unique())

    def groups(self) -> list[str]:
        m = self.memberships
        return sorted(g for g in m[~m["is_cohort"]]["group"].unique() if g)

    def learner_labels(self) -> pd.DataFrame:
        """course, learner, cohort, group (several groups joined by ', ')."""
        m = self.memberships
        base = self.frames.learners[["course", "learner"]].drop_duplicates()
        for column, cohort in (("cohort", True), ("group", False)):
            chosen = m[(m["is_cohort"] == cohort) & (m["group"] != "")]
            if chosen.empty:  # nobody in a group yet (also: an empty class)
                base[column] = ""
                continue
            part = (
                chosen.groupby(["course", "learner"])["group"]
                .agg(lambda g: ", ".join(sorted(g)))
                .rename(column)
            )
            base = base.merge(part.reset_index(), on=["course", "learner"], how="left")
        return base.fillna({"cohort": "", "group": ""})

    def filtered(
        self,
        course: str | None = None,
        cohort: str | None = None,
        group: str | None = None,
        since: pd.Timestamp | None = None,
    ) -> DashboardData:
        """The same data restricted to a course, a cohort, a group, and events since a
        moment. Empty filters keep everything."""
        from ..analytics.frames import ClassData

        if not (course or cohort or group or since is not None):
            return self  # same data, same cache
        f = self.frames
        learners = f.learners
        if course:
            learners = learners[learners["course"] == course]
        for name in (cohort, group):
            if name:
                members = self.memberships[self.memberships["group"] == name]
                keep = set(zip(members["course"], members["learner"], strict=True))
                learners = learners[
                    [
                        (c, x) in keep
                        for c, x in zip(learners["course"], learners["learner"], strict=True)
                    ]
                ]
        who = set(learners["learner"])

        def rows(frame: pd.DataFrame) -> pd.DataFrame:
            mask = frame["learner"].isin(who)
            if course:
                mask &= frame["course"] == course
            return frame[mask].reset_index(drop=True)

        events = rows(f.events)
        if since is not None:
            events = events[events["timestamp"] >= since].reset_index(drop=True)
        courses = {course: f.courses[course]} if course else f.courses
        frames = ClassData(
            courses=courses,
            learners=learners.reset_index(drop=True),
            activities=f.activities[f.activities["course"].isin(courses)].reset_index(drop=True),
            questions=f.questions[f.questions["course"].isin(courses)].reset_index(drop=True),
            events=events,
            grades=rows(f.grades),
            submissions=rows(f.submissions),
            extensions=rows(f.extensions),
        )
        memberships = self.memberships[self.memberships["learner"].isin(who)]
        return replace(self, frames=frames, memberships=memberships, cache={})

    def only_courses(self, courses: Iterable[str]) -> DashboardData:
        """The same data restricted to ``courses``: every frame's rows of those courses
        only (a teacher reading a learner's page sees her own courses' rows, not what the
        learner does in another course). Kept with this data: a second visit reuses it."""
        from ..analytics.frames import ClassData

        keep = sorted(set(courses))

        def restrict() -> DashboardData:
            f = self.frames

            def rows(frame: pd.DataFrame) -> pd.DataFrame:
                return frame[frame["course"].isin(keep)].reset_index(drop=True)

            frames = ClassData(
                courses={c: course for c, course in f.courses.items() if c in keep},
                learners=rows(f.learners),
                activities=rows(f.activities),
                questions=rows(f.questions),
                events=rows(f.events),
                grades=rows(f.grades),
                submissions=rows(f.submissions),
                extensions=rows(f.extensions),
            )
            return replace(self, frames=frames, memberships=rows(self.memberships), cache={})

        return self.cached(f"only-courses:{','.join(keep)}", restrict)


def cached_view(function: Callable[..., Any]) -> Callable[..., Any]:
    """Compute a view-model function once per (filtered) data and arguments: a page
    re-rendered for another language or control reuses every number already computed."""
    import functools

    from ..i18n import get_language

    @functools.wraps(function)
    def wrapper(data: DashboardData, *args: Any) -> Any:
        # per language too: explanations (reasons, warnings) are written in it; the
        # numbers underneath (status, mastery, KPIs) are cached once, see .cached
        key = f"{function.__module__}.{function.__name__}{args!r}@{get_language()}"
        return data.cached(key, lambda: function(data, *args))

    return wrapper


def parse_now(text: str) -> pd.Timestamp:
    """``ParcoursConfig.dashboard_now`` as a UTC timestamp (the current time when empty)."""
    import pandas as pd

    from ..errors import ConfigurationError

    if not text:
        return pd.Timestamp(dt.datetime.now(dt.UTC))
    try:
        stamp = pd.Timestamp(text)
    except ValueError as exc:
        raise ConfigurationError(
            _(
                "c.ParcoursConfig.dashboard_now = {text!r}: not a date and time; write "
                "e.g. 2026-10-20T12:00:00+02:00, or leave it empty for the current time."
            ).format(text=text)
        ) from exc
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def memberships_frame(config: ParcoursConfig, frames: ClassData) -> pd.DataFrame:
    """Roster groups of every learner of ``frames`` (by pseudonymous id)."""
    import pandas as pd

    from ..pipeline.roster import load_roster
    from ..store.ids import pseudonymize

    rows = []
    for course in frames.courses.values():
        roster = load_roster(config, course)
        for learner in roster.learners.values():
            pseudo = pseudonymize(learner.id, config.pseudonym_salt)
            name = f"{learner.first_name} {learner.last_name}".strip()
            for group in learner.groups or ("",):
                rows.append(
                    (
                        course.id,
                        pseudo,
                        learner.id,
                        group,
                        group.lower().startswith(COHORT_PREFIXES),
                        name,
                    )
                )
    frame = pd.DataFrame(rows, columns=MEMBERSHIP_COLUMNS)
    return frame.astype({"is_cohort": bool})  # typed even when no roster exists yet


def load_dashboard_data(config: ParcoursConfig, now: object = None) -> DashboardData:
    """Everything the dashboards show, read once (see the module docstring)."""
    import pandas as pd

    from ..analytics.frames import load_frames

    frames = load_frames(config)
    stamp = parse_now(config.dashboard_now) if now is None else pd.Timestamp(now)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return DashboardData(
        frames=frames,
        memberships=memberships_frame(config, frames),
        now=stamp.tz_convert("UTC"),
        band_thresholds=dict(config.band_thresholds),
        risk_thresholds=dict(config.risk_thresholds),
        seed=config.random_seed,
        salt=config.pseudonym_salt,
    )
