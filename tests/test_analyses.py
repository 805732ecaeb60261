"""metrics/analyses.py on hand-made data whose answers are known without the code: a synthetic
dataset that is half copies of R-test leaks 0.5 of itself, a per-label breakdown and confusion
matrix counted by hand, a real-vs-synthetic AUC near 1 for another vocabulary and near 0.5 for
R-train against R-test (the reference row)."""
import random

import numpy as np
import pytest

from synthlens.config import load_params
from synthlens.metrics import analyses

LABELS = ["negative", "positive"]
WORDS = 20


def corpus(n: int, seed: int, prefix: str = "") -> list[dict]:
    """Texts of WORDS words: a third of them name the label (label-specific words), the rest
    common words; `prefix` gives a vocabulary no other prefix shares."""
    rng = random.Random(seed)
    vocab = {y: [f"{prefix}l{y}w{i}" for i in range(30)] for y in range(2)}
    common = [f"{prefix}c{i}" for i in range(300)]
    return [{"text": " ".join(rng.choice(vocab[i % 2]) if rng.random() < 0.35
                              else rng.choice(common) for _ in range(WORDS)),
             "label": i % 2} for i in range(n)]


@pytest.fixture
def params(mini_params, write_params):
    mini_params["analyses"].update(mauve_resamples=0, bootstrap_resamples=20,
                                   self_bleu_sample=10)
    mini_params["evaluate"].update(diversity_tokens=200, mauve_samples=40, mauve_seeds=[0])
    mini_params["classifier"]["seeds"] = [0]
    return load_params(write_params(mini_params))


@pytest.fixture
def ref(params):
    return analyses.reference(corpus(200, 1), corpus(60, 2), LABELS, seed=0)


def run_synthetic(params, ref, texts, labels, predicted):
    rng = np.random.default_rng(0)
    return analyses.synthetic(
        params, ref, texts, labels, predicted=np.asarray(predicted),
        holdout_correct=np.ones(12), test_correct=np.ones(len(ref.test_texts)),
        reference_features=rng.normal(size=(50, 4)),
        synthetic_features=rng.normal(size=(len(texts), 4)),
        classifier_accuracy=0.8, tokenize=str.split)


def test_copies_of_r_test_are_counted_as_leaked(params, ref):
    """S (40 texts): 20 R-test texts with their case and spacing changed (exact copies once
    normalised), 4 R-test texts with their last word replaced (19 of 20 words kept: word edit
    similarity 0.95, 3-gram Jaccard 17/19 = 0.89, both over the 0.8 threshold), 16 texts of a
    foreign vocabulary. So 20/40 leak exactly and 24/40 nearly; none repeats R-train."""
    test = ref.test_texts
    copies = ["  " + t.upper().replace(" ", "   ") + " " for t in test[:20]]
    near = [" ".join(t.split()[:-1] + ["replaced"]) for t in test[20:24]]
    for t in test[20:24]:  # the 17/19 above needs 18 distinct 3-grams per text
        w = t.split()
        assert len({tuple(w[i:i + 3]) for i in range(len(w) - 2)}) == 18
    foreign = [r["text"] for r in corpus(16, 3, prefix="zz")]
    texts = copies + near + foreign
    labels = [i % 2 for i in range(40)]
    out = run_synthetic(params, ref, texts, labels, labels)
    assert out["leak_exact_test"] == pytest.approx(0.5)
    assert out["leak_near_test"] == pytest.approx(0.6)
    assert out["leak_exact_train"] == 0.0 and out["leak_near_train"] == 0.0
    assert out["classifier_accuracy"] == 0.8


def test_per_label_faithfulness_and_confusion_are_the_hand_counts(params, ref):
    """20 samples per label; the classifier gets every 'negative' right and calls 5 of the 20
    'positive' samples negative: faithfulness 1.0 and 0.75, confusion [[20, 0], [5, 15]]."""
    rows = corpus(40, 4)
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    predicted = list(labels)
    wrong = [i for i, y in enumerate(labels) if y == 1][:5]
    for i in wrong:
        predicted[i] = 0
    out = run_synthetic(params, ref, texts, labels, predicted)
    assert out["faithfulness_by_label"] == {"negative": 1.0, "positive": 0.75}
    assert out["confusion"] == {"negative": {"negative": 20, "positive": 0},
                                "positive": {"negative": 5, "positive": 15}}


def test_two_sample_auc_tells_another_vocabulary_apart_but_not_r_from_r(params, ref):
    foreign = corpus(60, 5, prefix="zz")
    out = run_synthetic(params, ref, [r["text"] for r in foreign],
                        [r["label"] for r in foreign], [r["label"] for r in foreign])
    assert out["two_sample_auc"] > 0.95
    # the reference row: R-train against R-test, the same distribution
    real = analyses.real(params, ref, classifier_accuracy=0.8, tokenize=str.split)
    assert abs(real["two_sample_auc"] - 0.5) < 0.15


def test_reference_row_counts_r_train_texts_that_repeat_r_test(params):
    """R-train of 100 texts of which 6 are R-test texts: 6 % of R-train leaks into R-test;
    R-train against itself has no value (NaN), not 0 or 1."""
    train, test = corpus(94, 6), corpus(40, 7)
    ref = analyses.reference(train + test[:6], test, LABELS, seed=0)
    out = analyses.real(params, ref, classifier_accuracy=0.8, tokenize=str.split)
    assert out["leak_exact_test"] == pytest.approx(0.06)
    assert np.isnan(out["leak_exact_train"]) and np.isnan(out["leak_near_train"])
