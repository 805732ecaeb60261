"""A second opinion on the classifier characteristics and on conformity, offline on the CPU:
a classifier of another kind (TF-IDF word 1-2 grams + logistic regression) scoring faithfulness,
complexity and performance exactly as the main path does with the fine-tuned backbone, and a
second featurizer (TF-IDF + truncated SVD) for a second MAUVE.

The reviewers asked whether the conclusions survive a swap of the classifier; these give the
'_2' numbers to compare with (docs/measures.md, 'Beyond the paper's five numbers').
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .characteristics import label_accuracy, mean_std, stratified_split
from .schema import K

# single-character words ("a", "I", digits) count as tokens too
TOKEN_PATTERN = r"(?u)\b\w+\b"


def tfidf_logistic(seed: int, c: float = 1.0):
    """An unfitted TF-IDF word 1-2-gram + logistic-regression pipeline (sklearn), as the
    two-sample test and the label-issue search cross-validate it."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=TOKEN_PATTERN),
        LogisticRegression(C=c, max_iter=2000, random_state=seed))


@dataclass
class TfidfClassifier:
    """A fitted TF-IDF + logistic-regression pipeline (or a majority-class stand-in when the
    training data has a single label or no words at all)."""
    pipeline: object

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Predicted label ids."""
        if len(texts) == 0:
            return np.zeros(0, dtype=int)
        return np.asarray(self.pipeline.predict(list(texts)))

    def accuracy(self, texts: Sequence[str], labels: Sequence[int]) -> float:
        """Share of texts whose predicted label is the given one; NaN for no texts."""
        return label_accuracy(self.predict(texts), labels)


def tfidf_classifier(*, train_texts: Sequence[str], train_labels: Sequence[int], seed: int,
                     c: float = 10.0, min_df: int = 1) -> TfidfClassifier:
    """Fit TF-IDF (word 1-2 grams, sublinear tf) + logistic regression (L2, inverse strength
    `c`) on the training texts. With one label only, or no words, it predicts the majority
    label (sklearn DummyClassifier) as the fine-tuned classifier would at best."""
    from sklearn.dummy import DummyClassifier
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    if len(train_texts) == 0:
        raise ValueError("tfidf_classifier: no training examples")
    texts, labels = list(train_texts), np.asarray(train_labels)
    if len(np.unique(labels)) > 1:
        pipe = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=min_df,
                            token_pattern=TOKEN_PATTERN),
            LogisticRegression(C=c, max_iter=2000, random_state=seed))
        try:
            return TfidfClassifier(pipe.fit(texts, labels))
        except ValueError as e:  # every text empty: "empty vocabulary"
            if "vocabulary" not in str(e):
                raise
    return TfidfClassifier(DummyClassifier(strategy="most_frequent").fit(texts, labels))


def faithfulness(*, reference_classifier: TfidfClassifier, texts: Sequence[str],
                 labels: Sequence[int]) -> float:
    """Accuracy on S of the classifier trained on R-train (fit it once per domain with
    tfidf_classifier and pass it to every synthetic dataset of that domain)."""
    return reference_classifier.accuracy(texts, labels)


def complexity_and_performance(*, texts: Sequence[str], labels: Sequence[int],
                               holdout_fraction: float, seed: int,
                               test_texts: Sequence[str] | None = None,
                               test_labels: Sequence[int] | None = None) -> tuple[float, float]:
    """(complexity, performance) as metrics/complexity.split_complexity defines them: split the
    dataset with characteristics.stratified_split(labels, holdout_fraction, seed), train on
    the larger part; complexity = 1 - accuracy on the held-out part, performance = accuracy
    of that same classifier on R-test (NaN without test texts). Complexity is NaN when the
    split leaves nothing held out (every label has a single example)."""
    train_idx, hold_idx = stratified_split(labels, holdout_fraction, seed)
    clf = tfidf_classifier(train_texts=[texts[i] for i in train_idx],
                           train_labels=[labels[i] for i in train_idx], seed=seed)
    complexity = 1 - clf.accuracy([texts[i] for i in hold_idx], [labels[i] for i in hold_idx])
    performance = (clf.accuracy(test_texts, test_labels) if test_texts is not None
                   else float("nan"))
    return complexity, performance


def scores(*, reference_classifier: TfidfClassifier, test_texts: Sequence[str],
           test_labels: Sequence[int], texts: Sequence[str], labels: Sequence[int],
           holdout_fraction: float, seeds: Sequence[int]) -> dict[str, float]:
    """The second backbone's numbers for one synthetic dataset, named as in the metrics JSON:
    faithfulness_2, complexity_2, performance_2 with _std over `seeds` like the main path
    (only the split changes with the seed, logistic regression itself is deterministic, so
    faithfulness_2_std is 0: one R-train classifier), and classifier_accuracy_2, the R-train
    classifier's own accuracy on R-test."""
    cx, perf = [], []
    for seed in seeds:
        c, p = complexity_and_performance(texts=texts, labels=labels,
                                          holdout_fraction=holdout_fraction, seed=seed,
                                          test_texts=test_texts, test_labels=test_labels)
        cx.append(c)
        perf.append(p)
    out = {K.faithfulness_2: faithfulness(reference_classifier=reference_classifier,
                                          texts=texts, labels=labels),
           K.faithfulness_2_std: 0.0}
    for name, values in ((K.complexity_2, cx), (K.performance_2, perf)):
        out[name], out[f"{name}_std"] = mean_std(values)
    out[K.classifier_accuracy_2] = reference_classifier.accuracy(test_texts, test_labels)
    return out


def tfidf_svd_features(*, reference_texts: Sequence[str], synthetic_texts: Sequence[str],
                       dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Features for a second MAUVE: TF-IDF (word 1-2 grams, sublinear tf) fit on the union of
    both text sets, reduced by TruncatedSVD to `dim` components (fewer when the vocabulary or
    the sample count is smaller) and L2-normalised per row (latent semantic analysis).
    Returns (reference features, synthetic features), float32."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    if dim < 1:
        raise ValueError("dim must be positive")
    union = list(reference_texts) + list(synthetic_texts)
    x = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True,
                        token_pattern=TOKEN_PATTERN).fit_transform(union)
    k = min(dim, x.shape[1] - 1, x.shape[0] - 1)
    if k < 1:
        raise ValueError(f"too few texts or words for an SVD ({x.shape[0]} texts, "
                         f"{x.shape[1]} features)")
    z = normalize(TruncatedSVD(n_components=k, random_state=seed).fit_transform(x))
    z = z.astype(np.float32)
    return z[:len(reference_texts)], z[len(reference_texts):]
