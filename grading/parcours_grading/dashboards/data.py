"""What the dashboards read: course manifests, the event store and the gradebooks, as frames.

:func:`load_class_data` reads everything with one SQL query per table (no ORM loop over
learners) into a :class:`ClassData`; the view-model functions of :mod:`.coordinator`,
:mod:`.teacher` and :mod:`.learner` take it and return plain frames and records.

Learners are known by their pseudonymous id (``store.ids.pseudonymize``), the id the event
store uses; nbgrader student ids are mapped with the same salt. ``learners.student_id``
keeps the real id (needed by a teacher's actions; never shown on the coordinator view).

Cohort and group come from the optional roster ``<data_dir>/roster.csv`` (columns
``student_id,course,cohort,group``), written by ``parcours demo`` or a coordinator.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from ..config import ParcoursConfig
    from ..course.model import Course

EVENT_COLUMNS = (
    "id timestamp actor verb course object_type object_id lesson score success response "
    "duration_s attempt extra self_reported"
).split()
LEARNER_COLUMNS = ["learner", "student_id", "course", "cohort", "group"]
ACTIVITY_COLUMNS = ["course", "activity", "kind", "title", "module", "order", "minutes",
                    "opens", "due", "skills", "points"]
SUBMISSION_COLUMNS = ["course", "assignment", "learner", "submitted_at", "extension_days",
                      "score", "max_score", "needs_manual", "feedback_at"]
GRADE_COLUMNS = ["course", "assignment", "learner", "question", "score", "max_score",
                 "needs_manual"]

_GRADES_SQL = """
SELECT a.name AS assignment, sa.student_id AS student_id, sa.timestamp AS submitted_at,
       sa.extension AS extension, gc.name AS question, gc.max_score AS max_score,
       COALESCE(g.manual_score, g.auto_score) AS score, g.needs_manual_grade AS needs_manual
FROM grade g
JOIN submitted_notebook sn ON g.notebook_id = sn.id
JOIN submitted_assignment sa ON sn.assignment_id = sa.id
JOIN assignment a ON sa.assignment_id = a.id
JOIN grade_cells gc ON g.cell_id = gc.id
"""
_SUBMITTED_SQL = """
SELECT a.name AS assignment, sa.student_id AS student_id, sa.timestamp AS submitted_at,
       sa.extension AS extension
