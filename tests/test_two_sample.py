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


def test_too_few_texts_give_nan():
    assert np.isnan(two_sample_auc(reference_texts=["a b"], synthetic_texts=["c", "d"], seed=0))
