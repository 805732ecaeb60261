"""The five characteristics as plain functions of their inputs (docs/measures.md, 'The five
characteristics'). Classifier fine-tuning lives in classifier.py; these take its outputs."""
from __future__ import annotations

import random
import warnings
from typing import Callable, Sequence

import numpy as np

from .schema import K


class TooFewTokens(UserWarning):
    """A dataset is shorter than the diversity budget k, so it gets no diversity value."""


def budgeted_tokens(tokens, order: Sequence[int], k: int) -> list[str]:
    """The first k tokens of the texts taken in `order` (tokens[i]: text i's tokens); all of
    them when they are fewer than k."""
    out: list[str] = []
    for i in order:
        out.extend(tokens[i])
        if len(out) >= k:
            return out[:k]
    return out


def distinct_n(tokens: list[str], n: int) -> float:
    """Unique n-grams / n-grams of a token sequence."""
    grams = [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
    return len(set(grams)) / len(grams) if grams else float("nan")


def diversity(texts: Sequence[str], tokenize: Callable[[str], list[str]], k: int,
              ngrams: Sequence[int] = (1, 2, 3), seed: int = 0) -> dict[str, float]:
    """Unique n-grams within the first k tokens of the shuffled, concatenated dataset.

    The budget k is a token count shared by every dataset compared, so long outputs do not
    win by length. Returns {'distinct_n': unique n-grams / n-grams in the budget}; with
    fewer than k tokens every value is NaN and a TooFewTokens warning is raised.
    """
    if k <= 0:
        raise ValueError("k must be positive")
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    # tokenize lazily: a large dataset fills the budget with its first few texts
    budget = budgeted_tokens(_Lazy(texts, tokenize), order, k)
    if len(budget) < k:
        warnings.warn(f"dataset has {len(budget)} tokens, fewer than the diversity budget "
                      f"k={k}: diversity is NaN (lower evaluate.diversity_tokens or generate "
                      "more samples)", TooFewTokens, stacklevel=2)
        return {f"distinct_{n}": float("nan") for n in ngrams}
    return {f"distinct_{n}": distinct_n(budget, n) for n in ngrams}


class _Lazy:
    """texts[i] tokenized on access."""

    def __init__(self, texts: Sequence[str], tokenize: Callable[[str], list[str]]):
        self.texts, self.tokenize = texts, tokenize

    def __getitem__(self, i: int) -> list[str]:
        return self.tokenize(self.texts[i])


def _equal_subsample(p: np.ndarray, q: np.ndarray, n: int | None, seed: int):
    n = min(len(p), len(q), n or max(len(p), len(q)))
    rng = np.random.default_rng(seed)
    return (p[rng.choice(len(p), n, replace=False)], q[rng.choice(len(q), n, replace=False)])


def conformity(reference_features: np.ndarray, synthetic_features: np.ndarray,
               seeds: Sequence[int] = (0,), max_samples: int | None = None,
               scaling_factor: float = 5.0) -> dict[str, float]:
    """MAUVE between reference and synthetic features, equal sample counts on both sides.

    Each seed draws its own subsample and k-means initialisation; returns mean and std.
    """
    import mauve

    if len(reference_features) < 2 or len(synthetic_features) < 2:
        return {K.mauve: float("nan"), K.mauve_std: float("nan"), K.mauve_n: 0}
    scores = []
    for seed in seeds:
        p, q = _equal_subsample(np.asarray(reference_features), np.asarray(synthetic_features),
                                max_samples, seed)
        out = mauve.compute_mauve(p_features=p, q_features=q, num_buckets="auto",
                                  mauve_scaling_factor=scaling_factor, seed=seed, verbose=False)
        scores.append(float(out.mauve))
    return {K.mauve: float(np.mean(scores)), K.mauve_std: float(np.std(scores)),
            K.mauve_n: int(len(p))}


def label_accuracy(predicted: Sequence[int], labels: Sequence[int]) -> float:
    """Share of matching labels; faithfulness is this for the reference classifier on S."""
    predicted, labels = np.asarray(predicted), np.asarray(labels)
    if len(labels) == 0:
        return float("nan")
    return float(np.mean(predicted == labels))


def stratified_split(labels: Sequence[int], holdout_fraction: float,
                     seed: int) -> tuple[list[int], list[int]]:
    """Indices (train, holdout), each label kept in proportion; labels with a single example
    go to train."""
    rng = random.Random(seed)
    by_label: dict[int, list[int]] = {}
    for i, y in enumerate(labels):
        by_label.setdefault(int(y), []).append(i)
    train, holdout = [], []
    for y in sorted(by_label):
        idx = by_label[y][:]
        rng.shuffle(idx)
        n_hold = int(round(len(idx) * holdout_fraction)) if len(idx) > 1 else 0
        n_hold = min(n_hold, len(idx) - 1)
        holdout.extend(idx[:n_hold])
        train.extend(idx[n_hold:])
    return sorted(train), sorted(holdout)


def stratified_subsample(labels: Sequence[int], n: int, seed: int) -> list[int]:
    """n indices drawn without replacement, each label's share kept (largest remainders get
    the rounding); the real-data row at a synthetic dataset's size draws R-train with it."""
    if not 0 < n <= len(labels):
        raise ValueError(f"cannot draw {n} of {len(labels)} examples")
    rng = random.Random(seed)
    by_label: dict[int, list[int]] = {}
    for i, y in enumerate(labels):
        by_label.setdefault(int(y), []).append(i)
    exact = {y: n * len(idx) / len(labels) for y, idx in by_label.items()}
    take = {y: int(q) for y, q in exact.items()}
    for y in sorted(exact, key=lambda y: (take[y] - exact[y], y))[:n - sum(take.values())]:
        take[y] += 1
    out = []
    for y in sorted(by_label):
        out.extend(rng.sample(by_label[y], take[y]))
    return sorted(out)


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    if arr.size == 0 or np.all(np.isnan(arr)):
        return float("nan"), float("nan")
    return float(np.nanmean(arr)), float(np.nanstd(arr))
