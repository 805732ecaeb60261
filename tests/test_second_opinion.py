"""The second classifier (TF-IDF + logistic regression) and the second featurizer."""
import random

import numpy as np
import pytest

from synthlens.metrics import second_opinion as so
from synthlens.metrics.characteristics import stratified_split


def corpus(n, seed, labels=3, words=20, signal=0.35):
    """Texts whose label shows in a share `signal` of label-specific words, the rest shared."""
    rng = random.Random(seed)
    vocab = {y: [f"l{y}w{i}" for i in range(30)] for y in range(labels)}
    common = [f"c{i}" for i in range(300)]
    texts, ys = [], []
    for i in range(n):
        y = i % labels
        texts.append(" ".join(rng.choice(vocab[y]) if rng.random() < signal
                              else rng.choice(common) for _ in range(words)))
        ys.append(y)
    return texts, ys


@pytest.fixture(scope="module")
def reference():
    train, test = corpus(300, 1), corpus(150, 2)
    return train, test, so.tfidf_classifier(train_texts=train[0], train_labels=train[1], seed=0)


def test_faithful_labels_score_high_and_shuffled_labels_near_chance(reference):
    _, _, clf = reference
    texts, labels = corpus(150, 3)
    assert so.faithfulness(reference_classifier=clf, texts=texts, labels=labels) > 0.9
    shuffled = labels[:]
    random.Random(0).shuffle(shuffled)
    assert abs(so.faithfulness(reference_classifier=clf, texts=texts, labels=shuffled)
               - 1 / 3) < 0.12


def test_a_copy_of_r_train_scores_the_classifiers_own_fit(reference):
    (texts, labels), _, clf = reference
    fit = clf.accuracy(texts, labels)
    assert fit > 0.95
    assert so.faithfulness(reference_classifier=clf, texts=texts, labels=labels) == fit


def test_complexity_uses_the_main_paths_split():
    # the label shows in the first word, except in the holdout stratified_split picks, where
    # the word says the other label: a classifier trained on the rest gets all of those wrong
    labels = [i % 2 for i in range(40)]
    _, hold_idx = stratified_split(labels, 0.3, 5)
    assert len(hold_idx) == 12
    texts = [f"tag{1 - y if i in hold_idx else y} filler{i}" for i, y in enumerate(labels)]
    test = ([f"tag{j % 2} other" for j in range(10)], [j % 2 for j in range(10)])
    cx, perf = so.complexity_and_performance(texts=texts, labels=labels,
                                             holdout_fraction=0.3, seed=5,
                                             test_texts=test[0], test_labels=test[1])
    assert cx == 1.0 and perf == 1.0
    clean = [f"tag{y} filler{i}" for i, y in enumerate(labels)]
    cx, perf = so.complexity_and_performance(texts=clean, labels=labels,
                                             holdout_fraction=0.3, seed=5)
    assert cx == 0.0 and np.isnan(perf)


def test_noisy_labels_make_a_dataset_complex():
    texts, labels = corpus(150, 4)
    clean, _ = so.complexity_and_performance(texts=texts, labels=labels,
                                             holdout_fraction=0.3, seed=0)
    noisy = labels[:]
    random.Random(1).shuffle(noisy)
    hard, _ = so.complexity_and_performance(texts=texts, labels=noisy,
                                            holdout_fraction=0.3, seed=0)
    assert clean < 0.15 and abs(hard - 2 / 3) < 0.15


def test_scores_names_every_value_and_the_classifiers_own_accuracy(reference):
    _, (test_texts, test_labels), clf = reference
    texts, labels = corpus(90, 5)
    out = so.scores(reference_classifier=clf, test_texts=test_texts, test_labels=test_labels,
                    texts=texts, labels=labels, holdout_fraction=0.3, seeds=[0, 1])
    assert set(out) == {"faithfulness_2", "faithfulness_2_std", "complexity_2",
                        "complexity_2_std", "performance_2", "performance_2_std",
                        "classifier_accuracy_2"}
    assert out["classifier_accuracy_2"] == clf.accuracy(test_texts, test_labels) > 0.9
    assert out["performance_2"] > 0.8 and out["complexity_2"] < 0.2


def test_one_label_or_no_words_predicts_the_majority():
    clf = so.tfidf_classifier(train_texts=["a b", "c d"], train_labels=[2, 2], seed=0)
    assert list(clf.predict(["x", "y", "z"])) == [2, 2, 2]
    clf = so.tfidf_classifier(train_texts=["", " ", ""], train_labels=[0, 1, 1], seed=0)
    assert list(clf.predict(["q"])) == [1]
    with pytest.raises(ValueError, match="no training examples"):
        so.tfidf_classifier(train_texts=[], train_labels=[], seed=0)


def test_svd_features_are_unit_rows_of_the_asked_size():
    ref, _ = corpus(60, 6)
    syn, _ = corpus(40, 7)
    p, q = so.tfidf_svd_features(reference_texts=ref, synthetic_texts=syn, dim=16, seed=0)
    assert p.shape == (60, 16) and q.shape == (40, 16)
    assert np.allclose(np.linalg.norm(np.r_[p, q], axis=1), 1, atol=1e-5)
    # dim larger than the data allows shrinks to what SVD can give
    p, q = so.tfidf_svd_features(reference_texts=["a b", "c d"], synthetic_texts=["a d"],
                                 dim=50, seed=0)
    assert p.shape[1] == q.shape[1] == 2


def test_svd_features_keep_shared_words_close_and_disjoint_words_apart():
    ref, _ = corpus(120, 8)
    same, _ = corpus(120, 9)
    other = [t.replace("c", "z").replace("l", "m") for t in same]  # no word shared with ref
    p, q = so.tfidf_svd_features(reference_texts=ref, synthetic_texts=same + other, dim=16,
                                 seed=0)
    # identical texts get identical features; rows are unit vectors, so p @ q.T is cosine
    p2, q2 = so.tfidf_svd_features(reference_texts=ref, synthetic_texts=ref[:5], dim=16, seed=0)
    assert np.allclose(p2[:5], q2, atol=1e-5)
    to_same, to_other = (p @ q[:120].T).mean(), (p @ q[120:].T).mean()
    assert to_same > 0.2 and abs(to_other) < 0.05
