"""The characteristics on inputs whose answer is known."""
import math
import warnings

import numpy as np
import pytest

from synthlens.metrics.characteristics import (TooFewTokens, conformity, diversity,
                                               label_accuracy, mean_std, stratified_split)


def words(text):
    return text.split()


def test_two_repeated_sentences_have_diversity_near_zero():
    texts = ["the movie was good", "the movie was bad"] * 500
    out = diversity(texts, words, k=2000)
    assert out["distinct_1"] == pytest.approx(5 / 2000)
    assert out["distinct_1"] < 0.01
    # bigrams: the two sentences and the seams between them, a handful in all
    assert out["distinct_2"] < 0.01


def test_all_distinct_tokens_give_diversity_one():
    texts = [f"w{i}" for i in range(100)]
    out = diversity(texts, words, k=50, ngrams=[1, 2])
    assert out == {"distinct_1": 1.0, "distinct_2": 1.0}


def test_diversity_uses_exactly_k_tokens_whatever_the_length():
    short = ["a b c d"] * 100          # 400 tokens
    long = ["a b c d " * 50] * 100     # same vocabulary, much longer texts
    assert diversity(short, words, k=300) == diversity(long, words, k=300)


def test_fewer_than_k_tokens_gives_nan_and_a_warning():
    with pytest.warns(TooFewTokens, match="fewer than the diversity budget"):
        out = diversity(["only five tokens in here"], words, k=10)
    assert all(math.isnan(v) for v in out.values())


def test_diversity_is_seeded():
    texts = [f"s{i} t{i % 7} u{i % 3}" for i in range(200)]
    assert diversity(texts, words, k=100, seed=1) == diversity(texts, words, k=100, seed=1)


def test_identical_sets_have_mauve_near_one():
    rng = np.random.default_rng(0)
    feats = rng.normal(size=(200, 16)).astype(np.float32)
    out = conformity(feats, feats.copy(), seeds=[0, 1])
    assert out["mauve"] > 0.95
    assert out["mauve_n"] == 200


def test_disjoint_distributions_have_low_mauve():
    rng = np.random.default_rng(0)
    p = rng.normal(size=(200, 16)).astype(np.float32)
    q = (rng.normal(size=(200, 16)) + 8).astype(np.float32)
    assert conformity(p, q, seeds=[0])["mauve"] < 0.2


def test_mauve_uses_equal_sample_counts():
    rng = np.random.default_rng(0)
    out = conformity(rng.normal(size=(300, 8)), rng.normal(size=(50, 8)), seeds=[0],
                     max_samples=100)
    assert out["mauve_n"] == 50


def test_random_labels_give_accuracy_near_chance():
    rng = np.random.default_rng(0)
    predicted = rng.integers(0, 4, size=4000)
    random_labels = rng.integers(0, 4, size=4000)
    assert label_accuracy(predicted, random_labels) == pytest.approx(0.25, abs=0.03)
    assert label_accuracy(predicted, predicted) == 1.0


def test_stratified_split_keeps_label_proportions():
    labels = [0] * 60 + [1] * 30 + [2] * 10
    train, hold = stratified_split(labels, 0.3, seed=0)
    assert sorted(train + hold) == list(range(100))
    held = [labels[i] for i in hold]
    assert (held.count(0), held.count(1), held.count(2)) == (18, 9, 3)
    assert stratified_split(labels, 0.3, seed=0) == (train, hold)


def test_mean_std_ignores_nan():
    assert mean_std([1.0, float("nan"), 3.0]) == (2.0, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m, s = mean_std([float("nan")])
    assert math.isnan(m) and math.isnan(s)