FROM submitted_assignment sa JOIN assignment a ON sa.assignment_id = a.id
"""


@dataclass
class ClassData:
    """Every frame a dashboard needs, for all courses of the installation."""

    courses: dict[str, Course]
    #: learner (pseudonymous id), student_id, course, cohort, group
    learners: pd.DataFrame
    #: course, activity, kind ('lesson'|'assignment'), title, module, order, minutes, opens,
    #: due (UTC timestamps or NaT), skills (list), points
    activities: pd.DataFrame
    #: the event store's rows, timestamp parsed (UTC), extra parsed into dicts
    events: pd.DataFrame
    #: one row per learner and submitted assignment, with totals and feedback time
    submissions: pd.DataFrame
    #: one row per learner, assignment and graded cell (question)
    grades: pd.DataFrame
    #: the moment "now" for every computation (UTC)
    now: pd.Timestamp
    salt: str = ""
    band_thresholds: dict[str, float] = field(
        default_factory=lambda: {"remediation": 0.5, "extension": 0.8}
    )
    risk_thresholds: dict[str, float] = field(default_factory=dict)

    def course_ids(self) -> list[str]:
        return sorted(self.courses)

    def filtered(
        self,
        course: str | None = None,
        cohort: str | None = None,
        group: str | None = None,
        since: pd.Timestamp | None = None,
        until: pd.Timestamp | None = None,
    ) -> ClassData:
        """The same data restricted to a course, a cohort, a group and a period of events.

        Empty or ``None`` filters keep everything. ``until`` also moves ``now``.
        """
        learners = self.learners
        if course:
            learners = learners[learners["course"] == course]
        if cohort:
            learners = learners[learners["cohort"] == cohort]
        if group:
            learners = learners[learners["group"] == group]
        keep = set(learners["learner"])
        events = self.events[self.events["actor"].isin(keep)]
        submissions = self.submissions[self.submissions["learner"].isin(keep)]
        grades = self.grades[self.grades["learner"].isin(keep)]
        activities = self.activities
        if course:
            events = events[events["course"] == course]
            submissions = submissions[submissions["course"] == course]
            grades = grades[grades["course"] == course]
            activities = activities[activities["course"] == course]
        if since is not None:
            events = events[events["timestamp"] >= since]
        now = self.now
        if until is not None:
            events = events[events["timestamp"] < until]
            submissions = submissions[submissions["submitted_at"] < until]
            now = min(now, until)
        courses = {course: self.courses[course]} if course else self.courses
        return ClassData(
            courses, learners, activities, events, submissions, grades, now, self.salt,
            self.band_thresholds, self.risk_thresholds,
        )


def activities_frame(courses: dict[str, Course]) -> pd.DataFrame:
    """Lessons and assignments of every course, in course order."""
    import pandas as pd

    rows = []
    for course in courses.values():
        order = 0
        due_of_module = {a.module: course.due(a) for a in course.assignments if a.module}
        for module in course.modules:
            for lesson in module.lessons:
                due = due_of_module.get(module.id)
                rows.append((course.id, lesson.id, "lesson", lesson.title, module.id, order,
                             lesson.minutes, pd.NaT, due, list(lesson.skills), 0.0))
                order += 1
            for a in course.assignments:
                if a.module == module.id:
                    rows.append((course.id, a.id, "assignment", a.title, module.id, order,
                                 a.minutes, course.opens(a), course.due(a), list(a.skills),
                                 float(a.points)))
                    order += 1
        for a in course.assignments:
            if not a.module:
                rows.append((course.id, a.id, "assignment", a.title, "", order, a.minutes,
                             course.opens(a), course.due(a), list(a.skills), float(a.points)))
                order += 1
    frame = pd.DataFrame(rows, columns=ACTIVITY_COLUMNS)
    for column in ("opens", "due"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def read_courses(courses_dir: Path | str) -> dict[str, Course]:
    """Every course manifest under ``courses_dir`` (manifests only: the dashboards need no
    notebook), by id."""
    from ..course.load import MANIFEST, read_manifest

    courses: dict[str, Course] = {}
    for manifest in sorted(Path(courses_dir).glob(f"*/{MANIFEST}")):
        course = read_manifest(manifest)
        courses[course.id] = course.model_copy(update={"folder": manifest.parent})
    return courses


def read_events(events_url: str) -> pd.DataFrame:
    """The whole events table (one query); an absent store gives an empty frame."""
    import json

    import pandas as pd

    path = Path(events_url.removeprefix("sqlite:///"))
    if events_url.startswith("sqlite:///") and path.is_file():
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            frame = pd.read_sql_query(
                f"SELECT {', '.join(EVENT_COLUMNS)} FROM events", connection
            )
    else:
        frame = pd.DataFrame(columns=EVENT_COLUMNS)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601")
    frame["extra"] = [json.loads(x) if x else {} for x in frame["extra"]]
    for column in ("score", "duration_s"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def _gradebook_path(config: ParcoursConfig, course_id: str) -> Path | None:
    url = config.gradebook_for(course_id)
    if not url.startswith("sqlite:///"):
        return None
    path = Path(url.removeprefix("sqlite:///"))
    return path if path.is_file() else None


def read_gradebook(config: ParcoursConfig, course: Course) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(submitted assignments, per-cell grades) of one course's nbgrader gradebook."""
    import pandas as pd

    path = _gradebook_path(config, course.id)
    if path is None:
        empty = pd.DataFrame(columns=["assignment", "student_id", "submitted_at", "extension"])
        return empty, pd.DataFrame(columns=[*empty.columns, "question", "max_score", "score",
                                            "needs_manual"])
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        submitted = pd.read_sql_query(_SUBMITTED_SQL, connection)
        grades = pd.read_sql_query(_GRADES_SQL, connection)
    return submitted, grades


def feedback_times(config: ParcoursConfig, course_id: str) -> dict[tuple[str, str], float]:
    """(student id, assignment) -> POSIX time the feedback was generated (its file's mtime)."""
    folder = config.course_root(course_id) / "feedback"
    times: dict[tuple[str, str], float] = {}
    if folder.is_dir():
        for html in folder.glob("*/*/*.html"):
            key = (html.parent.parent.name, html.parent.name)
            times[key] = max(times.get(key, 0.0), html.stat().st_mtime)
    return times


def _extension_days(value: object) -> float:
    import pandas as pd

    if value is None or (isinstance(value, float) and pd.isna(value)):
        return 0.0
    # SQLite stores nbgrader's Interval as a datetime offset from the epoch
    text = str(value)
    try:
        moment = pd.Timestamp(text)
        return (moment - pd.Timestamp("1970-01-01")).total_seconds() / 86400
    except ValueError:
        return 0.0


