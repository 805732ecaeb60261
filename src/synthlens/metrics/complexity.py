"""The procedure behind complexity and performance: fine-tune the classifier on a stratified
part of a dataset and test it on the held-out rest (complexity = 1 - that accuracy), and on
R-test (performance). The same procedure serves synthetic and reference datasets."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import Params
from . import classifier
from .characteristics import stratified_split


@dataclass
class SplitScores:
    """complexity and performance, with the per-sample correctness behind each (for
    bootstrap intervals): holdout_correct over the held-out part, test_correct over extra_test."""
    complexity: float
    performance: float
    holdout_correct: np.ndarray
    test_correct: np.ndarray
    test_top_share: float = float("nan")   # share of extra_test given the most predicted label


def top_class_share(predicted: np.ndarray) -> float:
    """The share of predictions that go to the most predicted label (1.0: a classifier that
    predicts one class); NaN for no predictions."""
    predicted = np.asarray(predicted)
    return float(np.bincount(predicted).max() / predicted.size) if predicted.size else float("nan")


def split_scores(params: Params, texts: list[str], labels: list[int], num_labels: int,
                 seed: int, desc: str, extra_test: tuple[list[str], list[int]] | None = None,
                 device=None) -> SplitScores:
    """Train on a stratified part of a dataset, test on the rest and on extra_test."""
    train_idx, hold_idx = stratified_split(labels, params.evaluate.holdout_fraction, seed)
    model, tok = classifier.train_classifier(
        params.classifier, [texts[i] for i in train_idx],
        [labels[i] for i in train_idx], num_labels, seed, desc, device=device)
    max_len = params.classifier.max_length

    def predicted(xs: list[str]) -> np.ndarray:
        return classifier.predict(model, tok, xs, max_len) if xs else np.zeros(0, dtype=int)

    hold = (predicted([texts[i] for i in hold_idx]) ==
            np.asarray([labels[i] for i in hold_idx])).astype(float)
    test_pred = predicted(extra_test[0]) if extra_test else np.zeros(0, dtype=int)
    test = (test_pred == np.asarray(extra_test[1])).astype(float) if extra_test else test_pred
    return SplitScores(1 - float(hold.mean()) if hold.size else float("nan"),
                       float(test.mean()) if test.size else float("nan"), hold,
                       test.astype(float), top_class_share(test_pred))


def split_complexity(params: Params, texts: list[str], labels: list[int], num_labels: int,
                     seed: int, desc: str, extra_test: tuple[list[str], list[int]] | None = None,
                     device=None):
    """(complexity, accuracy on extra_test) of split_scores."""
    s = split_scores(params, texts, labels, num_labels, seed, desc, extra_test, device)
    return s.complexity, s.performance
