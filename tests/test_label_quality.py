"""Label issues and data maps (metrics/label_quality.py) on data with deliberately flipped
labels: the flipped samples are found, the clean ones mostly left alone."""
import numpy as np

from synthlens.metrics import label_quality as lq

POSITIVE = "great wonderful superb moving delightful brilliant charming fine".split()
NEGATIVE = "dull awful tedious boring clumsy weak bland messy".split()


def texts_with_flips(n: int = 120, flip_every: int = 10):
    """n texts of four words from one sentiment's vocabulary (label = that sentiment), with
    the labels of every flip_every-th sample of each sentiment flipped (both directions)."""
    rng = np.random.default_rng(0)
    texts, labels, flipped = [], [], []
    for i in range(n):
        true = i % 2
        words = rng.choice(POSITIVE if true else NEGATIVE, 4)
        texts.append("the film was " + " ".join(words))
        flip = i % flip_every in (0, flip_every // 2)
        labels.append(1 - true if flip else true)
        flipped.append(flip)
    return texts, labels, np.asarray(flipped)


def test_confident_learning_finds_the_flipped_labels():
    texts, labels, flipped = texts_with_flips()
    issues = lq.label_issues(texts, labels, seed=0)
    assert flipped.sum() == 24
    assert issues[flipped].mean() >= 0.8                 # most flips found (measured: all)
    assert issues[~flipped].mean() <= 0.05               # few clean flagged (measured: 1 %)


def test_no_flips_no_issues_and_one_label_no_answer():
    texts, labels, flipped = texts_with_flips()
    clean = [1 - y if f else y for y, f in zip(labels, flipped)]
    assert lq.label_issues(texts, clean, seed=0).mean() <= 0.02
    assert not lq.label_issues(texts[:10], [0] * 10, seed=0).any()


def test_the_data_map_puts_flipped_samples_in_the_hard_region():
    rng = np.random.default_rng(1)
    n = 200
    true = np.arange(n) % 2
    features = rng.normal(size=(n, 8)) + 3.0 * true[:, None]   # two well separated clusters
    flipped = np.arange(n) % 10 == 0
    labels = np.where(flipped, 1 - true, true)
    confidence, variability = lq.training_dynamics(features, labels, epochs=10, seed=0)
    assert confidence[flipped].mean() < 0.3 < 0.8 < confidence[~flipped].mean()
    shares = lq.regions(confidence, variability)
    assert abs(sum(shares.values()) - 1.0) < 1e-9
    hard = (variability < lq.AMBIGUOUS) & (confidence < 0.5)
    assert hard[flipped].mean() >= 0.8 and hard[~flipped].mean() <= 0.05