def read_roster(config: ParcoursConfig) -> pd.DataFrame:
    """``<data_dir>/roster.csv`` (student_id, course, cohort, group), or an empty frame."""
    import pandas as pd

    path = Path(config.data_dir) / "roster.csv"
    if not path.is_file():
        return pd.DataFrame(columns=["student_id", "course", "cohort", "group"])
    return pd.read_csv(path, dtype=str).fillna("")


def load_class_data(config: ParcoursConfig, now: dt.datetime | None = None) -> ClassData:
    """Read manifests, events, gradebooks and roster into a :class:`ClassData`."""
    import pandas as pd

    from ..store.ids import pseudonymize

    salt = config.pseudonym_salt
    courses = read_courses(config.courses_dir)
    activities = activities_frame(courses)
    events = read_events(config.events_url)
    roster = read_roster(config)
    learner_rows: dict[tuple[str, str], tuple[str, str, str, str, str]] = {}
    for row in roster.itertuples(index=False):
        pseudo = pseudonymize(row.student_id, salt)
        learner_rows[(pseudo, row.course)] = (pseudo, row.student_id, row.course, row.cohort,
                                              row.group)
    submissions, grades = [], []
    for course in courses.values():
        submitted, graded = read_gradebook(config, course)
        feedback = feedback_times(config, course.id)
        for frame in (submitted, graded):
            frame["course"] = course.id
            frame["learner"] = [pseudonymize(s, salt) for s in frame["student_id"]]
        submitted["feedback_at"] = [
            feedback.get((s, a), float("nan"))
            for s, a in zip(submitted["student_id"], submitted["assignment"], strict=True)
        ]
        submissions.append((submitted, graded))
        for student in submitted["student_id"].unique():
            key = (pseudonymize(student, salt), course.id)
            learner_rows.setdefault(key, (key[0], student, course.id, "", ""))
    for actor, course_id in events[["actor", "course"]].drop_duplicates().itertuples(index=False):
        if course_id in courses:
            learner_rows.setdefault((actor, course_id), (actor, "", course_id, "", ""))
    learners = pd.DataFrame(list(learner_rows.values()), columns=LEARNER_COLUMNS)
    sub_frame, grade_frame = _combine(submissions)
    return ClassData(
        courses=courses,
        learners=learners.sort_values(["course", "learner"], ignore_index=True),
        activities=activities,
        events=events,
        submissions=sub_frame,
        grades=grade_frame,
        now=pd.Timestamp(now or dt.datetime.now(dt.UTC)).tz_convert("UTC")
        if pd.Timestamp(now or dt.datetime.now(dt.UTC)).tzinfo
        else pd.Timestamp(now).tz_localize("UTC"),
        salt=salt,
        band_thresholds=dict(config.band_thresholds),
        risk_thresholds=dict(config.risk_thresholds),
    )


def _combine(parts: list[tuple[pd.DataFrame, pd.DataFrame]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    import pandas as pd

    submitted = [p[0] for p in parts if len(p[0])]
    graded = [p[1] for p in parts if len(p[1])]
    sub = pd.concat(submitted, ignore_index=True) if submitted else pd.DataFrame(
        columns=["assignment", "student_id", "submitted_at", "extension", "course", "learner",
                 "feedback_at"])
    grades = pd.concat(graded, ignore_index=True) if graded else pd.DataFrame(
        columns=["assignment", "student_id", "question", "max_score", "score", "needs_manual",
                 "course", "learner"])
    # nbgrader stores naive UTC datetimes
    sub["submitted_at"] = pd.to_datetime(sub["submitted_at"], utc=True)
    sub["extension_days"] = [_extension_days(v) for v in sub["extension"]]
    sub["feedback_at"] = pd.to_datetime(pd.to_numeric(sub["feedback_at"]), unit="s", utc=True)
    grades["score"] = pd.to_numeric(grades["score"], errors="coerce").fillna(0.0).astype(float)
    grades["max_score"] = pd.to_numeric(grades["max_score"]).astype(float)
    grades["needs_manual"] = grades["needs_manual"].astype(bool)
    totals = grades.groupby(["course", "assignment", "learner"], as_index=False).agg(
        score=("score", "sum"), max_score=("max_score", "sum"),
        needs_manual=("needs_manual", "any"))
    sub = sub.merge(totals, on=["course", "assignment", "learner"], how="left")
    sub["needs_manual"] = sub["needs_manual"].astype("boolean").fillna(False).astype(bool)
    return sub[SUBMISSION_COLUMNS + ["student_id"]], grades[GRADE_COLUMNS + ["student_id"]]
