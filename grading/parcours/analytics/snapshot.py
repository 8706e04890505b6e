"""A columnar snapshot of the event store, kept beside it and refreshed with only the new rows.

Reading a million events out of SQLite row by row costs seconds (one Python tuple per
row); the analytics need them in a fraction of that. The ``events`` table is append-only
(``INSERT OR IGNORE``; nothing updates or deletes a row), so every event the store already
held can be kept as numpy columns and only the rows added since — those with a larger
SQLite ``rowid`` — read on the next load.

The snapshot is a cache, never the only copy: the SQLite table stays the source of truth,
and the snapshot is thrown away and rebuilt from it whenever it does not match. It lives in
``<store>.columns-v1.npz`` (e.g. ``<data_dir>/events.sqlite.columns-v1.npz``), written
atomically (temporary file, then rename), and holds (format :data:`SNAPSHOT_VERSION`,
described by ``store/schemas/event-snapshot-v1.json``):

- ``meta`` — JSON: ``snapshot_version``, ``event_schema_version``, ``rows``,
  ``max_rowid``, ``first_id`` and ``last_id`` (the event ids at the smallest and largest
  rowid held), ``changes`` (the store's change counter, :mod:`..store.table`);
- ``timestamp_ms`` — int64 milliseconds since 1970 UTC, converted by SQLite exactly as the
  direct read does (:data:`NULL_MS` when unreadable);
- for each text column of :data:`TEXT_COLUMNS`: ``<name>.codes`` (the smallest signed
  integer type that holds them; -1 for NULL or, for ``extra``, an empty ``{}``) and
  ``<name>.texts`` (JSON list of the distinct texts);
- for each column of :data:`NUMBER_COLUMNS`: float64 (NaN for NULL); float32 for the
  :data:`SMALL_NUMBERS` when every value is a small integer (exact).

Each load checks, in one read transaction, that the rows it holds are still those of the
store: the event id at ``max_rowid`` and at the first rowid are unchanged, and the table's
row count equals ``rows`` plus the new tail, and the store's change counter (moved by a
trigger on any ``UPDATE`` or ``DELETE`` of an event, whoever makes it) is the one the
snapshot saw. A rebuilt, vacuumed, replaced or edited store fails the check and the
snapshot is rebuilt; a store without the counter (never opened by this Parcours' writer)
is read directly, without a snapshot. A folder that cannot be written only costs speed.
The snapshot is rewritten when the tail is large (:func:`worth_writing`); a small tail is
read from SQLite on each load.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..i18n import _

#: version of the snapshot's layout (bump it when the layout changes: old files are rebuilt)
SNAPSHOT_VERSION = 1
#: the event record schema the columns come from (store/schemas/event-v1.json)
EVENT_SCHEMA_VERSION = 1
SUFFIX = f".columns-v{SNAPSHOT_VERSION}.npz"
#: text columns held as dictionary codes (``actor`` is the learner)
TEXT_COLUMNS = ("actor", "verb", "course", "object_type", "object_id", "lesson", "extra")
#: numeric columns held as float64
NUMBER_COLUMNS = ("score", "success", "duration_s", "attempt", "self_reported")
#: columns that hold small integers: stored as float32 when every value is one
SMALL_NUMBERS = ("success", "attempt", "self_reported")
#: timestamp of an event whose text SQLite cannot read (becomes NaT)
NULL_MS = np.iinfo(np.int64).min

# SQLite turns the ISO 8601 text into milliseconds since 1970 (UTC, any offset honoured)
# in C; unreadable -> NULL.
_SELECT = (
    "SELECT rowid, CAST(ROUND((julianday(timestamp) - 2440587.5) * 86400000.0) AS INTEGER), "
    "actor, verb, course, object_type, object_id, lesson, "
    "CASE WHEN extra = '{}' OR extra = '' THEN NULL ELSE extra END, "
    "score, success, duration_s, attempt, self_reported FROM events "
    "WHERE rowid > ? ORDER BY rowid"
)


@dataclass
class Columns:
    """Events as numpy columns (see the module docstring); ``rows`` events."""

    timestamp_ms: np.ndarray
    codes: dict[str, np.ndarray]
    texts: dict[str, list[str]]
    numbers: dict[str, np.ndarray]
    max_rowid: int = 0
    first_id: str | None = None
    last_id: str | None = None
    #: the store's change counter when these rows were read (None: the store has none)
    changes: int | None = None

    @property
    def rows(self) -> int:
        """Number of events held."""
        return len(self.timestamp_ms)

    @classmethod
    def empty(cls) -> Columns:
        """No event."""
        return cls(
            np.zeros(0, np.int64),
            {n: np.zeros(0, np.int32) for n in TEXT_COLUMNS},
            {n: [] for n in TEXT_COLUMNS},
            {n: np.zeros(0, np.float64) for n in NUMBER_COLUMNS},
        )

    def extend(self, tail: Columns) -> Columns:
        """These events followed by ``tail`` (dictionaries merged, codes remapped)."""
        if not tail.rows:
            return self
        codes, texts = {}, {}
        for name in TEXT_COLUMNS:
            known = {t: i for i, t in enumerate(self.texts[name])}
            merged = list(self.texts[name])
            remap = np.empty(len(tail.texts[name]) + 1, dtype=np.int32)
            remap[-1] = -1  # code -1 (NULL) stays -1
            for i, text in enumerate(tail.texts[name]):
                if text not in known:
                    known[text] = len(merged)
                    merged.append(text)
                remap[i] = known[text]
            codes[name] = np.concatenate([self.codes[name], remap[tail.codes[name]]])
            texts[name] = merged
        return Columns(
            np.concatenate([self.timestamp_ms, tail.timestamp_ms]),
            codes,
            texts,
            {n: np.concatenate([self.numbers[n], tail.numbers[n]]) for n in NUMBER_COLUMNS},
            max_rowid=tail.max_rowid,
            first_id=self.first_id or tail.first_id,
            last_id=tail.last_id,
            changes=tail.changes,
        )


def snapshot_path(store: Path) -> Path:
    """Where the snapshot of the event store file ``store`` lives."""
    return store.with_name(store.name + SUFFIX)


def _encode(values: Sequence[object]) -> tuple[np.ndarray, list[str]]:
    """Dictionary codes (int32, -1 for None) and the distinct texts, in first-seen order."""
    import pandas as pd

    codes, uniques = pd.factorize(np.array(values, dtype=object), use_na_sentinel=True)
    return codes.astype(np.int32), [str(u) for u in uniques]


def _floats(values: Sequence[object]) -> np.ndarray:
    try:
        return np.array(values, dtype=np.float64)  # None -> NaN
    except (TypeError, ValueError):  # text where a number belongs: NaN, like pd.to_numeric
        import pandas as pd

        return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(
            dtype=np.float64
        )


def _read_tail(conn: sqlite3.Connection, after: int) -> tuple[Columns, list[int]]:
    """Events with a rowid above ``after``, in rowid order, and their rowids."""
    rows = conn.execute(_SELECT, (after,)).fetchall()
    if not rows:
        return Columns.empty(), []
    cols = list(zip(*rows, strict=True))
    del rows
    codes, texts = {}, {}
    for i, name in enumerate(TEXT_COLUMNS):
        codes[name], texts[name] = _encode(cols[2 + i])
    stamps = np.array([NULL_MS if v is None else v for v in cols[1]], dtype=np.int64)
    numbers = {
        name: _floats(cols[2 + len(TEXT_COLUMNS) + i]) for i, name in enumerate(NUMBER_COLUMNS)
    }
    rowids = list(cols[0])
    return Columns(stamps, codes, texts, numbers, max_rowid=int(rowids[-1])), rowids


def _event_id(conn: sqlite3.Connection, rowid: int) -> str | None:
    row = conn.execute("SELECT id FROM events WHERE rowid = ?", (rowid,)).fetchone()
    return None if row is None else str(row[0])


def worth_writing(held: int, tail: int) -> bool:
    """Rewrite the snapshot when the new tail is at least 5,000 events or 2 % of it."""
    return tail >= max(5_000, held // 50) or (held == 0 and tail > 0)


def read_columns(store: Path, *, write: bool = True, use_snapshot: bool = True) -> Columns:
    """Every event of the SQLite event store file ``store`` as :class:`Columns`, from its
    snapshot plus the rows added since (the snapshot is refreshed when ``write`` and
    :func:`worth_writing`); straight from the store without ``use_snapshot``."""
    cache = snapshot_path(store)
    held = load_snapshot(cache) if use_snapshot else None
    try:
        conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True, isolation_level=None)
        try:
            conn.execute("BEGIN")  # one consistent view for the checks and the tail
            changes = _changes(conn)
            if held is not None and (changes != held.changes or not _still_valid(conn, held)):
                held = None
            base = held if held is not None else Columns.empty()
            tail, rowids = _read_tail(conn, base.max_rowid if base.rows else -(2**63))
            tail.changes = changes
            if rowids:
                tail.first_id = _event_id(conn, rowids[0])
                tail.last_id = _event_id(conn, rowids[-1])
            total = conn.execute("SELECT count(*) FROM events").fetchone()[0]
            conn.execute("COMMIT")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise DataError(
            _(
                "{path}: the event store cannot be read ({error}). Check that it is an "
                "event store (table 'events') and that it is not being replaced."
            ).format(path=store, error=exc)
        ) from exc
    columns = base.extend(tail)
    if total != columns.rows:  # rows vanished under the snapshot: read everything again
        if held is None:
            raise DataError(
                _("{path}: the event store changed while it was read; retry.").format(path=store)
            )
        return read_columns(store, write=write, use_snapshot=False)
    if write and changes is not None and worth_writing(base.rows, tail.rows):
        save_snapshot(cache, columns, store.stat().st_mode)
    return columns


def _changes(conn: sqlite3.Connection) -> int | None:
    """The store's change counter; None for a store made before it existed."""
    from ..store.table import CHANGES

    try:
        row = conn.execute(CHANGES).fetchone()
    except sqlite3.OperationalError:
        return None
    return None if row is None else int(row[0])


