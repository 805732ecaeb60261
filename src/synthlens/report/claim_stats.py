"""The statistics behind the claims' verdicts: a value's standard error from its bootstrap
draws, or its bootstrap interval and seed spread, and the tests a verdict rests on (a z-test on a mean difference,
an equivalence test (TOST) with a margin, a count of decided comparisons, a parametric bootstrap
over the points' uncertainties), each giving a Test with its numbers and an outcome: HOLDS (the
claimed direction clears the uncertainty), CONTRADICTED (the opposite does) or UNCLEAR.

A verdict (verdict_of) is PASS when every test it rests on HOLDS, FAIL when one is
CONTRADICTED, INCONCLUSIVE otherwise. Nothing here reads the run: claims.Means and the checks do.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

HOLDS, CONTRADICTED, UNCLEAR = "holds", "contradicted", "unclear"
PASS, FAIL, INCONCLUSIVE, NOT_RUN = "PASS", "FAIL", "INCONCLUSIVE", "NOT RUN"
NAN = float("nan")


def finite(*vals) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
               for v in vals)


def z_of(level: float) -> float:
    """The two-sided normal quantile of a confidence level (0.95 -> 1.96)."""
    from scipy.stats import norm

    return float(norm.ppf((1 + level) / 2))


def draws_error(draws) -> tuple[float, str]:
    """(standard error, "bootstrap draws") from a mean's bootstrap draws: their std; (NaN,
    "none") without at least two defined draws. The draws resample the classifier seeds too
    (metrics/intervals.py), so no seed std is added."""
    x = np.asarray(draws if draws else [], float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return NAN, "none"
    return float(np.std(x, ddof=1)), "bootstrap draws"


def standard_error(value: float, low: float, high: float, std: float,
                   interval_level: float) -> tuple[float, str]:
    """(standard error, where it comes from) of one value: the bootstrap interval's half-width
    (the larger side, as the interval of a mean is clipped to [0, 1]) over its normal quantile,
    and the seed std added in quadrature when it was measured (> 0). A seed std alone serves
    when there is no interval; (NaN, "none") when neither exists."""
    boot = NAN
    if finite(value, low, high):
        boot = max(high - value, value - low, 0.0) / z_of(interval_level)
    seeds = std if finite(std) and std > 0 else NAN
    if finite(boot) and finite(seeds):
        return math.hypot(boot, seeds), "bootstrap + seeds"
    if finite(boot):
        return boot, "bootstrap"
    if finite(seeds):
        return seeds, "seeds"
    return NAN, "none"


@dataclass
class Test:
    """One statistical statement a verdict rests on, with its numbers."""
    name: str            # what is tested, e.g. "Δ faithfulness (instruct − vanilla) > 0"
    method: str          # the test, e.g. "z-test on the mean of 4 differences"
    estimate: float
    low: float
    high: float
    level: float         # the interval's confidence level
    outcome: str         # HOLDS, CONTRADICTED or UNCLEAR
    note: str = ""

    def text(self) -> str:
        interval = (f"[{self.low:+.3f}, {self.high:+.3f}]" if finite(self.low, self.high)
                    else "[no interval]")
        est = f"{self.estimate:+.3f}" if finite(self.estimate) else "—"
        out = (f"{self.name}: {est} {interval} ({self.level:.0%} interval; {self.method}) → "
               f"{self.outcome}")
        return out + (f" ({self.note})" if self.note else "")


def verdict_of(tests: Sequence[Test]) -> str:
    if not tests:
        return NOT_RUN
    if any(t.outcome == CONTRADICTED for t in tests):
        return FAIL
    return PASS if all(t.outcome == HOLDS for t in tests) else INCONCLUSIVE


def direction(low: float, high: float, sign: int) -> str:
    """HOLDS if the interval lies on the claimed side of 0 (sign +1: above, -1: below),
    CONTRADICTED if on the other, UNCLEAR if it holds 0 or is missing."""
    if not finite(low, high):
        return UNCLEAR
    if (sign > 0 and low > 0) or (sign < 0 and high < 0):
        return HOLDS
    if (sign > 0 and high < 0) or (sign < 0 and low > 0):
        return CONTRADICTED
    return UNCLEAR


def unit_outcomes(diffs: Sequence[float], ses: Sequence[float], level: float,
                  sign: int) -> list[str]:
    """Each comparison's own outcome: difference ± z·se against 0."""
    z = z_of(level)
    return [direction(d - z * s, d + z * s, sign) if finite(d, s) else UNCLEAR
            for d, s in zip(diffs, ses)]


