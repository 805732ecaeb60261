"""Learning curves: test accuracy of a classifier trained on stratified subsamples of growing
size, and how many real samples one synthetic sample is worth (the real-data size that reaches
the same accuracy, interpolated on the real curve).

The classifier is a `fit_predict(train_texts, train_labels, test_texts) -> predicted labels`
callable; tfidf_fit_predict (the second-opinion TF-IDF classifier, CPU) and
backbone_fit_predict (the fine-tuned backbone of metrics/classifier.py, on a device) make one.
"""
from __future__ import annotations

import math
from typing import Callable, Mapping, Sequence

import numpy as np

from ..config import ClassifierSpec
from .characteristics import label_accuracy

FitPredict = Callable[[list, list, list], Sequence[int]]


def stratified_draw(labels: Sequence[int], n: int, seed: int) -> list[int]:
    """Sorted indices of n examples drawn with the seed, each label kept in proportion
    (sklearn's stratified train_test_split). Where stratifying is impossible (n below the
    number of labels, or a label with a single example) the draw is plain random; n equal to
    the data size takes everything."""
    from sklearn.model_selection import train_test_split

    if not 1 <= n <= len(labels):
        raise ValueError(f"cannot draw {n} of {len(labels)} examples")
    idx = np.arange(len(labels))
    if n == len(labels):
        return idx.tolist()
    try:
        chosen, _ = train_test_split(idx, train_size=n, stratify=np.asarray(labels),
                                     random_state=seed)
    except ValueError:
        chosen = np.random.default_rng(seed).choice(idx, size=n, replace=False)
    return sorted(int(i) for i in chosen)


def learning_curve(*, texts: Sequence[str], labels: Sequence[int], test_texts: Sequence[str],
                   test_labels: Sequence[int], sizes: Sequence[int], seed: int,
                   fit_predict: FitPredict) -> dict[str, float]:
    """{str(n): accuracy on the test set} of fit_predict trained on stratified_draw(labels, n,
    seed), for each n in sizes; a size larger than the data is NaN (not trained)."""
    if len(texts) != len(labels) or len(test_texts) != len(test_labels):
        raise ValueError("texts and labels differ in length")
    curve = {}
    for n in sizes:
        if n > len(texts):
            curve[str(n)] = float("nan")
            continue
        idx = stratified_draw(labels, n, seed)
        predicted = fit_predict([texts[i] for i in idx], [int(labels[i]) for i in idx],
                                list(test_texts))
        curve[str(n)] = label_accuracy(predicted, test_labels)
    return curve


def samples_worth(curve_synthetic: Mapping[str, float],
                  curve_real: Mapping[str, float]) -> dict[str, float]:
    """{synthetic size: the real-data size reaching the same accuracy}, by linear
    interpolation between neighbouring points of the real curve (sorted by size, NaN points
    dropped); divided by the synthetic size it is what one synthetic sample is worth in real
    ones. Where the real curve is not monotone the smallest such size counts; NaN where the
    accuracy lies outside the real curve's range or is NaN itself."""
    real = sorted((int(n), a) for n, a in curve_real.items() if not math.isnan(a))
    out = {}
    for n, acc in curve_synthetic.items():
        out[n] = float("nan")
        if math.isnan(acc):
            continue
        for (n0, a0), (n1, a1) in zip(real, real[1:] + real[-1:]):
            if a0 == acc:
                out[n] = float(n0)
                break
            if min(a0, a1) < acc < max(a0, a1):
                out[n] = float(n0 + (acc - a0) * (n1 - n0) / (a1 - a0))
                break
    return out


def tfidf_fit_predict(*, seed: int, c: float = 10.0) -> FitPredict:
    """fit_predict with the second-opinion classifier (TF-IDF + logistic regression)."""
    from .second_opinion import tfidf_classifier

    def fit_predict(train_texts, train_labels, test_texts):
        clf = tfidf_classifier(train_texts=train_texts, train_labels=train_labels, seed=seed,
                               c=c)
        return clf.predict(test_texts)
    return fit_predict


def backbone_fit_predict(*, spec: ClassifierSpec, num_labels: int, seed: int,
                         device) -> FitPredict:
    """fit_predict with the fine-tuned backbone (metrics/classifier.py) on `device`; each
    call fine-tunes a fresh copy with the same seed."""
    from .classifier import predict, train_classifier

    def fit_predict(train_texts, train_labels, test_texts):
        model, tok = train_classifier(spec, list(train_texts), list(train_labels), num_labels,
                                      seed, desc=f"learning curve n={len(train_texts)}",
                                      device=device)
        return predict(model, tok, list(test_texts), spec.max_length)
    return fit_predict
