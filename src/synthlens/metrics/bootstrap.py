"""Bootstrap confidence intervals for the characteristics: a generic percentile bootstrap over
sample indices, a vectorised one for means of per-sample values (e.g. 0/1 correctness behind
faithfulness), a two-stage one over classifier seeds and samples, the percentile interval of a
set of draws, and the draws of a mean over independent units (domains) from each unit's own
draws. docs/intervals.md says what each interval of the metrics files covers.
"""
from __future__ import annotations

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


def percentile_interval(draws: Sequence[float], level: float) -> tuple[float, float]:
    """The (1-level)/2 and (1+level)/2 percentiles of the draws, NaN draws left out;
    (NaN, NaN) when none is left."""
    _check(1, level)
    x = np.asarray(draws, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return NAN_CI
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(x, [tail, 100 - tail])
    return float(low), float(high)


def seed_sample_draws(per_seed: Sequence[Sequence[float]], *, paired: bool,
                      resamples: int = 1000, seed: int = 0) -> np.ndarray:
    """Bootstrap draws of the mean over classifier seeds of each seed's mean per-sample value
    (e.g. 0/1 correctness), resampling both stages: the seeds with replacement, then the
    samples within each (Davison & Hinkley 1997, sec. 3.8; resampling both stages errs on the
    wide side). paired: every seed scored the same samples (one index draw serves all seeds);
    otherwise each seed has its own samples (e.g. its own held-out split). With one seed this
    is the plain bootstrap of a mean, conditional on that one trained classifier.

    NaN values are dropped per seed; seeds left without values are left out; an empty array
    when none is left."""
    _check(resamples, level=0.5)
    seeds = [np.asarray(v, dtype=float) for v in per_seed]
    if paired:
        if len({s.size for s in seeds}) > 1:
            raise ValueError("paired seeds must score the same samples")
        keep = ~np.any([np.isnan(s) for s in seeds], axis=0) if seeds else None
        seeds = [s[keep] for s in seeds]
    else:
        seeds = [s[~np.isnan(s)] for s in seeds]
    seeds = [s for s in seeds if s.size]
    if not seeds:
        return np.zeros(0)
    rng = np.random.default_rng(seed)
    k = len(seeds)
    chosen = rng.integers(0, k, size=(resamples, k)) if k > 1 else np.zeros((resamples, 1), int)

    def seed_means() -> np.ndarray:
        """[b, j]: seed j's mean in draw b, from multinomial counts of its samples"""
        if paired:  # one draw of the shared samples serves every seed
            return counts @ np.stack(seeds).T / n
        return np.stack([rng.multinomial(s.size, np.full(s.size, 1 / s.size),
                                         size=resamples) @ s / s.size for s in seeds], axis=1)

    if paired:
        n = seeds[0].size
        counts = rng.multinomial(n, np.full(n, 1 / n), size=resamples)
    # each pick of a seed gets its own draw of its samples (unless they are shared)
    picks = [np.take_along_axis(seed_means(), chosen[:, [j]], axis=1)[:, 0] for j in range(k)]
    return np.mean(picks, axis=0)


def mean_of_unit_draws(draws_by_unit: Sequence[Sequence[float]]) -> np.ndarray:
    """Draws of the mean over independent units (e.g. domains), each unit with its own i.i.d.
    bootstrap draws: draw b of the mean is the mean of every unit's draw b (independent units
    make any pairing a valid joint draw), over as many draws as the unit with the fewest has.
    NaN draws stay NaN (a unit without a value makes the mean undefined). Empty when a unit
    has no draws."""
    units = [np.asarray(d, dtype=float) for d in draws_by_unit]
    if not units or min(u.size for u in units) == 0:
        return np.zeros(0)
    b = min(u.size for u in units)
    return np.mean([u[:b] for u in units], axis=0)
