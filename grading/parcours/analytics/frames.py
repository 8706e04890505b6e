"""Load a class into tidy pandas frames: the contract between the data and every analysis.

:func:`load_frames` reads the course manifests, the event store (its columnar snapshot plus
the rows added since, :mod:`.snapshot`) and each course's nbgrader gradebook (one SQL
query per table, never an ORM loop; the resulting frames cached beside it while it is
unchanged, :func:`.gradebook.cached_gradebook_frames`) into a :class:`ClassData`. Every
learner id is pseudonymous (``p-`` + 16 hex digits, made by
:func:`parcours.store.ids.pseudonymize` with ``ParcoursConfig.pseudonym_salt``);
the nbgrader id is kept only in ``learners.student_id`` for teacher actions (group release).
All times are ``datetime64[ns, UTC]``. The gradebook and the pipeline's records
(``extensions.json``, ``submissions.json`` — teacher-side receipt times, which win over
nbgrader's learner-side timestamp — and the feedback files) are read by :mod:`.gradebook`.

Frames and their columns (the dashboards rely on these names):

``learners`` — one row per learner and course they appear in
    ``course, learner, student_id`` (``student_id`` is '' for learners only seen in events)

``activities`` — lessons and assignments of every course, in course order
    ``course, activity, kind`` ('lesson' | 'assignment'), ``title, module, order`` (0-based
    position in the course), ``minutes`` (estimated), ``opens, due`` (assignments: from the
    manifest; lessons: the window of their module's assignments — earliest opening, latest
    due date — or NaT when the module has none), ``points`` (NaN for lessons),
    ``skills`` (tuple of skill ids)

``questions`` — quiz questions from ``courses/<id>/quizzes/<lesson>.yaml`` (answers are not read)
    ``course, lesson, question, type, skills`` (tuple; the lesson's skills when the
    question names none), ``prompt`` (the question's text, its author's markdown)

``events`` — the event store's ``events`` table (schema v1), ``actor`` renamed ``learner``
    ``id, timestamp, learner, verb, course, object_type, object_id, lesson, activity``
    (the lesson or assignment the event belongs to: ``lesson``, else ``object_id``),
    ``score, success, duration_s, attempt, response, extra`` (None for an empty ``{}``),
    ``self_reported``. The text columns ``learner`` .. ``activity`` are pandas
    categoricals (a million events group in milliseconds); ``id`` and ``response`` are
    read only when asked (``read_events(..., full=True)``), else None. Timestamps read from
    the store have millisecond precision.

``grades`` — one row per graded cell of each submitted notebook
    ``course, learner, assignment, notebook, cell, cell_type, max_score, auto_score,
    manual_score, extra_credit, score`` (nbgrader's rule: manual else auto, plus extra
    credit, else 0), ``needs_manual_grade, comment`` (manual comment, else the automatic one)

``submissions`` — one row per submitted assignment
    ``course, learner, assignment, timestamp, due`` (manifest due date, else nbgrader's),
    ``extension`` (timedelta, NaT if none), ``deadline`` (due + extension), ``late`` (bool),
    ``days_late`` (float, 0 when on time), ``score`` (what the learner got: the cells'
    scores, manual grades first, minus the late penalty — the score nbgrader's feedback
    shows), ``raw_score`` (before the penalty), ``max_score``, ``late_penalty`` (points
    taken off, as the pipeline wrote it into the gradebook: ``apply_late_penalties``,
    the one place it is computed), ``feedback_at`` (when the feedback HTML was produced;
    NaT when none yet)

``extensions`` — ``course, learner, assignment, until`` (the learner's own deadline)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import _
from .eventframes import (
    EVENT_COLUMNS,
    EVENT_KEYS,
    columns_frame,
    events_frame,
    read_events,
    sqlite_path,
)
from .gradebook import (
    EXTENSION_COLUMNS,
    EXTENSION_FILES,
    GRADE_COLUMNS,
    LEARNER_COLUMNS,
    SUBMISSION_COLUMNS,
    cached_gradebook_frames,
    feedback_times,
    read_extensions,
    read_received,
)
from .manifests import ACTIVITY_COLUMNS, QUESTION_COLUMNS, activities_frame, questions_frame
from .tidy import empty, utc

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course


@dataclass
class ClassData:
    """Everything the analytics need about one or several courses (see module docstring)."""

    courses: dict[str, Course]
    learners: pd.DataFrame
    activities: pd.DataFrame
    questions: pd.DataFrame
    events: pd.DataFrame
    grades: pd.DataFrame
    submissions: pd.DataFrame
    extensions: pd.DataFrame = field(default_factory=lambda: empty(EXTENSION_COLUMNS))
    #: results computed once and shared by the analyses (see :meth:`memo`)
    cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def course_ids(self) -> list[str]:
        """The ids of the courses loaded, in the order given."""
        return list(self.courses)

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per key for this data (frames are treated as read-only)."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]


# -- everything --------------------------------------------------------------------------
def load_frames(config: ParcoursConfig, courses: Sequence[str | Course] | None = None) -> ClassData:
    """Read manifests, events and gradebooks of ``courses`` (ids or Course objects; all the
    courses of ``config.courses_dir`` when None) into a :class:`ClassData`."""
    from ..course import find_course, list_courses, load_course

    if courses is None:
        loaded = list_courses(config.courses_dir)
    else:
        loaded = [
            c if not isinstance(c, str) else load_course(find_course(config.courses_dir, c))
            for c in courses
        ]
    if not loaded:
        raise DataError(
            _(
                "{folder}: no course found. Create courses/<id>/course.toml, or work "
                "from the project folder (the one holding courses/ and "
                "jupyter_config.py)."
            ).format(folder=config.courses_dir)
        ).about("root")
    salt = config.pseudonym_salt
    ids = [c.id for c in loaded]
    events = read_events(config.events_url, ids)
    learner_parts, grade_parts, sub_parts, ext_parts = [], [], [], []
    for course in loaded:
        root = config.course_root(course.id)
        lrn, grd, sub = cached_gradebook_frames(
            config.gradebook_for(course.id),
            course,
            salt,
            feedback_times=feedback_times(root),
            received=read_received(root),
        )
        learner_parts.append(lrn)
        grade_parts.append(grd)
        sub_parts.append(sub)
        ext_parts.append(read_extensions(root, course.id, salt))
    return assemble(
        loaded,
        events,
        _concat(grade_parts, GRADE_COLUMNS),
        _concat(sub_parts, SUBMISSION_COLUMNS),
        learners=_concat(learner_parts, LEARNER_COLUMNS),
        extensions=_concat(ext_parts, EXTENSION_COLUMNS),
    )


def _concat(parts: list[pd.DataFrame], columns: Sequence[str]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else empty(columns)


def assemble(
    courses: Sequence[Course],
    events: pd.DataFrame,
    grades: pd.DataFrame | None = None,
    submissions: pd.DataFrame | None = None,
    *,
    learners: pd.DataFrame | None = None,
    extensions: pd.DataFrame | None = None,
) -> ClassData:
    """A :class:`ClassData` from frames already read (tests and the cohort use this).

    Learners seen only in events are added to ``learners`` with ``student_id`` ''.
    """
    known = learners if learners is not None else empty(LEARNER_COLUMNS)
    seen = _distinct_pairs(events)
    seen = seen[seen["learner"] != ""]
    if submissions is not None and len(submissions):
        seen = pd.concat([seen, submissions[["course", "learner"]]]).drop_duplicates()
    extra = seen.merge(known[["course", "learner"]], how="left", indicator=True)
    extra = extra[extra["_merge"] == "left_only"].drop(columns="_merge")
    extra["student_id"] = ""
    all_learners = pd.concat([known, extra], ignore_index=True) if len(extra) else known
    if submissions is not None and "raw_score" not in submissions:
        # frames built by hand give the score after any penalty
        penalty = submissions.get("late_penalty", pd.Series(0.0, index=submissions.index))
        submissions = submissions.assign(raw_score=submissions["score"] + penalty.fillna(0.0))
    frames = {
        "learners": all_learners[LEARNER_COLUMNS].reset_index(drop=True),
        "activities": activities_frame(courses),
        "events": events,
        "grades": grades if grades is not None else empty(GRADE_COLUMNS),
        "submissions": submissions if submissions is not None else empty(SUBMISSION_COLUMNS),
        "extensions": extensions if extensions is not None else empty(EXTENSION_COLUMNS),
    }
    _share_categories(frames)
    return ClassData(
        courses={c.id: c for c in courses}, questions=questions_frame(courses), **frames
    )


def _distinct_pairs(frame: pd.DataFrame) -> pd.DataFrame:
    """Distinct ``course, learner`` rows of ``frame`` in first-seen order (on the integer
    codes when both are categoricals: a million events in milliseconds)."""
    course, learner = frame["course"], frame["learner"]
    if not (
        isinstance(course.dtype, pd.CategoricalDtype)
        and isinstance(learner.dtype, pd.CategoricalDtype)
    ):
        return frame[["course", "learner"]].drop_duplicates()
    width = len(learner.cat.categories) + 1
    key = (
        (course.cat.codes.to_numpy().astype(np.int64) + 1) * width
        + learner.cat.codes.to_numpy()
        + 1
    )
    n = len(key)
    first = np.full((len(course.cat.categories) + 1) * width, n, dtype=np.int64)
    first[key[::-1]] = np.arange(n - 1, -1, -1)  # the last write, the first row, wins
    first = np.sort(first[first < n])
    return frame[["course", "learner"]].iloc[first]


#: column -> the shared category it holds, in every frame that has it
SHARED = {
    "learner": "learner",
    "course": "course",
    "activity": "activity",
    "assignment": "activity",
}


def _share_categories(frames: dict[str, pd.DataFrame]) -> None:
    """Give ``learner``, ``course`` and activity columns one categorical dtype across all
    frames, so that joins and groupings work on integer codes, not on text."""
    values: dict[str, list[Any]] = {"learner": [], "course": [], "activity": []}
    coded: dict[tuple[str, str], tuple[np.ndarray, pd.Index]] = {}
    for name, frame in frames.items():
        for column, kind in SHARED.items():
            if column in frame.columns and len(frame):
                col = frame[column]
                if isinstance(col.dtype, pd.CategoricalDtype):
                    uniq = col.cat.categories
                else:  # text: hashed once here, its codes remapped below
                    codes, uniq = pd.factorize(col)
                    coded[name, column] = codes, pd.Index(uniq)
                values[kind].append(pd.Index(uniq).astype(object))
    dtypes = {
        kind: pd.CategoricalDtype(
            pd.Index(np.concatenate(parts)).unique() if parts else pd.Index([], dtype=object)
        )
        for kind, parts in values.items()
    }
    for name, frame in frames.items():
        frame = frame.copy(deep=False)  # columns replaced below, the caller's frame kept
        for column, kind in SHARED.items():
            if column not in frame.columns:
                continue
            col = frame[column]
            if isinstance(col.dtype, pd.CategoricalDtype):  # remap codes, no text
                frame[column] = col.cat.set_categories(dtypes[kind].categories)
            elif (name, column) in coded:
                codes, uniq = coded[name, column]
                lut = np.append(dtypes[kind].categories.get_indexer(uniq.astype(object)), -1)
                frame[column] = pd.Categorical.from_codes(lut[codes], dtype=dtypes[kind])
            else:
                frame[column] = col.astype(object).astype(dtypes[kind])
        frames[name] = frame


__all__ = [
    "ACTIVITY_COLUMNS",
    "EVENT_COLUMNS",
    "EVENT_KEYS",
    "EXTENSION_COLUMNS",
    "EXTENSION_FILES",
    "GRADE_COLUMNS",
    "LEARNER_COLUMNS",
    "QUESTION_COLUMNS",
    "SUBMISSION_COLUMNS",
    "ClassData",
    "activities_frame",
    "assemble",
    "columns_frame",
    "empty",
    "events_frame",
    "load_frames",
    "questions_frame",
    "read_events",
    "sqlite_path",
    "utc",
]
