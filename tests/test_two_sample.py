"""The classifier two-sample test: real vs synthetic held-out ROC AUC."""
import random

import numpy as np

from synthlens.metrics.two_sample import two_sample_auc


def texts(n, seed, prefix="w", vocab=400, words=20):
    rng = random.Random(seed)
    return [" ".join(f"{prefix}{min(int(rng.expovariate(0.02)), vocab)}" for _ in range(words))
            for _ in range(n)]


def test_another_sample_of_the_same_distribution_cannot_be_told_apart():
    real = texts(400, 1)
    auc = two_sample_auc(reference_texts=real[:200], synthetic_texts=real[200:], seed=0)
    assert abs(auc - 0.5) < 0.15


def test_texts_from_another_vocabulary_are_told_apart():
    auc = two_sample_auc(reference_texts=texts(300, 2), synthetic_texts=texts(150, 3, "v"),
                         seed=0)
    assert auc > 0.99


def test_the_larger_side_is_subsampled_and_the_seed_fixes_the_answer():
    real, synth = texts(300, 4), texts(60, 5, vocab=40)  # synth: a narrower vocabulary
    a = two_sample_auc(reference_texts=real, synthetic_texts=synth, seed=3)
    assert a == two_sample_auc(reference_texts=real, synthetic_texts=synth, seed=3)
    assert a > 0.9


def spy_on_cross_val_predict(monkeypatch):
    """Record the texts and classes the classifier is cross-validated on; score at random."""
    import sklearn.model_selection

    calls = []

    def fake(pipe, x, y, cv, method):
        calls.append((list(x), np.asarray(y)))
        p = np.random.default_rng(len(calls)).random(len(y))
        return np.c_[1 - p, p]
    monkeypatch.setattr(sklearn.model_selection, "cross_val_predict", fake)
    return calls


def test_the_larger_side_is_a_seeded_uniform_draw_of_the_smaller_sides_size(monkeypatch):
    """300 real texts against 60 synthetic ones: the classifier sees 60 of each, the real 60
    a different draw per seed, each real text in it with probability 60/300 = 0.2."""
    calls = spy_on_cross_val_predict(monkeypatch)
    real = [f"real text {i}" for i in range(300)]
    synth = [f"synthetic text {i}" for i in range(60)]
    seeds = range(200)
    for seed in seeds:
        two_sample_auc(reference_texts=real, synthetic_texts=synth, seed=seed)
    picks = []
    for x, y in calls:
        assert (y == 0).sum() == (y == 1).sum() == 60
        shown_real = [t for t, c in zip(x, y) if c == 0]
        assert len(set(shown_real)) == 60 and set(shown_real) <= set(real)
        assert sorted(t for t, c in zip(x, y) if c == 1) == sorted(synth)
        picks.append(frozenset(shown_real))
    assert len(set(picks)) == len(seeds), "every seed must draw its own real texts"
    two_sample_auc(reference_texts=real, synthetic_texts=synth, seed=0)
    assert set(calls[-1][0][:60]) == picks[0]
    freq = np.array([sum(t in s for s in picks) for t in real]) / len(seeds)
    # binomial(200, 0.2): standard error 0.028
    assert np.all(np.abs(freq - 0.2) < 0.14), freq


def test_half_giveaway_half_real_gives_an_auc_of_three_quarters():
    """S = 100 texts drawn like R plus 100 texts of another vocabulary. The held-out scores
    put every foreign text above every real one (AUC 1 on that half) and cannot order the
    other half against R (AUC 0.5), so the AUC is 0.5 * 1 + 0.5 * 0.5 = 0.75 (a little less:
    cross-validation biases the undetectable half slightly below 0.5). Scoring the texts the
    classifier was fit on would give about 1."""
    real = texts(300, 10)
    synth = real[200:] + texts(100, 20, "v")
    auc = two_sample_auc(reference_texts=real[:200], synthetic_texts=synth, seed=0)
    assert abs(auc - 0.75) < 0.1


def test_too_few_texts_give_nan():
    assert np.isnan(two_sample_auc(reference_texts=["a b"], synthetic_texts=["c", "d"], seed=0))
