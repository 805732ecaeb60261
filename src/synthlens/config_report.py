"""Params of the analyses beyond the paper's five numbers (analyses: second opinions, leakage,
two-sample test, more diversity measures, bootstrap intervals), of `make compare` (how a
rerun is judged against the committed results) and of `make label-export` (human labels)."""
from __future__ import annotations

from pydantic import Field

from .config_base import Strict


class ToleranceSpec(Strict):
    """How far a characteristic may move between the committed run and this one (absolute)."""

    diversity: float = Field(default=0.01, ge=0, le=1)
    mauve: float = Field(default=0.05, ge=0, le=1)
    faithfulness: float = Field(default=0.05, ge=0, le=1)
    complexity: float = Field(default=0.1, ge=0, le=1)
    performance: float = Field(default=0.05, ge=0, le=1)


class CompareSpec(Strict):
    """`make compare`: this run's metrics against the committed ones."""

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
    leak_flag: float = Field(default=0.05, ge=0, le=1, description="Table 2 flags a dataset "
                             "when at least this share of it repeats R-test (exactly or nearly)")
    two_sample_folds: int = Field(default=5, ge=2, le=50, description="cross-validation folds "
                                  "of the real-vs-synthetic classifier")
    self_bleu_sample: int = Field(default=100, ge=2, le=100_000, description="hypotheses of "
                                  "Self-BLEU (each against the other sampled texts)")
    bootstrap_resamples: int = Field(default=200, ge=10, le=100_000)
    bootstrap_level: float = Field(default=0.95, gt=0.5, lt=1)
    mauve_resamples: int = Field(default=20, ge=0, le=10_000, description="bootstrap "
                                 "resamples of MAUVE (each one more MAUVE run; 0 = no interval)")


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
