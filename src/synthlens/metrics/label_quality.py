"""Is a dataset's low faithfulness mislabelling or a shift of style, and is its complexity hard
examples or noise? Two views of each sample's label:

- label issues by confident learning (cleanlab's find_label_issues, Northcutt et al. 2021):
  out-of-sample class probabilities for every sample of S from k-fold cross-validation of a
  TF-IDF + logistic-regression classifier trained on S itself; a sample is an issue where
  another class is confidently more likely than its label, with per-class thresholds, so a
  set written in another style (every sample less confident) is not flagged wholesale;
- a data map (dataset cartography, Swayamdipta et al. 2020): a softmax-regression head
  trained by minibatch SGD for `epochs` epochs on the featurizer's embeddings of S; after each
  epoch, each sample's probability of its own label. Confidence is their mean, variability
  their standard deviation; a sample is ambiguous at variability >= AMBIGUOUS, else easy at
  confidence >= 0.5, else hard (its label fights the rest of the data: mislabelled samples
  end up here).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .schema import K

AMBIGUOUS = 0.2   # variability at or above which a sample is ambiguous (the paper's plots: 0.2-0.3)


def label_issues(texts: Sequence[str], labels: Sequence[int], seed: int,
                 folds: int = 5) -> np.ndarray:
    """Boolean mask of S's samples cleanlab flags as label issues, from cross-validated
    TF-IDF + logistic-regression probabilities; all False with fewer than two labels or
    fewer samples of a label than folds allow (each fold needs every label)."""
    from cleanlab.filter import find_label_issues
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from .second_opinion import tfidf_logistic

    y = np.asarray(labels)
    classes, counts = np.unique(y, return_counts=True)
    k = min(folds, int(counts.min()) if len(counts) else 0)
    if len(classes) < 2 or k < 2:
        return np.zeros(len(y), dtype=bool)
    # cleanlab wants labels 0..K-1 with every class present: relabel to the present classes
    dense = np.searchsorted(classes, y)
    probs = cross_val_predict(tfidf_logistic(seed), list(texts), dense, method="predict_proba",
                              cv=StratifiedKFold(k, shuffle=True, random_state=seed))
    return np.asarray(find_label_issues(labels=dense, pred_probs=probs), dtype=bool)


def training_dynamics(features, labels: Sequence[int], *, epochs: int, seed: int,
                      lr: float = 0.1, batch_size: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """(confidence, variability) per sample: mean and std over epochs of the probability of
    its own label under a softmax-regression head (standardised features, minibatch SGD,
    cross-entropy), measured after each epoch."""
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels)
    classes = np.unique(y)
    dense = np.searchsorted(classes, y)
    x = (x - x.mean(0)) / np.where(x.std(0) > 1e-12, x.std(0), 1.0)
    rng = np.random.default_rng(seed)
    w, b = np.zeros((x.shape[1], len(classes))), np.zeros(len(classes))
    gold = np.zeros((epochs, len(y)))
    rows = np.arange(len(y))
    for epoch in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch_size):
            idx = order[start:start + batch_size]
            p = _softmax(x[idx] @ w + b)
            p[np.arange(len(idx)), dense[idx]] -= 1.0      # d(cross-entropy)/d(logits)
            w -= lr * x[idx].T @ p / len(idx)
            b -= lr * p.mean(0)
        gold[epoch] = _softmax(x @ w + b)[rows, dense]
    return gold.mean(0), gold.std(0)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def regions(confidence: np.ndarray, variability: np.ndarray) -> dict[str, float]:
    """Shares of easy, ambiguous and hard samples (see the module's opening comment)."""
    ambiguous = variability >= AMBIGUOUS
    easy = ~ambiguous & (confidence >= 0.5)
    hard = ~ambiguous & ~easy
    n = max(1, len(confidence))
    return {K.map_easy: float(easy.sum() / n), K.map_ambiguous: float(ambiguous.sum() / n),
            K.map_hard: float(hard.sum() / n)}


def label_quality(texts: Sequence[str], labels: Sequence[int], features, feature_labels,
                  *, epochs: int, seed: int, folds: int = 5) -> dict:
    """The metrics-file keys: label_issue_rate (cleanlab, on every text) and the data map's
    region shares and mean confidence / variability (on the texts with features)."""
    nan = float("nan")
    out = {K.label_issue_rate: float(label_issues(texts, labels, seed, folds).mean())
           if len(texts) else nan}
    if len(features) < 2 or len(set(feature_labels)) < 2:
        return {**out, K.map_easy: nan, K.map_ambiguous: nan, K.map_hard: nan,
                K.map_confidence: nan, K.map_variability: nan}
    confidence, variability = training_dynamics(features, feature_labels, epochs=epochs,
                                                seed=seed)
    return {**out, **regions(confidence, variability),
            K.map_confidence: float(confidence.mean()),
            K.map_variability: float(variability.mean()),
            # per sample (texts with features, in order): the data map itself (dvc plots)
            K.data_map: {"confidence": [round(float(c), 4) for c in confidence],
                         "variability": [round(float(v), 4) for v in variability]}}
