"""Faithfulness broken down by label, and the confusion matrix of the reference classifier's
predictions on a synthetic dataset: which labels the generator writes badly, and what its
texts of that label read like instead.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


def _arrays(predicted: Sequence[int], labels: Sequence[int], label_names: Sequence[str]):
    predicted, labels = np.asarray(predicted, dtype=int), np.asarray(labels, dtype=int)
    if predicted.shape != labels.shape:
        raise ValueError(f"{len(predicted)} predictions for {len(labels)} labels")
    k = len(label_names)
    bad = [int(v) for v in np.r_[predicted, labels] if not 0 <= v < k]
    if bad:
        raise ValueError(f"label ids {sorted(set(bad))} outside 0..{k - 1} "
                         f"({k} label names)")
    return predicted, labels


def faithfulness_per_label(*, predicted: Sequence[int], labels: Sequence[int],
                           label_names: Sequence[str]) -> dict[str, float]:
    """{label name: share of that label's samples predicted as it}; NaN for a label without
    samples. Label ids index label_names."""
    predicted, labels = _arrays(predicted, labels, label_names)
    out = {}
    for i, name in enumerate(label_names):
        mine = labels == i
        out[name] = float(np.mean(predicted[mine] == i)) if mine.any() else float("nan")
    return out


def confusion(*, predicted: Sequence[int], labels: Sequence[int],
              label_names: Sequence[str]) -> dict[str, dict[str, int]]:
    """{true label name: {predicted label name: count}}, every name on both sides (zeros
    included), from sklearn.metrics.confusion_matrix."""
    from sklearn.metrics import confusion_matrix

    predicted, labels = _arrays(predicted, labels, label_names)
    m = confusion_matrix(labels, predicted, labels=list(range(len(label_names))))
    return {t: {p: int(m[i, j]) for j, p in enumerate(label_names)}
            for i, t in enumerate(label_names)}
