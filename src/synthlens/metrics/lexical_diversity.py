"""Lexical diversity measures beyond distinct-n: the gzip compression ratio of a dataset,
Self-BLEU on a seeded sample, and any diversity function applied per label (a dataset can look
varied overall while each label's texts repeat one template).

Each of them grows or shrinks with the size of what it is given (gzip finds more repeats in
more text; Self-BLEU's references grow with the sample), so rows are compared on equal sizes:
the compression ratio on a budget of exactly k tokens (the paper's diversity budget, the same
seeded order), Self-BLEU on exactly `sample` texts. A dataset too small for the size gets NaN
and a warning, never a value measured on less.
"""
from __future__ import annotations

import gzip
import math
import random
import warnings
from collections import Counter
from typing import Callable, Hashable, Sequence

import numpy as np

from .characteristics import TooFewTokens

SMOOTHING_EPSILON = 0.1


class TooFewTexts(UserWarning):
    """A dataset has fewer texts than a measure's fixed sample size, so it gets NaN."""


def words(text: str) -> list[str]:
    """The default tokenizer: lower-cased whitespace-separated words."""
    return text.lower().split()


def compression_ratio(texts: Sequence[str]) -> float:
    """Raw bytes / gzip-compressed bytes of the texts joined by newlines (UTF-8, level 9).
    Higher means more repetitive; NaN for no text."""
    raw = "\n".join(texts).encode("utf-8")
    if not raw:
        return float("nan")
    return len(raw) / len(gzip.compress(raw, compresslevel=9, mtime=0))


def budget_texts(texts: Sequence[str], *, k: int, seed: int,
                 tokenize: Callable[[str], list[str]] = words) -> list[str] | None:
    """The texts, in the seeded order of characteristics.diversity, up to a budget of k tokens:
    whole texts while they fit, then the longest whitespace-word prefix of the next text whose
    tokens still fit. The pieces hold exactly k tokens when a word boundary falls on the k-th
    token (always with the default word tokenizer; otherwise a few tokens fewer, the rest of
    a split word). None when the whole dataset has fewer than k tokens."""
    if k <= 0:
        raise ValueError("k must be positive")
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    pieces, used = [], 0
    for i in order:
        n = len(tokenize(texts[i]))
        if used + n <= k:
            pieces.append(texts[i])
            used += n
            if used == k:
                return pieces
            continue
        ws = texts[i].split()
        lo, hi = 0, len(ws)  # the largest m whose first m words fit in k - used tokens
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if len(tokenize(" ".join(ws[:mid]))) <= k - used:
                lo = mid
            else:
                hi = mid - 1
        if lo:
            pieces.append(" ".join(ws[:lo]))
        return pieces
    return None


def compression_ratio_at_budget(texts: Sequence[str], *, k: int, seed: int,
                                tokenize: Callable[[str], list[str]] = words) -> float:
    """compression_ratio of budget_texts: the ratio of exactly k tokens of the dataset, so a
    large dataset is not more compressible merely for being large. NaN, with a TooFewTokens
    warning, for a dataset of fewer than k tokens."""
    pieces = budget_texts(texts, k=k, seed=seed, tokenize=tokenize)
    if pieces is None:
        warnings.warn(f"dataset has fewer than k={k} tokens: compression ratio is NaN (lower "
                      "evaluate.diversity_tokens or generate more samples)", TooFewTokens,
                      stacklevel=2)
        return float("nan")
    return compression_ratio(pieces)


def _ngrams(tokens: list[str], n: int) -> Counter:
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def self_bleu(*, texts: Sequence[str], sample: int, seed: int, max_n: int = 4,
              tokenize: Callable[[str], list[str]] = words) -> float:
    """Mean sentence BLEU of each of `sample` seeded texts against the other sampled texts.

    For hypothesis h with references R (the other sampled texts, never h itself):
      p_n  = sum_g min(c_h(g), max_{r in R} c_r(g)) / sum_g c_h(g)   (n-grams g of order n)
      p_n  = epsilon / sum_g c_h(g) when the clipped count is 0 (Chen & Cherry 2014, method 1,
             epsilon = 0.1)
      BP   = 1 if |h| > r* else exp(1 - r*/|h|), r* the reference length closest to |h|
             (the shorter on ties)
      BLEU = BP * exp(mean over n = 1..N' of log p_n), N' = min(max_n, |h|)
    Empty hypotheses are skipped. Near 1: the texts repeat each other; near 0: they share
    hardly any n-gram. Sampling the references too keeps datasets of different sizes
    comparable: every dataset gets exactly `sample` hypotheses; one with fewer texts gets NaN
    and a TooFewTexts warning.
    """
    if sample < 2 or max_n < 1:
        raise ValueError("sample must be >= 2 and max_n >= 1")
    if len(texts) < sample:
        warnings.warn(f"dataset has {len(texts)} texts, fewer than the Self-BLEU sample "
                      f"{sample}: Self-BLEU is NaN (lower analyses.self_bleu_sample or "
                      "generate more samples)", TooFewTexts, stacklevel=2)
        return float("nan")
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(texts), sample, replace=False)
    toks = [tokenize(texts[i]) for i in idx]
    counts = [[_ngrams(t, n) for n in range(1, max_n + 1)] for t in toks]
    # per n-gram: (best count, its text, second-best count); the max over references
    # excluding text i is then best if best's text is not i, else second best
    top: list[dict[tuple, list]] = [{} for _ in range(max_n)]
    for i, per_n in enumerate(counts):
        for n, cnt in enumerate(per_n):
            for g, c in cnt.items():
                slot = top[n].setdefault(g, [0, -1, 0])
                if c > slot[0]:
                    slot[:] = [c, i, slot[0]]
                elif c > slot[2]:
                    slot[2] = c
    lengths = np.array([len(t) for t in toks])
    scores = []
    for i, per_n in enumerate(counts):
        h = lengths[i]
        if h == 0:
            continue
        logs = []
        for n in range(min(max_n, h)):
            total = sum(per_n[n].values())
            clipped = 0
            for g, c in per_n[n].items():
                best, who, second = top[n][g]
                clipped += min(c, second if who == i else best)
            logs.append(math.log((clipped or SMOOTHING_EPSILON) / total))
        others = np.delete(lengths, i)
        r = others[np.lexsort((others, np.abs(others - h)))[0]]
        bp = 1.0 if h > r else math.exp(1 - r / h)
        scores.append(bp * math.exp(sum(logs) / len(logs)))
    return float(np.mean(scores)) if scores else float("nan")


def diversity_per_label(*, texts: Sequence[str], labels: Sequence[Hashable],
                        diversity: Callable[[list[str]], float]
                        ) -> tuple[dict[Hashable, float], float]:
    """({label: diversity of that label's texts}, mean over labels ignoring NaN). `diversity`
    maps a list of texts to one number (e.g. distinct-1 with a token budget, which gives NaN
    for a label with too few tokens); the mean is NaN when every label is NaN. Each NaN label
    is named in a TooFewTokens warning: the mean then covers fewer labels."""
    by_label: dict[Hashable, list[str]] = {}
    for t, y in zip(texts, labels):
        by_label.setdefault(y, []).append(t)
    per = {y: float(diversity(by_label[y])) for y in sorted(by_label)}
    for y, v in per.items():
        if math.isnan(v):
            warnings.warn(f"label {y!r} ({len(by_label[y])} texts): per-label diversity is NaN "
                          "(too few tokens for the per-label budget); the mean leaves it out",
                          TooFewTokens, stacklevel=2)
    values = np.array([v for v in per.values() if not math.isnan(v)])
    return per, float(values.mean()) if values.size else float("nan")
