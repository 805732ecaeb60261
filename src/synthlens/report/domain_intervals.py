"""The bootstrap interval of a characteristic's mean over domains (Table 2, Figure 2, the
claims): computed from the per-domain bootstrap draws the metrics files keep
(metrics/intervals.py), draw b of the mean being the mean of each domain's draw b (domains are
independent), and the percentile interval taken over those draws. Per-domain intervals are
never averaged: a mean whose domains lack draws gets no interval (a single domain keeps its
own).
"""
from __future__ import annotations

from ..metrics.bootstrap import NAN_CI, mean_of_unit_draws, percentile_interval
from ..metrics.schema import K

DRAWS, LEVEL = K.bootstrap_draws, K.bootstrap_level   # metrics-file keys (metrics/intervals.py)


def bootstrap_of(metrics: dict) -> dict:
    """What a flat row keeps of a metrics file's draws: {"level": float | None,
    "draws": {characteristic: [float, ...]}} (empty draws for older files)."""
    draws = metrics.get(DRAWS)
    level = metrics.get(LEVEL)
    return {"level": float(level) if isinstance(level, (int, float)) else None,
            K.draws: {k: v for k, v in draws.items() if isinstance(v, list)}
            if isinstance(draws, dict) else {}}


def mean_interval(members: list[dict], c: str) -> tuple[float, float]:
    """The interval of the mean of c over the member rows (one per domain) from their draws;
    a single member without draws keeps its own interval; (NaN, NaN) when a member has no
    draws of c or the members' levels differ."""
    nan = float("nan")
    boots = [m.get("bootstrap") or {} for m in members]
    draws = [b.get(K.draws, {}).get(c) for b in boots]
    levels = {b.get("level") for b in boots}
    if any(not d for d in draws) or len(levels) != 1 or None in levels:
        if len(members) == 1:
            return members[0].get(f"{c}_ci_low", nan), members[0].get(f"{c}_ci_high", nan)
        return NAN_CI
    return percentile_interval(mean_of_unit_draws(draws), levels.pop())


def mean_intervals(members: list[dict], characteristics: list[str]) -> dict:
    """{c_ci_low, c_ci_high} of each characteristic's mean over the members, and the draws of
    those means under "bootstrap" (so that a mean of means can be computed the same way)."""
    out: dict = {}
    boots = [m.get("bootstrap") or {} for m in members]
    levels = {b.get("level") for b in boots}
    combined = {}
    for c in characteristics:
        out[f"{c}_ci_low"], out[f"{c}_ci_high"] = mean_interval(members, c)
        draws = [b.get(K.draws, {}).get(c) for b in boots]
        if all(draws) and len(levels) == 1:
            combined[c] = [float(v) for v in mean_of_unit_draws(draws)]
    out["bootstrap"] = {"level": levels.pop() if len(levels) == 1 else None,
                        K.draws: combined}
    return out