def _mixed(outcome: str, units: list[str]) -> tuple[str, str]:
    """A pooled HOLDS / CONTRADICTED that some comparison clearly goes against is UNCLEAR."""
    against = {HOLDS: CONTRADICTED, CONTRADICTED: HOLDS}.get(outcome)
    n = sum(u == against for u in units) if against else 0
    if n:
        return UNCLEAR, (f"mixed: the mean {outcome}, but {n} of {len(units)} comparisons "
                         f"clearly go the other way")
    return outcome, ""


def mean_difference(name: str, diffs: Sequence[float], ses: Sequence[float], level: float,
                    sign: int) -> Test:
    """z-test on the mean of independent differences (each with its standard error): the mean
    ± z·sqrt(Σ se²)/n against 0, in the claimed direction."""
    n = len(diffs)
    method = f"z-test on the mean of {n} difference(s)"
    if not n or not all(finite(d) for d in diffs):
        return Test(name, method, NAN, NAN, NAN, level, UNCLEAR, "no difference to test")
    mean = float(np.mean(diffs))
    if not all(finite(s) for s in ses):
        return Test(name, method, mean, NAN, NAN, level, UNCLEAR,
                    "no uncertainty measured for some value (no bootstrap interval, no seed "
                    "spread)")
    se = math.sqrt(sum(s * s for s in ses)) / n
    z = z_of(level)
    outcome, note = _mixed(direction(mean - z * se, mean + z * se, sign),
                           unit_outcomes(diffs, ses, level, sign))
    return Test(name, method, mean, mean - z * se, mean + z * se, level, outcome, note)


def equivalence(name: str, diffs: Sequence[float], ses: Sequence[float], level: float,
                margin: float) -> Test:
    """TOST: the mean difference is the same within ±margin if both one-sided tests at
    α = 1 − level reject, i.e. its (1 − 2α) interval lies inside (−margin, margin);
    CONTRADICTED when the level interval lies wholly beyond one of the margins."""
    from scipy.stats import norm

    n = len(diffs)
    method = f"TOST, margin ±{margin:g}, on the mean of {n} difference(s)"
    if not n or not all(finite(d, s) for d, s in zip(diffs, ses)):
        mean = float(np.mean(diffs)) if n and all(finite(d) for d in diffs) else NAN
        return Test(name, method, mean, NAN, NAN, 2 * level - 1, UNCLEAR,
                    "no uncertainty measured for some value" if n else "no difference to test")
    mean = float(np.mean(diffs))
    se = math.sqrt(sum(s * s for s in ses)) / n
    alpha = 1 - level
    zt = z_of(1 - 2 * alpha)
    low, high = mean - zt * se, mean + zt * se
    p = (max(norm.sf((mean + margin) / se), norm.sf((margin - mean) / se)) if se > 0 else
         float(abs(mean) >= margin))
    z = z_of(level)
    if -margin < low and high < margin:
        outcome = HOLDS
    elif mean - z * se > margin or mean + z * se < -margin:
        outcome = CONTRADICTED
    else:
        outcome = UNCLEAR
    return Test(name, method, mean, low, high, 1 - 2 * alpha, outcome, f"TOST p = {p:.3g}")


def non_superiority(name: str, diffs: Sequence[float], ses: Sequence[float], level: float,
                    margin: float) -> Test:
    """'Does not improve', the upper half of TOST: HOLDS if the mean difference's (1 − 2α)
    interval stays below +margin, CONTRADICTED if its level interval lies wholly above it."""
    t = equivalence(name, diffs, ses, level, margin)
    t.method = t.method.replace("TOST, margin ±", "non-superiority test, margin +")
    t.note = ""
    if finite(t.low, t.high):
        se = (t.high - t.low) / (2 * z_of(t.level))
        t.outcome = (HOLDS if t.high < margin else
                     CONTRADICTED if t.estimate - z_of(level) * se > margin else UNCLEAR)
    return t


