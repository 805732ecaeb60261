"""Measures in the featurizer's embedding space (the features MAUVE uses; cosine geometry):
semantic diversity (the Vendi score and the mean pairwise cosine distance), distance to the
closest real record (is a synthetic text nearer to R-train than to an equally sized real
holdout?) and semantic near-duplicate rates, with thresholds calibrated on real-vs-real pairs.

Every function takes feature matrices (rows = texts) and returns plain floats; embedding()
gives the keys a metrics file holds. The same function scores a real sample of the synthetic
size (evaluate's reference_n row): the real-vs-real ceiling each dataset's value sits beside.

Vendi: Friedman & Dieng (2023), exp of the Shannon entropy of the eigenvalues of K / n, K the
cosine-similarity matrix: 1 when every text says the same, n when all are orthogonal; it
counts "effectively different" texts, so rewording one sentence twenty ways scores near 1
while distinct-n counts twenty sets of words.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .schema import K


def unit_rows(features) -> np.ndarray:
    """Rows scaled to length 1 (float64); a zero row stays zero."""
    x = np.asarray(features, dtype=np.float64)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def vendi(features) -> float:
    """The Vendi score with the cosine kernel; NaN below 2 texts. The nonzero eigenvalues of
    K / n = U U^T / n equal those of U^T U / n, so the smaller matrix is decomposed."""
    u = unit_rows(features)
    n = len(u)
    if n < 2:
        return float("nan")
    gram = (u.T @ u if u.shape[1] < n else u @ u.T) / n
    eig = np.clip(np.linalg.eigvalsh(gram), 0.0, None)
    eig = eig[eig > 1e-12]
    return float(np.exp(-np.sum(eig * np.log(eig))))


def mean_cosine_distance(features) -> float:
    """1 - the mean cosine similarity over all pairs of different texts; NaN below 2."""
    u = unit_rows(features)
    n = len(u)
    if n < 2:
        return float("nan")
    total = u.sum(axis=0)
    pairs = (total @ total - np.sum(u * u)) / (n * (n - 1))
    return float(1.0 - pairs)


def nearest_similarity(a, b=None) -> np.ndarray:
    """For each row of a: its largest cosine similarity to a row of b, or (b None) to another
    row of a."""
    ua = unit_rows(a)
    sims = ua @ (ua if b is None else unit_rows(b)).T
    if b is None:
        np.fill_diagonal(sims, -np.inf)
    return sims.max(axis=1)


def holdout_sized_split(n_train: int, n_holdout: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(the R-train rows the distance to the closest record compares with, the rest): a seeded
    draw of as many R-train rows as the holdout has (all of R-train when it is smaller), so
    both sides are equally sized; the rest is real text neither side holds (the ceiling's
    draw)."""
    order = np.random.default_rng(seed).permutation(n_train)
    m = min(n_train, n_holdout)
    return np.sort(order[:m]), np.sort(order[m:])


def closer_to_train_share(synthetic, train_side, holdout, seed: int) -> float:
    """Distance to the closest record: the share of synthetic texts whose nearest train_side
    text (holdout_sized_split) is nearer (cosine) than their nearest holdout text, ties
    counting half; the larger side is cut to the smaller's size (seeded). About 0.5 for text
    drawn like both sides; above it, nearer R-train, as copies of R-train are. R-test is the
    holdout here, and on SST-2 it is written differently from R-train (whole sentences, not
    phrases): the reference_n row's value, real R-train text outside train_side, is the
    ceiling to read a dataset's value against. NaN without texts on a side."""
    if min(len(synthetic), len(train_side), len(holdout)) == 0:
        return float("nan")
    rng = np.random.default_rng(seed)
    m = min(len(train_side), len(holdout))
    train_side = np.asarray(train_side)[np.sort(rng.choice(len(train_side), m, replace=False))]
    holdout = np.asarray(holdout)[np.sort(rng.choice(len(holdout), m, replace=False))]
    to_train = nearest_similarity(synthetic, train_side)
    to_holdout = nearest_similarity(synthetic, holdout)
    return float(np.mean(to_train > to_holdout) + 0.5 * np.mean(to_train == to_holdout))


def thresholds(pool, test, n: int, quantile: float, seed: int,
               draws: int = 10) -> dict[str, float]:
    """Near-duplicate similarity thresholds from real texts, which are distinct by
    construction: within (the quantile of each text's nearest-neighbour similarity inside
    seeded draws of n texts of the real pool, pooled over `draws` draws: a set's nearest
    neighbours get closer as it grows, so each draw has the synthetic size) and test (the
    quantile of the pool texts' nearest R-test similarity). A real sample of size n has
    near-duplicate rates of about 1 - quantile, give or take the noise of n texts (the
    reference_n row shows one); a synthetic dataset far above repeats itself, or R-test,
    more than real text does."""
    rng = np.random.default_rng(seed)
    pool = np.asarray(pool)
    size = min(n, len(pool))
    within = (np.concatenate([nearest_similarity(pool[rng.choice(len(pool), size, replace=False)])
                              for _ in range(draws)]) if size > 1 else np.array([np.nan]))
    return {"within": float(np.quantile(within, quantile)),
            "test": float(np.quantile(nearest_similarity(pool, test), quantile))}


def embedding(features, labels: Sequence[int], *, train_side, test,
              limits: dict[str, float], seed: int) -> dict:
    """The embedding-space keys of one dataset's metrics file. features: the dataset's
    featurizer rows (written texts only), labels: theirs; train_side: the R-train rows of
    holdout_sized_split, test: R-test's; limits: thresholds()."""
    features, labels = np.asarray(features), np.asarray(labels)
    nan = float("nan")
    if len(features) < 2:
        return {K.vendi: nan, K.vendi_per_label: nan, K.cosine_diversity: nan,
                K.closer_to_train: nan, K.near_dup_self: nan, K.near_dup_test: nan}
    by_label = {str(int(k)): vendi(features[labels == k]) for k in np.unique(labels)}
    per_label = [v for v in by_label.values() if not np.isnan(v)]
    return {K.vendi: vendi(features),
            K.vendi_per_label: float(np.mean(per_label)) if per_label else nan,
            K.vendi_by_label: by_label,
            K.cosine_diversity: mean_cosine_distance(features),
            K.closer_to_train: closer_to_train_share(features, train_side, test, seed),
            K.near_dup_self: float(np.mean(nearest_similarity(features) >= limits["within"])),
            K.near_dup_test: float(np.mean(nearest_similarity(features, test) >= limits["test"])),
            K.near_dup_thresholds: limits}
