"""Params of the report side: how `make compare` judges a rerun against the committed
results (compare.tolerance)."""
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
