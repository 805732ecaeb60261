"""The params.yaml sections of checking a run: compare (`make compare`: how far a rerun's numbers
may move from the committed results), claims (`make verify`: how the paper's claims are tested)
and labels (`make label-export`: which synthetic samples people label)."""
from __future__ import annotations

from pydantic import Field

from .base import Strict


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
