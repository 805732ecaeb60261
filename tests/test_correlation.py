"""metrics/correlation.py: one small-n rule for every correlation across datasets."""
import math

import pytest

from synthlens.metrics.correlation import MIN_PAIRS, correlation, spearman, usable_pairs

NAN = float("nan")


def test_known_answers():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == (pytest.approx(1.0), 4)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1])[0] == pytest.approx(-1.0)
    c = correlation([1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 4.0, 6.0, 8.0, 11.0])
    assert c["n"] == 5 and c["spearman"] == pytest.approx(1.0)
    assert 0.99 < c["pearson"] < 1.0 and c["pearson_p"] < 0.01


def test_only_pairs_where_both_are_numbers_count():
    x, y = usable_pairs([1.0, NAN, 3.0, 4.0], [1.0, 2.0, NAN, 5.0])
    assert list(x) == [1.0, 4.0] and list(y) == [1.0, 5.0]
    rho, n = spearman([1.0, NAN, 2.0, 3.0, 4.0], [1.0, 9.0, 2.0, 3.0, 5.0])
    assert (rho, n) == (pytest.approx(1.0), 4)


@pytest.mark.parametrize("xs, ys, n", [
    ([], [], 0),
    ([1.0, 2.0], [2.0, 1.0], 2),                          # fewer than MIN_PAIRS pairs
    ([1.0, 2.0, NAN], [2.0, 1.0, 3.0], 2),                # a NaN leaves two pairs
    ([1.0, 1.0, 1.0, 1.0], [1.0, 2.0, 3.0, 4.0], 4),      # a constant side
    ([1.0, 2.0, 3.0, 4.0], [5.0, 5.0, 5.0, 5.0], 4),
])
def test_too_few_pairs_or_a_constant_side_give_nan_and_the_count(xs, ys, n):
    assert MIN_PAIRS == 3
    rho, count = spearman(xs, ys)
    assert math.isnan(rho) and count == n
    c = correlation(xs, ys)
    assert c["n"] == n
    assert all(math.isnan(c[k]) for k in ("pearson", "pearson_p", "spearman", "spearman_p"))


def test_sequences_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="equally long"):
        spearman([1.0, 2.0, 3.0], [1.0, 2.0])
