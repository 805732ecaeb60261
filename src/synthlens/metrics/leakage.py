"""Leakage and copying in a synthetic dataset: the share of its samples that repeat an R-train or
R-test text, exactly (after whitespace and case normalisation) or nearly (word n-gram Jaccard or
containment at or above a threshold), and the same within the dataset (a sample counts when an
EARLIER sample is its duplicate).

Near duplicates are found with binary n-gram count matrices (sklearn CountVectorizer) and sparse
products, in row chunks so 10k x 10k datasets stay fast and small in memory. A sample with fewer
than n words has no n-grams and is a near duplicate only if it is an exact one; every exact
duplicate also counts as a near one.
"""
from __future__ import annotations

import re
from typing import Sequence

import numpy as np

MEASURES = ("jaccard", "containment")
CHUNK = 2048
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower case, runs of whitespace collapsed to one space, ends stripped."""
    return _SPACE.sub(" ", text).strip().lower()


def exact_flags(texts: Sequence[str], against: Sequence[str]) -> np.ndarray:
    """Per text: does it equal (normalised) one of `against`?"""
    pool = {normalise(t) for t in against}
    return np.fromiter((normalise(t) in pool for t in texts), dtype=bool, count=len(texts))


def self_exact_flags(texts: Sequence[str]) -> np.ndarray:
    """Per text: does an earlier text equal it (normalised)?"""
    seen: set[str] = set()
    out = np.zeros(len(texts), dtype=bool)
    for i, t in enumerate(texts):
        key = normalise(t)
        out[i] = key in seen
        seen.add(key)
    return out


def ngram_matrices(texts: Sequence[str], against: Sequence[str], n: int):
    """Binary word n-gram matrices (texts, against) over one shared vocabulary, CSR."""
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer

    if n < 1:
        raise ValueError("n must be positive")
    vec = CountVectorizer(ngram_range=(n, n), binary=True, lowercase=True,
                          token_pattern=r"(?u)\b\w+\b", dtype=np.int32)
    try:
        x = vec.fit_transform(list(texts) + list(against)).tocsr()
    except ValueError:  # no text has n words: no n-grams at all
        x = sparse.csr_matrix((len(texts) + len(against), 1), dtype=np.int32)
    return x[:len(texts)], x[len(texts):]


def max_similarity(a, b, *, measure: str = "jaccard", earlier_only: bool = False,
                   chunk: int = CHUNK) -> np.ndarray:
    """Per row of binary matrix `a`: the highest similarity to a row of `b` (0 when none shares
    an n-gram). Jaccard = |A & B| / |A | B|; containment = |A & B| / |A| (how much of the
    sample's n-grams the other text holds). With earlier_only (a is b), row i is compared
    only with rows j < i."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, not {measure!r}")
    size_a = np.asarray(a.sum(axis=1)).ravel().astype(float)
    size_b = np.asarray(b.sum(axis=1)).ravel().astype(float)
    best = np.zeros(a.shape[0])
    bt = b.T.tocsc()
    for start in range(0, a.shape[0], chunk):
        inter = (a[start:start + chunk] @ bt).tocoo()
        rows, cols, common = inter.row + start, inter.col, inter.data.astype(float)
        if earlier_only:
            keep = cols < rows
            rows, cols, common = rows[keep], cols[keep], common[keep]
        if measure == "jaccard":
            sim = common / (size_a[rows] + size_b[cols] - common)
        else:
            sim = common / size_a[rows]
        np.maximum.at(best, rows, sim)
    return best


def near_flags(texts: Sequence[str], against: Sequence[str], *, n: int, threshold: float,
               measure: str = "jaccard") -> np.ndarray:
    """Per text: is some text of `against` a near duplicate (similarity >= threshold) or an
    exact one?"""
    if len(texts) == 0:
        return np.zeros(0, dtype=bool)
    a, b = ngram_matrices(texts, against, n)
    return (max_similarity(a, b, measure=measure) >= threshold) | exact_flags(texts, against)


def self_near_flags(texts: Sequence[str], *, n: int, threshold: float,
                    measure: str = "jaccard") -> np.ndarray:
    """Per text: is an earlier text of the same dataset a near (or exact) duplicate?"""
    if len(texts) == 0:
        return np.zeros(0, dtype=bool)
    a, _ = ngram_matrices(texts, [], n)
    return ((max_similarity(a, a, measure=measure, earlier_only=True) >= threshold)
            | self_exact_flags(texts))


def _share(flags: np.ndarray) -> float:
    return float(flags.mean()) if flags.size else float("nan")


def leakage(*, synthetic_texts: Sequence[str], train_texts: Sequence[str],
            test_texts: Sequence[str], n: int = 3, threshold: float = 0.8,
            measure: str = "jaccard") -> dict[str, float]:
    """Shares of the synthetic samples, named as in the metrics JSON: leak_exact_train,
    leak_exact_test, leak_near_train, leak_near_test (repeats of an R-train / R-test text),
    self_exact, self_near (repeats of an earlier synthetic sample). NaN for an empty S."""
    s = list(synthetic_texts)
    return {
        "leak_exact_train": _share(exact_flags(s, train_texts)),
        "leak_exact_test": _share(exact_flags(s, test_texts)),
        "leak_near_train": _share(near_flags(s, train_texts, n=n, threshold=threshold,
                                             measure=measure)),
        "leak_near_test": _share(near_flags(s, test_texts, n=n, threshold=threshold,
                                            measure=measure)),
        "self_exact": _share(self_exact_flags(s)),
        "self_near": _share(self_near_flags(s, n=n, threshold=threshold, measure=measure)),
    }
