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
    assert diversity(texts, words, k=100, seed=1) != diversity(texts, words, k=100, seed=2)


def test_diversity_budget_is_a_uniform_shuffle_of_the_texts():
    """One-token texts: 20 copies of 'w0' and 20 distinct words. If the seed shuffles S
    uniformly, the k-token budget is a uniform draw of k texts without replacement, so the
    expected count of distinct words is the sum over words c of 1 - C(N - n_c, k) / C(N, k)
    (hypergeometric; 0.59998 here). Taking the texts in order would give 1/k; a seed that is
    ignored gives one value for every seed."""
    texts = ["w0"] * 20 + [f"w{i}" for i in range(1, 21)]
    n, k = len(texts), 10
    counts = [20] + [1] * 20
    expected = sum(1 - math.comb(n - c, k) / math.comb(n, k) for c in counts) / k
    values = [diversity(texts, words, k=k, ngrams=[1], seed=s)["distinct_1"]
              for s in range(300)]
    assert len(set(values)) > 3, "the seed must change which texts fill the budget"
    # the per-seed spread is 0.134, so the mean of 300 has a standard error of 0.008
    assert np.mean(values) == pytest.approx(expected, abs=0.03)


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


def spy_on_mauve(monkeypatch):
    """Record the p and q features every MAUVE call gets (its score is irrelevant here)."""
    import mauve

    calls = []

    def fake(p_features, q_features, **kw):
        calls.append((np.asarray(p_features), np.asarray(q_features)))

        class Out:
            mauve = 0.5
        return Out()
    monkeypatch.setattr(mauve, "compute_mauve", fake)
    return calls


def rows(features):
    return [tuple(r) for r in features]


@pytest.mark.parametrize("n_ref, n_syn, max_samples, n", [
    (300, 200, 100, 100),    # both sides larger than the cap: both cut to it
    (300, 50, 100, 50),      # the synthetic side is the smaller: R is cut to it
    (50, 300, None, 50),     # the reference side is the smaller: S is cut to it
    (80, 300, 100, 80)])
def test_mauve_uses_equal_sample_counts(monkeypatch, n_ref, n_syn, max_samples, n):
    calls = spy_on_mauve(monkeypatch)
    # row i of each side is unique, so the rows MAUVE gets show which were drawn
    ref = np.c_[np.arange(n_ref), np.zeros(n_ref)]
    syn = np.c_[np.arange(n_syn), np.ones(n_syn)]
    out = conformity(ref, syn, seeds=[0, 1], max_samples=max_samples)
    assert out["mauve_n"] == n
    for p, q in calls:
        assert p.shape == q.shape == (n, 2)
        assert len(set(rows(p))) == n and set(rows(p)) <= set(rows(ref))
        assert len(set(rows(q))) == n and set(rows(q)) <= set(rows(syn))
    if n < n_syn:  # a cut synthetic side is drawn again with every seed
        assert set(rows(calls[0][1])) != set(rows(calls[1][1]))


def test_mauve_n_is_the_real_sample_count():
    rng = np.random.default_rng(0)
    out = conformity(rng.normal(size=(300, 8)), rng.normal(size=(50, 8)), seeds=[0],
                     max_samples=100)
    assert out["mauve_n"] == 50 and 0 < out["mauve"] <= 1


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


def test_stratified_split_holds_out_a_uniform_random_part_of_each_label():
    """Over many seeds each index is held out with probability n_hold / n_label = 0.3 (18 of
    60, 9 of 30, 3 of 10): a split that ignores the seed, or always holds out the same
    positions, gives frequencies of 0 and 1."""
    labels = [0] * 60 + [1] * 30 + [2] * 10
    seeds = range(300)
    held = np.zeros(len(labels))
    splits = set()
    for seed in seeds:
        _, hold = stratified_split(labels, 0.3, seed=seed)
        held[hold] += 1
        splits.add(tuple(hold))
    freq = held / len(seeds)
    assert len(splits) > 250
    # binomial(300, 0.3): standard error 0.026, so 0.15 is more than 5 of them
    assert np.all(np.abs(freq - 0.3) < 0.15), freq


def test_mean_std_ignores_nan():
    assert mean_std([1.0, float("nan"), 3.0]) == (2.0, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m, s = mean_std([float("nan")])
    assert math.isnan(m) and math.isnan(s)
