"""Small helpers every stage of :mod:`.frames` shares: empty frames and UTC times."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd


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
