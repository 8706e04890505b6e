"""Frames cached without pickle (analytics/framefile.py): every column type the
gradebook's frames use comes back identical, the file is read with pickle refused and
its meta follows its schema; what cannot be stored is not written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SCHEMA = Path(__file__).resolve().parents[2] / "grading/parcours/store/schemas/framefile-v1.json"


def _frames() -> dict[str, pd.DataFrame]:
    due = pd.Timestamp("2026-09-13 22:00", tz="UTC")
    subs = pd.DataFrame(
        {
            "learner": pd.array(["l-01", None, "l-03"], dtype="str"),
            "timestamp": pd.to_datetime(["2026-09-12 12:00", None, "2026-09-14 08:30"], utc=True),
            "due": [due, due, due],
            "local": pd.to_datetime(["2026-09-12 12:00"] * 3).tz_localize("Europe/Paris"),
            "extension": pd.to_timedelta(["0s", "2D", None]),
            "late": [False, False, True],
            "score": [4.0, np.nan, 2.5],
            "attempts": np.array([1, 2, 3], dtype=np.int64),
            "comment": ["bien", np.nan, None],
        }
    )
    return {"submissions": subs, "empty": pd.DataFrame({"x": pd.array([], dtype="str")})}


def test_frames_come_back_identical_without_pickle(tmp_path: Path) -> None:
    import jsonschema
    from parcours.analytics.framefile import load_frames, save_frames

    path = tmp_path / "frames.npz"
    frames = _frames()
    assert save_frames(path, frames, "key-1")
    back = load_frames(path, "key-1")
    assert back is not None and list(back) == list(frames)
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(back[name], frame, check_exact=True)
    with np.load(path, allow_pickle=False) as npz:  # no object array anywhere
        assert all(npz[name].dtype != object for name in npz.files)
        meta = json.loads(str(npz["meta"]))
    jsonschema.validate(meta, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert load_frames(path, "key-2") is None  # computed from something else


@pytest.mark.parametrize("damage", [b"", b"damaged", b"PK\x03\x04 truncated"])
def test_a_damaged_or_missing_file_is_not_read(tmp_path: Path, damage: bytes) -> None:
    from parcours.analytics.framefile import load_frames

    path = tmp_path / "frames.npz"
    assert load_frames(path, "key") is None
    path.write_bytes(damage)
    assert load_frames(path, "key") is None


def test_what_cannot_be_stored_is_not_written(tmp_path: Path) -> None:
    from parcours.analytics.framefile import save_frames

    path = tmp_path / "frames.npz"
    lists = pd.DataFrame({"skills": [["a", "b"], ["c"]]})
    assert not save_frames(path, {"f": lists}, "key")
    shifted = pd.DataFrame({"x": [1, 2]}, index=[5, 6])
    assert not save_frames(path, {"f": shifted}, "key")
    assert not path.exists() and not list(tmp_path.iterdir())
