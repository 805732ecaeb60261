"""Diversity measures beyond distinct-n: the gzip compression ratio of a dataset, Self-BLEU on a
seeded sample, and any diversity function applied per label (a dataset can look varied overall
while each label's texts repeat one template).
"""
from __future__ import annotations

import gzip
import math
from collections import Counter
from typing import Callable, Hashable, Sequence

import numpy as np

SMOOTHING_EPSILON = 0.1


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
    comparable. NaN with fewer than 2 texts.
    """
    if sample < 2 or max_n < 1:
        raise ValueError("sample must be >= 2 and max_n >= 1")
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(texts), min(sample, len(texts)), replace=False)
    toks = [tokenize(texts[i]) for i in idx]
    if len(toks) < 2:
        return float("nan")
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
    for a label with too few tokens); the mean is NaN when every label is NaN."""
    by_label: dict[Hashable, list[str]] = {}
    for t, y in zip(texts, labels):
        by_label.setdefault(y, []).append(t)
    per = {y: float(diversity(by_label[y])) for y in sorted(by_label)}
    values = np.array([v for v in per.values() if not math.isnan(v)])
    return per, float(values.mean()) if values.size else float("nan")
