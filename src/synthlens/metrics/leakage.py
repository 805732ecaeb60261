"""Leakage and copying in a synthetic dataset: the share of its samples that repeat an R-train or
R-test text, exactly (after whitespace and case normalisation) or nearly, and the same within
the dataset (a sample counts when an EARLIER sample is its duplicate).

Near duplicate: an exact one, or word n-gram Jaccard (or containment) at or above `threshold`,
or word edit similarity at or above `edit_threshold`. Words are lower-cased runs of word
characters (regex \\w+), so punctuation is ignored. Edit similarity = 1 - (word-level
Levenshtein distance) / (the longer text's word count): a one-word substitution in an 8-word
text scores 7/8, where 3-gram Jaccard scores 3/9 (one changed word kills up to n n-grams,
most of a short text's). The default 0.85 allows one changed word in 7 or more, two in 14 or
more: in shorter texts one word is often the whole point ("the soundtrack was mostly flat"
against "... mostly witty" scores 0.8). N-gram Jaccard stays for long texts whose sentences
were reordered, which edit distance counts as many edits.

Both are found with sparse products of binary count matrices (sklearn CountVectorizer), in row
chunks so 10k x 10k datasets stay fast and small in memory. Edit distance is computed only for
pairs whose shared words (as a multiset) allow the threshold, with a DP vectorised over pairs.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Sequence

import numpy as np

from .schema import K

MEASURES = ("jaccard", "containment")
CHUNK = 2048
EDIT_THRESHOLD = 0.85
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


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


def word_ids(texts: Sequence[str], against: Sequence[str]) -> tuple[list, list]:
    """Each text as an int array of word ids (lower-cased \\w+ runs), one vocabulary."""
    vocab: dict[str, int] = {}

    def ids(t: str) -> np.ndarray:
        return np.array([vocab.setdefault(w, len(vocab)) for w in _WORD.findall(t.lower())],
                        dtype=np.int64)
    return [ids(t) for t in texts], [ids(t) for t in against]


def edit_distances(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> np.ndarray:
    """Levenshtein distance (unit insert, delete, substitute) of each pair (a[p], b[p]) of id
    arrays: the Wagner-Fischer DP one row of a at a time, vectorised over pairs; the
    insertions along a row are a running minimum (cur[j] = j + min_{i<=j} (best[i] - i))."""
    la = np.array([len(x) for x in a], dtype=np.int64)
    lb = np.array([len(x) for x in b], dtype=np.int64)
    out = np.maximum(la, lb)  # the answer when one side is empty
    if not len(a) or not la.max(initial=0) or not lb.max(initial=0):
        return out
    A = np.full((len(a), la.max()), -1, dtype=np.int64)
    B = np.full((len(b), lb.max()), -2, dtype=np.int64)  # padding never matches
    for p, (x, y) in enumerate(zip(a, b)):
        A[p, :len(x)], B[p, :len(y)] = x, y
    cols = np.arange(B.shape[1] + 1)
    prev = np.broadcast_to(cols, (len(a), len(cols)))
    for i in range(1, A.shape[1] + 1):
        best = np.minimum(prev[:, :-1] + (A[:, i - 1:i] != B), prev[:, 1:] + 1)
        best = np.concatenate([np.full((len(a), 1), i), best], axis=1)
        prev = cols + np.minimum.accumulate(best - cols, axis=1)
        done = (la == i) & (lb > 0)
        out[done] = prev[done, lb[done]]
    return out


def edit_near(texts: Sequence[str], against: Sequence[str], *, threshold: float,
              earlier_only: bool = False, known=None, chunk: int = CHUNK,
              batch: int = 100_000) -> np.ndarray:
    """Per text: does some text of `against` (with earlier_only: an earlier text of `texts`,
    against unused) have word edit similarity >= threshold? Texts flagged in `known` (bool
    array) are taken as flagged and not checked. Pairs are screened first: the similarity is
    at most (shared words as a multiset) / (longer word count), the multiset overlap being the
    dot product of binary 'word#occurrence' vectors. Each text's candidates are checked best
    bound first, 1, 2, 4, ... at a time, and a text stops at its first hit."""
    from sklearn.feature_extraction.text import CountVectorizer

    ta, tb = word_ids(texts, [] if earlier_only else against)
    if earlier_only:
        tb = ta
    out = np.zeros(len(ta), dtype=bool) if known is None else np.array(known, dtype=bool)
    if not any(len(x) for x in ta) or not any(len(x) for x in tb):
        return out

    def occurrences(x: np.ndarray) -> list[str]:  # "the" twice -> "the#0", "the#1"
        seen: Counter = Counter()
        out = []
        for w in x.tolist():
            out.append(f"{w}#{seen[w]}")
            seen[w] += 1
        return out
    vec = CountVectorizer(analyzer=occurrences, binary=True, dtype=np.int32)
    x = vec.fit_transform(ta + ([] if earlier_only else tb)).tocsr()
    a, b = x[:len(ta)], (x[:len(ta)] if earlier_only else x[len(ta):])
    la = np.array([len(t) for t in ta], dtype=float)
    lb = np.array([len(t) for t in tb], dtype=float)
    bt = b.T.tocsc()
    todo = np.flatnonzero(~out)
    for start in range(0, len(todo), chunk):
        part = todo[start:start + chunk]
        inter = (a[part] @ bt).tocoo()
        rows, cols = part[inter.row], inter.col
        bound = inter.data / np.maximum(la[rows], lb[cols])
        keep = bound >= threshold - 1e-12
        if earlier_only:
            keep &= cols < rows
        rows, cols, bound = rows[keep], cols[keep], bound[keep]
        order = np.lexsort((-bound, rows))
        rows, cols = rows[order], cols[order]
        rank = np.arange(len(rows)) - np.searchsorted(rows, rows)  # position within its row
        high = 1
        while len(rows):
            pick = np.flatnonzero((rank < high) & ~out[rows])
            for s in range(0, len(pick), batch):
                pr, pc = rows[pick[s:s + batch]], cols[pick[s:s + batch]]
                fresh = ~out[pr]  # a text's earlier candidate in this batch may have hit
                pr, pc = pr[fresh], pc[fresh]
                d = edit_distances([ta[i] for i in pr], [tb[j] for j in pc])
                out[pr[1 - d / np.maximum(la[pr], lb[pc]) >= threshold - 1e-12]] = True
            rest = (rank >= high) & ~out[rows]
            rows, cols, rank = rows[rest], cols[rest], rank[rest]
            high *= 2
    return out


def near_flags(texts: Sequence[str], against: Sequence[str], *, n: int, threshold: float,
               measure: str = "jaccard", edit_threshold: float = EDIT_THRESHOLD) -> np.ndarray:
    """Per text: is some text of `against` a near duplicate (n-gram similarity >= threshold,
    or word edit similarity >= edit_threshold) or an exact one?"""
    if len(texts) == 0:
        return np.zeros(0, dtype=bool)
    a, b = ngram_matrices(texts, against, n)
    flags = (max_similarity(a, b, measure=measure) >= threshold) | exact_flags(texts, against)
    return edit_near(texts, against, threshold=edit_threshold, known=flags)


def self_near_flags(texts: Sequence[str], *, n: int, threshold: float,
                    measure: str = "jaccard", edit_threshold: float = EDIT_THRESHOLD
                    ) -> np.ndarray:
    """Per text: is an earlier text of the same dataset a near (or exact) duplicate?"""
    if len(texts) == 0:
        return np.zeros(0, dtype=bool)
    a, _ = ngram_matrices(texts, [], n)
    flags = ((max_similarity(a, a, measure=measure, earlier_only=True) >= threshold)
             | self_exact_flags(texts))
    return edit_near(texts, [], threshold=edit_threshold, earlier_only=True, known=flags)


def _share(flags: np.ndarray) -> float:
    return float(flags.mean()) if flags.size else float("nan")


def leakage(*, synthetic_texts: Sequence[str], train_texts: Sequence[str],
            test_texts: Sequence[str], n: int = 3, threshold: float = 0.8,
            measure: str = "jaccard", edit_threshold: float = EDIT_THRESHOLD
            ) -> dict[str, float]:
    """Shares of the synthetic samples, named as in the metrics JSON: leak_exact_train,
    leak_exact_test, leak_near_train, leak_near_test (repeats of an R-train / R-test text),
    self_exact, self_near (repeats of an earlier synthetic sample). NaN for an empty S."""
    s = list(synthetic_texts)
    near = dict(n=n, threshold=threshold, measure=measure, edit_threshold=edit_threshold)
    return {
        K.leak_exact_train: _share(exact_flags(s, train_texts)),
        K.leak_exact_test: _share(exact_flags(s, test_texts)),
        K.leak_near_train: _share(near_flags(s, train_texts, **near)),
        K.leak_near_test: _share(near_flags(s, test_texts, **near)),
        K.self_exact: _share(self_exact_flags(s)),
        K.self_near: _share(self_near_flags(s, **near)),
    }
