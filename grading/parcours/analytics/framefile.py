"""Data frames kept in a ``.npz`` file without pickle: caches that anyone may read back
without running code from the file.

Format (:data:`FRAMEFILE_VERSION`, described by ``store/schemas/framefile-v1.json``): an
uncompressed numpy ``.npz`` holding ``meta`` (JSON: ``framefile_version``, the caller's
``key``, and for each frame its name and, for each column, its name, pandas dtype and
how it is stored) and one array per column, named ``<frame>/<column index>``:

- numbers and booleans: the column's own numpy array;
- dates with a time zone: ``datetime64[ns]`` in UTC (NaT kept), the zone in ``meta``;
- durations: ``timedelta64[ns]``;
- text (pandas' string dtype): ``int32`` codes into a JSON list of the distinct texts
  stored in ``meta`` (-1 for a missing value);
- any other column of plain JSON values (text, numbers, None, NaN): the values in
  ``meta`` (NaN written as JSON's ``NaN`` extension, as Python reads and writes it).

Frames with anything else (lists, objects) are not written: :func:`save_frames` returns
False and the caller keeps computing them. Loading checks the version and the key, and
reads the arrays with ``allow_pickle=False``.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FRAMEFILE_VERSION = 1
_JSON_SCALARS = (str, int, float, bool, type(None))


def _encode(series: pd.Series) -> tuple[dict[str, Any], np.ndarray | None] | None:
    """How one column is stored: its description, and its array (None when the values
    live in the description); None when the column cannot be stored."""
    dtype = series.dtype
    desc: dict[str, Any] = {"dtype": str(dtype)}
    if isinstance(dtype, pd.DatetimeTZDtype):
        desc["kind"], desc["tz"] = "datetime_tz", str(dtype.tz)
        return desc, series.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(
            dtype="datetime64[ns]"
        )
    if isinstance(dtype, pd.StringDtype):
        codes, texts = pd.factorize(series, use_na_sentinel=True)
        desc["kind"], desc["texts"] = "text", [str(t) for t in texts]
        return desc, codes.astype(np.int32)
    if pd.api.types.is_object_dtype(dtype):
        values = series.tolist()
        if not all(isinstance(v, _JSON_SCALARS) for v in values):
            return None
        desc["kind"], desc["values"] = "json", values  # NaN kept (Python's JSON)
        return desc, None
    if dtype.kind in "biufmM":
        desc["kind"] = "array"
        return desc, series.to_numpy()
    return None


def _decode(desc: dict[str, Any], array: np.ndarray | None) -> pd.Series:
    kind = desc["kind"]
    if kind == "datetime_tz":
        assert array is not None
        return (
            pd.Series(array).dt.tz_localize("UTC").dt.tz_convert(desc["tz"]).astype(desc["dtype"])
        )
    if kind == "text":
        assert array is not None
        texts = np.array(desc["texts"] + [None], dtype=object)
        return pd.Series(texts[array], dtype=desc["dtype"])
    if kind == "json":
        return pd.Series(desc["values"], dtype=object)
    assert array is not None
    return pd.Series(array, dtype=desc["dtype"])


def save_frames(path: Path, frames: dict[str, pd.DataFrame], key: str, mode: int = 0o644) -> bool:
    """Write ``frames`` (default ``RangeIndex``) with ``key`` to ``path`` atomically;
    False, and nothing written, when a column cannot be stored or the folder cannot be
    written."""
    meta: dict[str, Any] = {"framefile_version": FRAMEFILE_VERSION, "key": key, "frames": []}
    arrays: dict[str, np.ndarray] = {}
    for name, frame in frames.items():
        if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0:
            return False
        columns = []
        for i, column in enumerate(frame.columns):
            encoded = _encode(frame[column])
            if encoded is None:
                return False
            desc, array = encoded
            columns.append({"name": str(column), **desc})
            if array is not None:
                arrays[f"{name}/{i}"] = array
        meta["frames"].append({"name": name, "rows": len(frame), "columns": columns})
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            np.savez(out, meta=np.array(json.dumps(meta)), **arrays)  # type: ignore[arg-type]
        os.chmod(tmp, mode & 0o666)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        return False
    return True


def load_frames(path: Path, key: str) -> dict[str, pd.DataFrame] | None:
    """The frames saved at ``path`` under ``key``; None when the file is absent,
    unreadable, of another version or saved under another key."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            meta = json.loads(str(npz["meta"]))
            if meta.get("framefile_version") != FRAMEFILE_VERSION or meta.get("key") != key:
                return None
            frames = {}
            for held in meta["frames"]:
                data = {}
                for i, desc in enumerate(held["columns"]):
                    name = f"{held['name']}/{i}"
                    array = npz[name] if name in npz.files else None
                    data[desc["name"]] = _decode(desc, array)
                frame = pd.DataFrame(data, index=pd.RangeIndex(held["rows"]))
                if len(frame.columns) != len(held["columns"]):
                    return None
                frames[held["name"]] = frame
            return frames
    except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
        return None
