"""Bootstrap confidence intervals for the characteristics: a generic percentile bootstrap over
sample indices, a vectorised one for means of per-sample values (e.g. 0/1 correctness behind
faithfulness), and the interval tests verify's 'inside the interval' verdicts need.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

NAN_CI = (float("nan"), float("nan"))


def _check(resamples: int, level: float) -> None:
    if resamples < 1:
        raise ValueError("resamples must be positive")
    if not 0 < level < 1:
        raise ValueError("level must lie strictly between 0 and 1")


def bootstrap_ci(statistic: Callable[[np.ndarray], float], n: int, *, resamples: int = 1000,
                 level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile interval of `statistic` over `resamples` bootstrap draws of the indices
    0..n-1 (with replacement, n each, seeded): the (1-level)/2 and (1+level)/2 quantiles.

    `statistic` gets an index array and returns a number; resamples where it is NaN (e.g. a
    draw with one class only) are left out. (NaN, NaN) for n < 2 or when every draw is NaN.
    """
    _check(resamples, level)
    if n < 2:
        return NAN_CI
    rng = np.random.default_rng(seed)
    values = np.array([float(statistic(rng.integers(0, n, n))) for _ in range(resamples)])
    values = values[~np.isnan(values)]
    if values.size == 0:
        return NAN_CI
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def mean_ci(values: Sequence[float], *, resamples: int = 1000, level: float = 0.95,
            seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of per-sample values (scipy.stats.bootstrap,
    vectorised, in batches of 100 resamples). NaN values are dropped first; (NaN, NaN) with
    fewer than 2 values left."""
    from scipy.stats import bootstrap

    _check(resamples, level)
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size < 2:
        return NAN_CI
    if np.all(x == x[0]):  # every resample has the same mean
        return float(x[0]), float(x[0])
    res = bootstrap((x,), np.mean, n_resamples=resamples, confidence_level=level,
                    method="percentile", vectorized=True, batch=100,
                    rng=np.random.default_rng(seed))
    ci = res.confidence_interval
    return float(ci.low), float(ci.high)


def _valid(ci: tuple[float, float]) -> bool:
    return not any(math.isnan(v) for v in ci)


def overlaps(ci_a: tuple[float, float], ci_b: tuple[float, float]) -> bool:
    """Do two closed intervals share a point? False when either has a NaN end."""
    if not (_valid(ci_a) and _valid(ci_b)):
        return False
    return ci_a[0] <= ci_b[1] and ci_b[0] <= ci_a[1]


def contains(ci: tuple[float, float], value: float) -> bool:
    """Does the closed interval hold the value? False for a NaN end or value."""
    if not _valid(ci) or math.isnan(value):
        return False
    return ci[0] <= value <= ci[1]
