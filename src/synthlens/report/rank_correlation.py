"""Spearman rank correlation over the report's flat rows (one dict per dataset, NaN where a
value is absent), synthetic datasets only: of two columns (the pairs where both are numbers),
and as a matrix of several columns over the complete cases (spearman and its small-n rule:
metrics/correlation.py). The robustness table
(tables/robustness.py) and the heat maps (figures/heatmaps.py) read it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..metrics.correlation import MIN_PAIRS, spearman
from .rundata import LABELS
from .tabular import is_number, number_in

@dataclass
class Matrix:
    """A Spearman matrix: names of the rows/columns, the values, and the datasets behind it."""
    names: list[str]
    values: np.ndarray
    n: int
    message: str | None = None  # why there is no matrix, when there is none


def synthetic(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r.get("kind") == "synthetic"]


def spearman_matrix(rows: list[dict], keys: list[str], names: list[str] | None = None,
                    signs: list[int] | None = None) -> Matrix:
    """Spearman matrix of `keys` across the synthetic rows that have every key that has any
    value at all (complete cases; keys without a single value are left out). Values are
    multiplied by `signs` first; NaN entries for a constant column or fewer than 3 rows."""
    syn = synthetic(rows)
    names = names or [LABELS.get(k, k) for k in keys]
    signs = signs or [1] * len(keys)
    cols = [(k, nm, s) for k, nm, s in zip(keys, names, signs)
            if any(is_number(number_in(r, k)) for r in syn)]
    if not cols:
        return Matrix([], np.zeros((0, 0)), 0, "no data: no synthetic dataset has any of "
                      + ", ".join(keys))
    data = np.array([[s * number_in(r, k) for k, _, s in cols] for r in syn])
    data = data[~np.isnan(data).any(axis=1)]
    n = len(data)
    m = np.full((len(cols), len(cols)), np.nan)
    for i in range(len(cols)):
        for j in range(len(cols)):
            m[i, j] = spearman(data[:, i], data[:, j])[0]
    message = None if n >= MIN_PAIRS else (f"no data: {n} synthetic datasets have every value "
                                       f"(at least {MIN_PAIRS} needed)")
    return Matrix([nm for _, nm, _ in cols], m, n, message)

