"""Bootstrap confidence intervals: generic, of means, two-stage, and of means over domains."""
import math

import numpy as np
import pytest

from synthlens.metrics.bootstrap import bootstrap_ci, mean_ci


def contains(ci: tuple[float, float], value: float) -> bool:
    return ci[0] <= value <= ci[1]


def test_constant_values_give_a_zero_width_interval():
    values = np.full(40, 0.7)
    assert mean_ci(values, seed=0) == (0.7, 0.7)
    assert bootstrap_ci(lambda idx: values[idx].mean(), len(values), resamples=50) \
        == pytest.approx((0.7, 0.7))


def test_interval_of_a_normal_mean_has_the_textbook_width():
    x = np.random.default_rng(1).normal(size=400)
    low, high = mean_ci(x, resamples=2000, seed=0)
    half = 1.96 / math.sqrt(400)  # sd 1
    assert low < x.mean() < high
    assert high - low == pytest.approx(2 * half, rel=0.15)
    # the generic path over indices agrees with the vectorised one
    g_low, g_high = bootstrap_ci(lambda idx: x[idx].mean(), len(x), resamples=2000, seed=0)
    assert g_low == pytest.approx(low, abs=0.02) and g_high == pytest.approx(high, abs=0.02)


def test_95_percent_intervals_cover_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(2)
    hits = sum(contains(mean_ci(rng.normal(3.0, 2.0, size=60), resamples=500, seed=s), 3.0)
               for s in range(200))
    assert 0.88 <= hits / 200 <= 0.99
    narrow = sum(contains(mean_ci(rng.normal(3.0, 2.0, size=60), resamples=500, level=0.5,
                                  seed=s), 3.0) for s in range(200))
    assert 0.35 <= narrow / 200 <= 0.65


def test_nan_draws_are_dropped_and_too_little_data_gives_nan():
    x = np.array([0, 1, 1, 1, 0, 1.0])
    # a statistic undefined on draws without a 0 is dropped from the quantiles
    low, high = bootstrap_ci(lambda idx: x[idx].mean() if (x[idx] == 0).any() else math.nan,
                             len(x), resamples=300, seed=0)
    assert 0 <= low <= high < 1
    assert all(math.isnan(v) for v in bootstrap_ci(lambda idx: math.nan, 5, resamples=10))
    assert all(math.isnan(v) for v in mean_ci([1.0, math.nan]))
    with pytest.raises(ValueError, match="level"):
        mean_ci([1.0, 2.0], level=1.0)


# ------------------------------------------------ two-stage draws, draws of means over domains
from synthlens.metrics.bootstrap import (mean_of_unit_draws, percentile_interval,  # noqa: E402
                                         seed_sample_draws)


def test_one_seed_draws_are_the_plain_bootstrap_of_the_mean():
    # 0/1 correctness, p = 0.7, n = 200: the mean's sampling sd is sqrt(p(1-p)/n) by hand
    x = np.array([1.0] * 140 + [0.0] * 60)
    draws = seed_sample_draws([x], paired=True, resamples=20000, seed=0)
    assert draws.mean() == pytest.approx(0.7, abs=0.002)
    assert draws.std() == pytest.approx(math.sqrt(0.7 * 0.3 / 200), rel=0.05)
    low, high = percentile_interval(draws, 0.95)
    assert low < 0.7 < high


def test_several_seeds_add_their_training_spread_to_the_interval():
    # three seeds whose held-out accuracies differ (training variance): the draw of the mean
    # over K resampled seeds has variance (popvar of the seed means + mean of sigma_j^2/n_j)/K
    rng = np.random.default_rng(3)
    seeds = [(rng.random(100) < p).astype(float) for p in (0.55, 0.75, 0.95)]
    draws = seed_sample_draws(seeds, paired=False, resamples=40000, seed=1)
    mus = np.array([s.mean() for s in seeds])
    within = np.mean([s.var() / s.size for s in seeds])
    assert draws.var() == pytest.approx((mus.var() + within) / 3, rel=0.06)
    assert draws.mean() == pytest.approx(mus.mean(), abs=0.003)
    # wider than the interval conditional on one trained classifier
    one = percentile_interval(seed_sample_draws(seeds[1:2], paired=False, resamples=4000), 0.95)
    both = percentile_interval(draws, 0.95)
    assert both[1] - both[0] > 1.5 * (one[1] - one[0])


def test_paired_seeds_share_the_sample_draw():
    # two seeds that scored the same samples identically: pairing keeps the variance of one
    # seed (sigma^2/n); treating them as independent samples would halve it
    x = np.array([1.0] * 50 + [0.0] * 50)
    paired = seed_sample_draws([x, x], paired=True, resamples=40000, seed=2)
    apart = seed_sample_draws([x, x], paired=False, resamples=40000, seed=2)
    assert paired.var() == pytest.approx(0.25 / 100, rel=0.05)
    assert apart.var() == pytest.approx(0.25 / 200, rel=0.05)
    with pytest.raises(ValueError, match="paired"):
        seed_sample_draws([x, x[:10]], paired=True)


def test_the_interval_of_a_mean_over_domains_comes_from_the_draws_not_from_half_widths():
    # skewed per-domain draws (one-sided, like MAUVE near 0): the mean's interval is the
    # percentile interval of the averaged draws, which numpy gives independently
    rng = np.random.default_rng(4)
    a, b = 0.01 + rng.exponential(0.01, 500), 0.5 + rng.normal(0, 0.02, 500)
    mean_draws = mean_of_unit_draws([a, b])
    assert mean_draws == pytest.approx((a + b) / 2)
    low, high = percentile_interval(mean_draws, 0.9)
    assert (low, high) == pytest.approx(tuple(np.percentile((a + b) / 2, [5, 95])))
    # the shortest unit sets the number of draws; an empty unit leaves no draws
    assert mean_of_unit_draws([a, b[:100]]).size == 100
    assert mean_of_unit_draws([a, []]).size == 0
    assert all(math.isnan(v) for v in percentile_interval([], 0.95))
