"""Load a class into tidy pandas frames: the contract between the data and every analysis.

:func:`load_frames` reads the course manifests, the event store (its columnar snapshot plus
the rows added since, :mod:`.snapshot`) and each course's nbgrader gradebook (one SQL
query per table, never an ORM loop; the resulting frames cached beside it while it is
unchanged, :func:`.gradebook.cached_gradebook_frames`) into a :class:`ClassData`. Every
learner id is pseudonymous (``p-`` + 16 hex digits, made by
:func:`parcours_grading.store.ids.pseudonymize` with ``ParcoursConfig.pseudonym_salt``);
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
    question names none)

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

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import DataError

if TYPE_CHECKING:
    from ..config import ParcoursConfig
    from ..course.model import Course

LEARNER_COLUMNS = ["course", "learner", "student_id"]
ACTIVITY_COLUMNS = [
    "course",
    "activity",
    "kind",
    "title",
    "module",
    "order",
    "minutes",
    "opens",
    "due",
    "points",
    "skills",
]
QUESTION_COLUMNS = ["course", "lesson", "question", "type", "skills"]
EVENT_COLUMNS = [
    "id",
    "timestamp",
    "learner",
    "verb",
    "course",
    "object_type",
    "object_id",
    "lesson",
    "activity",
    "score",
    "success",
    "duration_s",
    "attempt",
    "response",
    "extra",
    "self_reported",
]
#: text columns of ``events`` held as categoricals
EVENT_KEYS = ["learner", "verb", "course", "object_type", "object_id", "lesson", "activity"]
GRADE_COLUMNS = [
    "course",
    "learner",
    "assignment",
    "notebook",
    "cell",
    "cell_type",
    "max_score",
    "auto_score",
    "manual_score",
    "extra_credit",
    "score",
    "needs_manual_grade",
    "comment",
]
SUBMISSION_COLUMNS = [
    "course",
    "learner",
    "assignment",
    "timestamp",
    "due",
    "extension",
    "deadline",
    "late",
    "days_late",
    "score",
    "raw_score",
    "max_score",
    "late_penalty",
    "feedback_at",
]
EXTENSION_COLUMNS = ["course", "learner", "assignment", "until"]
#: files the pipeline may write under ``<data_dir>/courses/<id>/`` (all optional)
EXTENSION_FILES = ("extensions.json", "extensions.csv")


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


def empty(columns: Sequence[str]) -> pd.DataFrame:
    """An empty frame with these columns."""
    return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})


def utc(values: Any) -> pd.Series:
    """Any datetimes (ISO text, naive UTC, aware) as ``datetime64[ns, UTC]``."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
    return pd.to_datetime(pd.Series(values), utc=True, format="ISO8601").astype(
        "datetime64[ns, UTC]"
    )


# -- manifests ---------------------------------------------------------------------------
def activities_frame(courses: Iterable[Course]) -> pd.DataFrame:
    """Lessons and assignments of ``courses`` in course order (columns: see module doc)."""
    rows: list[dict[str, Any]] = []
    for course in courses:
        windows: dict[str, tuple[dt.datetime, dt.datetime]] = {}
        for a in course.assignments:
            opens, due = course.opens(a), course.due(a)
            if a.module in windows:
                lo, hi = windows[a.module]
                windows[a.module] = (min(lo, opens), max(hi, due))
            else:
                windows[a.module] = (opens, due)
        order = 0
        for module in course.modules:
            window: tuple[dt.datetime | None, dt.datetime | None] = windows.get(module.id) or (
                None,
                None,
            )
            for lesson in module.lessons:
                rows.append(
                    dict(
                        course=course.id,
                        activity=lesson.id,
                        kind="lesson",
                        title=lesson.title,
                        module=module.id,
                        order=order,
                        minutes=lesson.minutes,
                        opens=window[0],
                        due=window[1],
                        points=float("nan"),
                        skills=tuple(lesson.skills),
                    )
                )
                order += 1
            for a in course.assignments:
                if a.module == module.id:
                    rows.append(_assignment_row(course, a, order))
                    order += 1
        known = {m.id for m in course.modules}
        for a in course.assignments:
            if a.module not in known:
                rows.append(_assignment_row(course, a, order))
                order += 1
    if not rows:
        return empty(ACTIVITY_COLUMNS)
    frame = pd.DataFrame(rows, columns=ACTIVITY_COLUMNS)
    frame["opens"] = utc(frame["opens"])
    frame["due"] = utc(frame["due"])
    frame["order"] = frame["order"].astype("int64")
    frame["minutes"] = frame["minutes"].astype("float64")
    return frame


def _assignment_row(course: Course, a: Any, order: int) -> dict[str, Any]:
    return dict(
        course=course.id,
        activity=a.id,
        kind="assignment",
        title=a.title,
        module=a.module,
        order=order,
        minutes=a.minutes,
        opens=course.opens(a),
        due=course.due(a),
        points=float(a.points),
        skills=tuple(a.skills),
    )


