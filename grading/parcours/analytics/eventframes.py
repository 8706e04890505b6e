"""The event-reading stage of :func:`.frames.load_frames`: the event store's ``events``
table (its columnar snapshot plus the rows added since, :mod:`.snapshot`; or every row,
with ids and responses) as the ``events`` frame, text columns as categoricals (columns:
see :mod:`.frames`)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import _
from .tidy import empty, utc

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
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            cursor = conn.execute(sql, params)
            frame = pd.DataFrame.from_records(cursor.fetchall(), columns=columns)
            millis = pd.to_numeric(frame["timestamp"], errors="coerce")
            frame["timestamp"] = pd.to_datetime(millis, unit="ms", utc=True).astype(
                "datetime64[ns, UTC]"
            )
    except sqlite3.Error as exc:
        raise DataError(
            _(
                "{path}: the event store cannot be read ({error}). Check that it is an "
                "event store (table 'events') and that it is not being replaced."
            ).format(path=path, error=exc)
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
