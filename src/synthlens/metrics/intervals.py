"""The bootstrap intervals of one dataset's five characteristics (params analyses), each taken
over draws whose mean is the point it is about, and the draws themselves (the metrics file keeps
them, so that a mean over domains gets an interval of its own: report/domain_intervals.py).

  - diversity: distinct-1 within the k-token budget of S's texts in random orders, i.e. of
    subsamples of S's texts drawn without replacement until k tokens (a draw with replacement
    would repeat texts, which biases distinct-n down); the point `diversity` becomes the mean
    of these draws.
  - MAUVE: one MAUVE run per seed (evaluate.mauve_seeds, extended to analyses.mauve_resamples
    seeds), each with its own reference subsample (without replacement) and k-means seed, at
    the same size as the point; the point `mauve` and `mauve_std` become the mean and std of
    these runs. With S no larger than evaluate.mauve_samples every run sees all of S: the
    interval is conditional on S (no bootstrap with replacement: duplicated points shrink
    MAUVE's quantization and bias it down).
  - faithfulness, complexity, performance: a two-stage bootstrap over the classifier seeds and
    the per-sample correctness of each (bootstrap.seed_sample_draws); the points stay the means
    over seeds. With one classifier seed (`ci_training_seeds` = 1) the interval is conditional
    on the trained classifier: it leaves out training variance.
docs/intervals.md says the same for users.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..config import Params
from .bootstrap import percentile_interval, seed_sample_draws
from .characteristics import budgeted_tokens, conformity, distinct_n
from .schema import K

NAN = float("nan")
DRAWS_KEY, LEVEL_KEY, SEEDS_KEY = K.bootstrap_draws, K.bootstrap_level, K.ci_training_seeds


def interval(name: str, draws: Sequence[float], level: float) -> dict[str, float]:
    """{name_ci_low, name_ci_high}: the percentile interval of the draws."""
    low, high = percentile_interval(draws, level)
    return {f"{name}_ci_low": low, f"{name}_ci_high": high}


def diversity_draws(tokens: Sequence[list[str]], k: int, resamples: int,
                    seed: int) -> np.ndarray:
    """distinct-1 within the first k tokens of the texts (tokenized: tokens[i]) in `resamples`
    seeded random orders; empty when the texts hold fewer than k tokens (no diversity)."""
    if not tokens or sum(len(t) for t in tokens) < k:
        return np.zeros(0)
    rng = np.random.default_rng(seed)
    return np.asarray([distinct_n(budgeted_tokens(tokens, rng.permutation(len(tokens)), k), 1)
                       for _ in range(resamples)])


def mauve_seeds(params: Params) -> list[int]:
    """The MAUVE seeds of the interval: evaluate.mauve_seeds (so the point's runs are among
    the draws), then the next integers up to analyses.mauve_resamples seeds; [] when
    mauve_resamples is 0 (no interval)."""
    base, count = list(params.evaluate.mauve_seeds), params.analyses.mauve_resamples
    if count == 0:
        return []
    seeds, nxt = base[:], max(base, default=-1) + 1
    while len(seeds) < count:
        seeds.append(nxt)
        nxt += 1
    return seeds


def mauve_draws(params: Params, reference_features, synthetic_features) -> np.ndarray:
    """One MAUVE score per seed of mauve_seeds(params) (conformity's procedure: equal-size
    subsamples without replacement, the seed's k-means)."""
    e = params.evaluate
    if len(reference_features) < 2 or len(synthetic_features) < 2:
        return np.zeros(0)
    return np.asarray([conformity(reference_features, synthetic_features, [s], e.mauve_samples,
                                  e.mauve_scaling_factor)[K.mauve] for s in mauve_seeds(params)])


def _as_seeds(values) -> list[np.ndarray]:
    """A list of per-seed arrays; one array (one seed) is wrapped."""
    if isinstance(values, np.ndarray) and values.ndim == 1:
        return [values]
    return [np.asarray(v, dtype=float) for v in values]


def classifier_draws(params: Params, *, agreement, holdout_correct,
                     test_correct) -> dict[str, np.ndarray]:
    """Draws of faithfulness (agreement of the reference classifier(s) with S's labels, the same
    samples for every seed), complexity (1 - correctness on each seed's own held-out part) and
    performance (correctness on R-test, the same samples for every seed). Each argument: one
    array per classifier seed, or one array for one seed."""
    a = params.analyses
    kw = dict(resamples=a.bootstrap_resamples, seed=params.seed)
    return {K.faithfulness: seed_sample_draws(_as_seeds(agreement), paired=True, **kw),
            K.complexity: 1 - seed_sample_draws(_as_seeds(holdout_correct), paired=False, **kw),
            K.performance: seed_sample_draws(_as_seeds(test_correct), paired=True, **kw)}


def summarise(params: Params, draws: dict[str, np.ndarray], *,
              points_from_draws: Sequence[str] = ()) -> dict:
    """The metrics-file keys of the draws: each characteristic's interval, the draws
    (rounded to 6 decimals) under bootstrap_draws, the level, and for each name in
    points_from_draws the point (and for mauve its std) as the mean of its draws."""
    level = params.analyses.bootstrap_level
    out: dict = {LEVEL_KEY: level, DRAWS_KEY: {}}
    for name, d in draws.items():
        d = np.asarray(d, dtype=float)
        out.update(interval(name, d, level))
        out[DRAWS_KEY][name] = [round(float(v), 6) for v in d]
        finite = d[~np.isnan(d)]
        if name in points_from_draws and finite.size:
            out[name] = float(finite.mean())
            if name == K.mauve:
                out[K.mauve_std] = float(finite.std())
    return out