def questions_frame(courses: Iterable[Course]) -> pd.DataFrame:
    """Quiz questions of each lesson, from the course's quiz banks (answers not read)."""
    import yaml

    rows = []
    for course in courses:
        for lesson in course.lessons:
            path = course.folder / "quizzes" / f"{lesson.id}.yaml"
            if not path.is_file():
                continue
            try:
                bank = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except (OSError, yaml.YAMLError) as exc:
                raise DataError(
                    f"{path}: the quiz bank cannot be read ({exc}). Run 'parcours check "
                    f"{course.id}' to find the problem."
                ) from exc
            for q in bank.get("questions") or []:
                if isinstance(q, dict) and q.get("id"):
                    rows.append(
                        dict(
                            course=course.id,
                            lesson=lesson.id,
                            question=str(q["id"]),
                            type=str(q.get("type", "")),
                            skills=tuple(q.get("skills") or lesson.skills),
                        )
                    )
    return pd.DataFrame(rows, columns=QUESTION_COLUMNS) if rows else empty(QUESTION_COLUMNS)


# -- event store -------------------------------------------------------------------------
# SQLite turns the ISO 8601 text into milliseconds since 1970 (UTC, any offset honoured)
# in C: a million timestamps are not parsed one by one in Python. Unreadable -> NULL -> NaT.
_EVENT_FIELDS = (
    "CAST(ROUND((julianday(timestamp) - 2440587.5) * 86400000.0) AS INTEGER), actor, verb, "
    "course, object_type, object_id, lesson, score, success, duration_s, attempt, "
    "CASE WHEN extra = '{}' THEN NULL ELSE extra END, self_reported"
)
_READ_COLUMNS = [
    "timestamp",
    "learner",
    "verb",
    "course",
    "object_type",
    "object_id",
    "lesson",
    "score",
    "success",
    "duration_s",
    "attempt",
    "extra",
    "self_reported",
]


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///path`` URL, or None for another database."""
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///"))
    return None


def read_events(
    url: str,
    courses: Sequence[str] | None = None,
    *,
    full: bool = False,
    snapshot: bool = True,
) -> pd.DataFrame:
    """The events of ``courses`` (all when None) from the event store at ``url``; ``id``
    and ``response`` too with ``full`` (one SQL query). Without ``full`` the columns come
    from the store's columnar snapshot plus the rows added since (see :mod:`.snapshot`;
    ``snapshot=False`` reads the whole table instead). A missing store gives an empty
    frame (no learner has done anything yet)."""
    path = sqlite_path(url)
    if path is None:  # PostgreSQL (hub deployment): through the store's read API, live
        from ..store import open_store

        with open_store(url) as store:
            found = [e for c in courses for e in store.read(course=c)] if courses else store.read()
        frame = events_frame([e.to_dict() for e in found])
        frame["timestamp"] = frame["timestamp"].dt.round("ms")  # as read from SQLite
        if not full:
            frame["id"] = frame["response"] = None
        return frame
    if not path.is_file():
        return events_frame(empty(EVENT_COLUMNS))
    if not full:
        from .snapshot import read_columns

        return columns_frame(read_columns(path, write=snapshot, use_snapshot=snapshot), courses)
    fields, columns = "id, response, " + _EVENT_FIELDS, ["id", "response", *_READ_COLUMNS]
    sql = f"SELECT {fields} FROM events"
    params: tuple[str, ...] = ()
    if courses:
        sql += f" WHERE course IN ({','.join('?' * len(courses))})"
        params = tuple(courses)
    sql += " ORDER BY rowid"
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            cursor = conn.execute(sql, params)
            frame = pd.DataFrame.from_records(cursor.fetchall(), columns=columns)
            millis = pd.to_numeric(frame["timestamp"], errors="coerce")
            frame["timestamp"] = pd.to_datetime(millis, unit="ms", utc=True).astype(
                "datetime64[ns, UTC]"
            )
    except sqlite3.Error as exc:
        raise DataError(
            f"{path}: the event store cannot be read ({exc}). Check that it is an event "
            "store (table 'events') and that it is not being replaced."
        ) from exc
    return events_frame(frame)


def _categorical(codes: np.ndarray, texts: Sequence[str]) -> pd.Categorical:
    """Codes into ``texts`` as a categorical of the texts used, sorted (as ``astype``
    would make it); code -1 becomes ''."""
    cats = np.asarray(texts, dtype=object)
    if (codes < 0).any():
        cats = np.append(cats, "")
        codes = np.where(codes < 0, len(cats) - 1, codes)
    used = np.bincount(codes, minlength=len(cats)) > 0 if len(codes) else np.zeros(len(cats), bool)
    positions = np.flatnonzero(used)
    kept, inverse = np.unique(cats[positions], return_inverse=True)  # sorted, distinct
    lut = np.full(len(cats), -1, dtype=np.int32)
    lut[positions] = inverse
    dtype = pd.CategoricalDtype(pd.Index(kept))
    return pd.Categorical.from_codes(lut[codes], dtype=dtype)


