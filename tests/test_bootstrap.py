"""Bootstrap confidence intervals and the interval tests behind verify's verdicts."""
import math

import numpy as np
import pytest

from synthlens.metrics.bootstrap import bootstrap_ci, contains, mean_ci, overlaps


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


def test_overlaps_and_contains():
    assert overlaps((0.1, 0.3), (0.3, 0.5)) and overlaps((0.0, 1.0), (0.4, 0.5))
    assert not overlaps((0.1, 0.2), (0.3, 0.5)) and not overlaps((0.3, 0.5), (0.1, 0.2))
    assert not overlaps((math.nan, 0.3), (0.1, 0.2))
    assert contains((0.1, 0.3), 0.3) and not contains((0.1, 0.3), 0.31)
    assert not contains((0.1, 0.3), math.nan)