def _still_valid(conn: sqlite3.Connection, held: Columns) -> bool:
    """The snapshot's first and last events are still at their rowids."""
    if held.rows == 0:
        return True
    first = conn.execute("SELECT id FROM events ORDER BY rowid LIMIT 1").fetchone()
    return (
        first is not None
        and str(first[0]) == held.first_id
        and _event_id(conn, held.max_rowid) == held.last_id
    )


def load_snapshot(path: Path) -> Columns | None:
    """The snapshot at ``path``; None when absent, of another version or unreadable."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            meta = json.loads(npz["meta"].tobytes().decode("utf-8"))
            if (
                meta.get("snapshot_version") != SNAPSHOT_VERSION
                or meta.get("event_schema_version") != EVENT_SCHEMA_VERSION
            ):
                return None
            columns = Columns(
                npz["timestamp_ms"],
                {n: npz[f"{n}.codes"].astype(np.int32) for n in TEXT_COLUMNS},
                {n: json.loads(npz[f"{n}.texts"].tobytes().decode("utf-8")) for n in TEXT_COLUMNS},
                {n: npz[n].astype(np.float64, copy=False) for n in NUMBER_COLUMNS},
                max_rowid=int(meta["max_rowid"]),
                first_id=meta["first_id"],
                last_id=meta["last_id"],
                changes=meta.get("changes"),
            )
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
        return None  # damaged or foreign: rebuilt from the store
    sizes = {
        len(columns.timestamp_ms),
        *(len(c) for c in columns.codes.values()),
        *(len(c) for c in columns.numbers.values()),
    }
    if sizes != {meta.get("rows")}:
        return None
    return columns


def _blob(value: object) -> np.ndarray:
    return np.frombuffer(json.dumps(value, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)


def save_snapshot(path: Path, columns: Columns, mode: int = 0o644) -> bool:
    """Write ``columns`` to ``path`` atomically, readable as ``mode`` (give the store's:
    whoever may read the store may read its snapshot); False when the folder is not
    writable."""
    arrays = {
        "meta": _blob(
            {
                "snapshot_version": SNAPSHOT_VERSION,
                "event_schema_version": EVENT_SCHEMA_VERSION,
                "rows": columns.rows,
                "max_rowid": columns.max_rowid,
                "first_id": columns.first_id,
                "last_id": columns.last_id,
                "changes": columns.changes,
            }
        ),
        "timestamp_ms": columns.timestamp_ms,
    }
    for name in TEXT_COLUMNS:  # the smallest integer type that holds the codes
        small = np.min_scalar_type(-max(len(columns.texts[name]), 1))
        arrays[f"{name}.codes"] = columns.codes[name].astype(small)
        arrays[f"{name}.texts"] = _blob(columns.texts[name])
    for name, values in columns.numbers.items():  # small integers (and NaN) fit float32
        exact = name in SMALL_NUMBERS and bool(
            np.all(np.isnan(values) | ((values == np.round(values)) & (np.abs(values) < 2**24)))
        )
        arrays[name] = values.astype(np.float32) if exact else values
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            # numpy's stub types **kwds as its allow_pickle flag: arrays, checked above
            np.savez(out, **arrays)  # type: ignore[arg-type]
        os.chmod(tmp, mode & 0o666)
        os.replace(tmp, path)
    except OSError:  # read-only folder, full disk: the store is still read directly
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        return False
    return True
