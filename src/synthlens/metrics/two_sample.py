"""A classifier two-sample test: can TF-IDF + logistic regression tell real texts (R-train) from
synthetic ones (S)? Reported as the held-out ROC AUC of cross-validated predictions: 0.5 means
S cannot be told from R, 1.0 means every synthetic text gives itself away.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .second_opinion import tfidf_logistic


def two_sample_auc(*, reference_texts: Sequence[str], synthetic_texts: Sequence[str],
                   seed: int, folds: int = 5, c: float = 1.0) -> float:
    """ROC AUC of 'synthetic' scores from stratified k-fold cross_val_predict (sklearn) of a
    TF-IDF word 1-2 gram + logistic-regression pipeline separating R from S.

    The larger side is subsampled (seeded) to the size of the smaller, so both classes count
    the same. Folds shrink to the per-class count when that is smaller; NaN when either side
    has fewer than 2 texts.
    """
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    rng = np.random.default_rng(seed)
    real, synth = list(reference_texts), list(synthetic_texts)
    m = min(len(real), len(synth))
    if m < 2:
        return float("nan")
    real = [real[i] for i in sorted(rng.choice(len(real), m, replace=False))]
    synth = [synth[i] for i in sorted(rng.choice(len(synth), m, replace=False))]
    texts = real + synth
    y = np.r_[np.zeros(m, dtype=int), np.ones(m, dtype=int)]
    pipe = tfidf_logistic(seed, c)
    cv = StratifiedKFold(n_splits=min(folds, m), shuffle=True, random_state=seed)
    try:
        scores = cross_val_predict(pipe, texts, y, cv=cv, method="predict_proba")[:, 1]
    except ValueError as e:  # every text of a fold empty: "empty vocabulary"
        if "vocabulary" not in str(e):
            raise
        return 0.5
    return float(roc_auc_score(y, scores))
