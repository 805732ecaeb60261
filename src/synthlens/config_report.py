"""Params of the analyses beyond the paper's five numbers (analyses: second opinions, leakage,
two-sample test, more diversity measures, bootstrap intervals), of `make compare` (how a
rerun is judged against the committed results) and of `make label-export` (human labels)."""
from __future__ import annotations

from pydantic import Field

from .config_base import Strict


class KeyTolerance(Strict):
    """How far one number may move: max(absolute, relative x |committed value|)."""

    absolute: float = Field(default=0.005, ge=0)
    relative: float = Field(default=0.05, ge=0)


class ToleranceSpec(KeyTolerance):
    """The tolerance of every number in the results, with overrides by key name (the last part
    of its dotted key, e.g. mauve or zero_shot_accuracy)."""

    keys: dict[str, KeyTolerance] = Field(default_factory=dict)


class CompareSpec(Strict):
    """`make compare`: this run's metrics and probes against the committed ones."""

    tolerance: ToleranceSpec = ToleranceSpec()


class AnalysesSpec(Strict):
    """What evaluate computes besides the five characteristics (metrics/analyses.py)."""

    enabled: bool = Field(default=True, description="off: only the paper's five numbers")
    svd_dim: int = Field(default=64, gt=0, le=4096, description="TF-IDF + SVD features of the "
                         "second MAUVE")
    near_ngram: int = Field(default=3, gt=0, le=20, description="word n-grams compared for "
                            "near duplicates")
    near_threshold: float = Field(default=0.8, gt=0, le=1, description="n-gram Jaccard "
                                  "similarity at or above which two texts are near duplicates")
    near_edit_threshold: float = Field(default=0.85, gt=0, le=1, description="word edit "
                                       "similarity (1 - word Levenshtein distance / longer "
                                       "length) at or above which two texts are near "
                                       "duplicates too (metrics/leakage.py)")
    leak_flag: float = Field(default=0.05, ge=0, le=1, description="Table 2 flags a dataset "
                             "when at least this share of it repeats R-test (exactly or nearly)")
    two_sample_folds: int = Field(default=5, ge=2, le=50, description="cross-validation folds "
                                  "of the real-vs-synthetic classifier")
    self_bleu_sample: int = Field(default=100, ge=2, le=100_000, description="hypotheses of "
                                  "Self-BLEU (each against the other sampled texts); a dataset "
                                  "with fewer texts gets NaN")
    near_dup_quantile: float = Field(default=0.99, gt=0.5, lt=1, description="semantic near "
                                     "duplicates: a pair at or above this quantile of real "
                                     "texts' nearest-neighbour cosine similarity (metrics/"
                                     "embedding_space.py)")
    data_map_epochs: int = Field(default=10, ge=2, le=1000, description="epochs of the data "
                                 "map's head (metrics/label_quality.py)")
    bootstrap_resamples: int = Field(default=200, ge=10, le=100_000)
    bootstrap_level: float = Field(default=0.95, gt=0.5, lt=1)
    mauve_resamples: int = Field(default=20, ge=0, le=10_000, description="bootstrap "
                                 "resamples of MAUVE (each one more MAUVE run; 0 = no interval)")


class ClaimsSpec(Strict):
    """`make verify`: how the paper's claims are tested (report/claim_checks.py, claim_curves.py;
    docs/claims.md). A verdict is PASS or FAIL only when its effect clears its uncertainty."""

    level: float = Field(default=0.95, gt=0.5, lt=1, description="confidence level of every "
                         "claim test (TOST uses 1 - 2(1 - level))")
    same_margin: float = Field(default=0.03, gt=0, le=1, description="claim 3: equivalence "
                               "margin of 'stays the same' and 'does not improve'")
    curve_margin: float = Field(default=0.05, gt=0, le=1, description="claim 5: a top-p point "
                                "lies on the temperature curve if its distance stays below this")
    worst_share: float = Field(default=0.667, gt=0, le=1, description="claim 2: 'among the "
                               "worst' = below at least this share of the other models")
    min_temperatures: int = Field(default=4, ge=4, le=100, description="claim 6: temperature "
                                  "points a model needs for the curvature test")
    draws: int = Field(default=2000, ge=100, le=1_000_000, description="parametric bootstrap "
                       "draws (claims 4, 5, 6)")


class LabelsSpec(Strict):
    """`make label-export`: which synthetic datasets get a sample for people to label, and how
    big (tools/labels.py). A list left out means the grid's."""

    samples: int = Field(default=60, gt=0, le=100_000, description="rows per dataset, "
                         "stratified by intended label (every row when the dataset is smaller)")
    seed: int = Field(default=0, ge=0, le=2**32 - 1, description="picks and shuffles the rows")
    models: list[str] | None = Field(default=None, description="default: grid.models")
    domains: list[str] | None = Field(default=None, description="default: grid.domains")
    decodings: list[str] | None = Field(default=None, description="default: grid.decodings")


def check_labels(p) -> None:
    """labels.models / domains / decodings name only what the grid runs."""
    for key in ("models", "domains", "decodings"):
        grid = getattr(p.grid, key)
        for name in getattr(p.labels, key) or []:
            if name not in grid:
                raise ValueError(f"labels.{key}: '{name}' is not in grid.{key} {grid}")