def columns_frame(cols: Any, courses: Sequence[str] | None = None) -> pd.DataFrame:
    """The ``events`` frame of the :class:`.snapshot.Columns` ``cols`` (rows of
    ``courses`` only when given), built from the integer codes: no text is parsed."""
    rows: slice | np.ndarray = slice(None)
    if courses:
        wanted = np.isin(np.asarray(cols.texts["course"], dtype=object), list(courses))
        keep = np.append(wanted, False)[cols.codes["course"]]
        if not keep.all():
            rows = np.flatnonzero(keep)
    codes = {name: c[rows] for name, c in cols.codes.items()}
    millis = cols.timestamp_ms[rows]
    nat = millis == np.iinfo(np.int64).min
    stamps = np.where(nat, np.iinfo(np.int64).min, millis * 1_000_000).view("datetime64[ns]")
    out: dict[str, Any] = {
        "id": pd.Series(np.full(len(millis), None, dtype=object), dtype=object, copy=False),
        "timestamp": pd.DatetimeIndex(stamps).tz_localize("UTC"),
    }
    for name, column in (
        ("learner", "actor"),
        ("verb", "verb"),
        ("course", "course"),
        ("object_type", "object_type"),
        ("object_id", "object_id"),
        ("lesson", "lesson"),
    ):
        out[name] = _categorical(codes[column], cols.texts[column])
    # activity: the lesson, else the object (codes into lesson texts + object texts)
    lessons, objects = cols.texts["lesson"], cols.texts["object_id"]
    blank = np.array([t == "" for t in lessons] + [True], dtype=bool)
    lc, oc = codes["lesson"], codes["object_id"]
    out["activity"] = _categorical(
        np.where(blank[lc], np.where(oc < 0, -1, len(lessons) + oc), lc), [*lessons, *objects]
    )
    for name in ("score", "success", "duration_s", "attempt"):
        out[name] = cols.numbers[name][rows]
    out["response"] = out["id"]
    extra = np.append(np.asarray(cols.texts["extra"], dtype=object), np.array([None], dtype=object))
    out["extra"] = pd.Series(extra[codes["extra"]], dtype=object, copy=False)
    out["self_reported"] = cols.numbers["self_reported"][rows]
    return pd.DataFrame(out, columns=EVENT_COLUMNS, copy=False)


def events_frame(records: pd.DataFrame | Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Events (store rows, with ``actor`` or ``learner``) as the ``events`` frame."""
    frame = records.copy() if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))
    if "actor" in frame.columns and "learner" not in frame.columns:
        frame = frame.rename(columns={"actor": "learner"})
    for name in EVENT_COLUMNS:
        if name not in frame.columns:
            frame[name] = None
    frame = frame[EVENT_COLUMNS]
    frame["timestamp"] = utc(frame["timestamp"]) if len(frame) else utc([])
    for name in ("score", "success", "duration_s", "attempt", "self_reported"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    for name in ("learner", "verb", "course", "object_type", "object_id", "lesson"):
        frame[name] = frame[name].astype("category")
        if frame[name].isna().any():
            frame[name] = frame[name].cat.add_categories([""]).fillna("")
    lesson = frame["lesson"].astype(object)
    frame["activity"] = pd.Categorical(
        lesson.where(lesson != "", frame["object_id"].astype(object)).to_numpy()
    )
    extra = frame["extra"].astype(object)
    frame["extra"] = extra.where(extra.notna() & (extra != "{}") & (extra != ""), None)
    return frame.reset_index(drop=True)


# -- everything --------------------------------------------------------------------------
def load_frames(config: ParcoursConfig, courses: Sequence[str | Course] | None = None) -> ClassData:
    """Read manifests, events and gradebooks of ``courses`` (ids or Course objects; all the
    courses of ``config.courses_dir`` when None) into a :class:`ClassData`."""
    from ..course import find_course, list_courses, load_course
    from .gradebook import cached_gradebook_frames, feedback_times, read_extensions, read_received

    if courses is None:
        loaded = list_courses(config.courses_dir)
    else:
        loaded = [
            c if not isinstance(c, str) else load_course(find_course(config.courses_dir, c))
            for c in courses
        ]
    if not loaded:
        raise DataError(
            f"{config.courses_dir}: no course found. Create courses/<id>/course.toml, or "
            "work from the project folder (the one holding courses/ and jupyter_config.py)."
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
