"""Grouping on integer codes: the building blocks the analyses share.

:func:`.frames.assemble` gives ``course``, ``learner`` and activity columns one categorical
dtype across frames, so a (course, learner) pair is one integer, ``course * width +
learner``, and a million rows group without hashing text or building a MultiIndex. Sums
and means go through pandas' own grouped reductions (compensated sums, rows in order), so
they give the same digits as a ``groupby`` on the labels; counts are exact either way.
Frames whose columns are not categoricals (hand-made data) are mapped by their labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def dtype_of(values: pd.Series) -> pd.CategoricalDtype:
    """The categorical dtype of ``values``, or one made of their distinct labels."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.dtype
    labels = pd.unique(values.dropna().astype(object).to_numpy())
    return pd.CategoricalDtype(pd.Index(labels, dtype=object))


def codes_in(values: pd.Series, dtype: pd.CategoricalDtype) -> np.ndarray:
    """int64 position of each of ``values`` in ``dtype``'s categories (-1 when missing or
    absent); on the codes when ``values`` is a categorical (no text compared per row)."""
    cats = dtype.categories
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        mine = values.cat.categories
        if mine is cats or mine.equals(cats):
            return codes.astype(np.int64)
        lut = np.append(cats.get_indexer(mine.astype(object)), -1).astype(np.int64)
        return lut[codes]  # code -1 (missing) reads lut[-1] = -1
    return cats.get_indexer(pd.Index(values.astype(object))).astype(np.int64)


def combine(*parts: tuple[np.ndarray, int]) -> tuple[np.ndarray, int]:
    """One int64 key per row from (codes, number of codes) parts, most significant first
    (-1 when any part is -1), and the number of possible keys."""
    key = np.zeros(len(parts[0][0]), dtype=np.int64)
    missing = np.zeros(len(key), dtype=bool)
    size = 1
    for codes, n in parts:
        key = key * n + codes
        missing |= codes < 0
        size *= n
    key[missing] = -1
    return key, size


def compact(key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct keys >= 0, each row's position among them, -1 for key -1): a
    bitmap of the keys when it is small, else a sort."""
    ok = key >= 0
    if size <= 64 * len(key) + 1_000_000:
        seen = np.zeros(size + 1, dtype=bool)
        seen[key[ok]] = True
        uniq = np.flatnonzero(seen[:size])
        lut = np.cumsum(seen) - 1
        return uniq, np.where(ok, lut[np.where(ok, key, size)], -1)
    uniq, inverse = np.unique(key[ok], return_inverse=True)
    out = np.full(len(key), -1, dtype=np.int64)
    out[ok] = inverse
    return uniq, out


def reduce(values: Any, group: np.ndarray, n_groups: int, how: str) -> np.ndarray:
    """pandas' grouped ``how`` ('sum', 'mean', 'median', 'max', 'min', 'size' ...) of
    ``values`` per group (rows of group -1 left out), for every group 0..n_groups-1 in
    order (NaN / NaT / 0 where a group has no row)."""
    groups = pd.Categorical.from_codes(group, categories=pd.RangeIndex(n_groups), validate=False)
    grouped = pd.Series(values).groupby(groups, observed=False)
    return getattr(grouped, how)().to_numpy()
