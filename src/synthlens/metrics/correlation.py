"""Correlation across datasets (do two measures rank the synthetic datasets alike?), with one
small-n rule for every caller.

The rule: only the pairs where both values are numbers count (NaN on either side drops the
pair); with fewer than MIN_PAIRS such pairs, or with one side constant over them, there is no
ranking to compare and every coefficient and p-value is NaN. The pair count n is always
returned, so a table can say how many datasets a coefficient rests on.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

MIN_PAIRS = 3  # below this a rank correlation is +-1 or undefined whatever the data


def usable_pairs(xs: Sequence[float], ys: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """The pairs where both values are numbers, as two float arrays."""
    x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"expected two equally long sequences, got {x.shape} and {y.shape}")
    ok = ~(np.isnan(x) | np.isnan(y))
    return x[ok], y[ok]


def _defined(x: np.ndarray, y: np.ndarray) -> bool:
    """The small-n rule: enough pairs, and neither side constant."""
    return len(x) >= MIN_PAIRS and len(np.unique(x)) > 1 and len(np.unique(y)) > 1


def spearman(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, int]:
    """(Spearman rho, pair count n) under the module's small-n rule."""
    x, y = usable_pairs(xs, ys)
    if not _defined(x, y):
        return float("nan"), len(x)
    from scipy import stats

    return float(stats.spearmanr(x, y).statistic), len(x)


def correlation(xs: Sequence[float], ys: Sequence[float]) -> dict:
    """{"n", "pearson", "pearson_p", "spearman", "spearman_p"}: both coefficients with
    two-sided p-values, under the module's small-n rule."""
    x, y = usable_pairs(xs, ys)
    out = {"n": len(x), "pearson": float("nan"), "pearson_p": float("nan"),
           "spearman": float("nan"), "spearman_p": float("nan")}
    if not _defined(x, y):
        return out
    from scipy import stats

    pr, sr = stats.pearsonr(x, y), stats.spearmanr(x, y)
    out.update(pearson=float(pr.statistic), pearson_p=float(pr.pvalue),
               spearman=float(sr.statistic), spearman_p=float(sr.pvalue))
    return out
