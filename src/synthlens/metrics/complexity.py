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


def split_scores(params: Params, texts: list[str], labels: list[int], num_labels: int,
                 seed: int, desc: str, extra_test: tuple[list[str], list[int]] | None = None,
                 device=None) -> SplitScores:
    """Train on a stratified part of a dataset, test on the rest and on extra_test."""
    train_idx, hold_idx = stratified_split(labels, params.evaluate.holdout_fraction, seed)
    model, tok = classifier.train_classifier(
        params.classifier, [texts[i] for i in train_idx],
        [labels[i] for i in train_idx], num_labels, seed, desc, device=device)
    max_len = params.classifier.max_length

    def correct(xs: list[str], ys: list[int]) -> np.ndarray:
        if not xs:
            return np.zeros(0, dtype=float)
        return (classifier.predict(model, tok, xs, max_len) == np.asarray(ys)).astype(float)

    hold = correct([texts[i] for i in hold_idx], [labels[i] for i in hold_idx])
    test = correct(*extra_test) if extra_test else np.zeros(0, dtype=float)
    return SplitScores(1 - float(hold.mean()) if hold.size else float("nan"),
                       float(test.mean()) if test.size else float("nan"), hold, test)


def split_complexity(params: Params, texts: list[str], labels: list[int], num_labels: int,
                     seed: int, desc: str, extra_test: tuple[list[str], list[int]] | None = None,
                     device=None):
    """(complexity, accuracy on extra_test) of split_scores."""
    s = split_scores(params, texts, labels, num_labels, seed, desc, extra_test, device)
    return s.complexity, s.performance