def decided_share(name: str, diffs: Sequence[float], ses: Sequence[float], level: float,
                  sign: int, need: float) -> Test:
    """The share of comparisons decided in the claimed direction must reach `need`. Each one
    is decided by its own z-test; the interval is [decided for / n, 1 − decided against / n]
    (the share if every undecided one went against / for): HOLDS if its low end reaches need,
    CONTRADICTED if even its high end stays below."""
    units = unit_outcomes(diffs, ses, level, sign)
    n = len(units)
    method = f"share of {n} comparison(s) decided by z-tests, needed ≥ {need:.0%}"
    if not n:
        return Test(name, method, NAN, NAN, NAN, level, UNCLEAR, "no comparison")
    won, lost = units.count(HOLDS), units.count(CONTRADICTED)
    low, high = won / n, 1 - lost / n
    raw = sum(1 for d in diffs if finite(d) and d * sign > 0) / n
    outcome = HOLDS if low >= need else CONTRADICTED if high < need else UNCLEAR
    return Test(name, method, raw, low, high, level, outcome,
                f"{won} for, {lost} against, {n - won - lost} undecided; the estimate is the "
                "share in the claimed direction before any test")


def parametric_draws(statistic: Callable[[np.ndarray], np.ndarray], values: np.ndarray,
                     ses: np.ndarray, draws: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A parametric bootstrap: each value redrawn `draws` times from a normal with its standard
    error. `statistic` maps an array (n, len(values)) to one number per row and unit, shape
    (n, units), NaN where undefined. Returns (the units' statistic on the values themselves,
    shape (units,); on the draws, shape (draws, units), all NaN when a standard error is
    missing)."""
    values, ses = np.asarray(values, float), np.asarray(ses, float)
    est = np.asarray(statistic(values[None, :]), float)[0]
    if not np.all(np.isfinite(ses)):
        return est, np.full((draws, est.size), np.nan)
    rng = np.random.default_rng(seed)
    sample = values[None, :] + rng.standard_normal((draws, values.size)) * ses[None, :]
    return est, np.asarray(statistic(sample), float)


def percentile_interval(stats: np.ndarray, level: float) -> tuple[float, float]:
    """The percentile interval of the defined draws; NaN when fewer than half are defined."""
    stats = np.asarray(stats, float)
    ok = stats[np.isfinite(stats)]
    if ok.size < max(10, stats.size // 2):
        return NAN, NAN
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(ok, [tail, 100 - tail])
    return float(low), float(high)


def nanmean_rows(m: np.ndarray) -> np.ndarray:
    """The mean of each row over its defined entries (NaN for a row with none)."""
    m = np.asarray(m, float)
    n = np.isfinite(m).sum(axis=1)
    total = np.where(np.isfinite(m), m, 0.0).sum(axis=1)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def pooled_bootstrap_test(name: str, method: str, est: np.ndarray, draws: np.ndarray,
                          level: float, sign: int) -> tuple[Test, list[tuple[float, float]]]:
    """Directional test of the mean over units of a bootstrapped statistic: its percentile
    interval against 0, with the mixed-units rule. Returns the Test and each unit's interval."""
    units = [percentile_interval(draws[:, j], level) for j in range(draws.shape[1])]
    pooled = float(np.mean(est)) if est.size and np.all(np.isfinite(est)) else NAN
    low, high = percentile_interval(nanmean_rows(draws), level) if est.size else (NAN, NAN)
    outcome, note = _mixed(direction(low, high, sign),
                           [direction(lo, hi, sign) for lo, hi in units])
    if not finite(low, high):
        note = ("no interval: some value has no measured uncertainty (no bootstrap interval, "
                "no seed spread), or most draws leave the statistic undefined")
    return Test(name, method, pooled, low, high, level, outcome, note), units
