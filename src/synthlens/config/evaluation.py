"""The params.yaml sections of scoring a dataset: featurizer (the MAUVE featurizer), classifier
(the classifier behind faithfulness, complexity and performance, and the tokenizer diversity
counts with) and evaluate (the budgets of the five characteristics)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .base import Strict


class EncoderSpec(Strict):
    """A pretrained encoder: the classifier backbone or the MAUVE featurizer."""

    source: Literal["package", "hub", "local"]
    name: str = Field(description="PyPI package (package), hub id (hub) or directory (local)")
    revision: str | None = None
    pooling: Literal["mean", "last_token"] = Field(
        default="mean", description="featurizer only: 'mean' averages the last hidden states "
        "over the real tokens; 'last_token' takes the last hidden state at each text's last "
        "token (fp32 on the CPU, TF32 matmuls on CUDA): mauve-text's own features (with "
        "gpt2-large, as the paper ran it)")
    max_length: int = Field(
        default=128, gt=0, le=8192, description="featurizer only: each text is truncated to "
        "this many tokens (mauve-text uses 1024); the classifier has its own max_length")


class ClassifierSpec(Strict):
    """The classifier behind faithfulness, complexity and performance; its tokenizer is also
    the one fixed tokenizer that diversity counts tokens with."""

    backbone: EncoderSpec
    epochs: int = Field(gt=0, le=1000)
    learning_rate: float = Field(gt=0, le=1.0)
    batch_size: int = Field(gt=0, le=4096)
    max_length: int = Field(gt=4, le=8192)
    warmup_fraction: float = Field(default=0.1, ge=0, lt=1, description="share of the steps "
                                   "over which the learning rate rises linearly")
    min_steps: int = Field(default=0, ge=0, le=1_000_000, description="small datasets get "
                           "more epochs, up to this many optimiser steps, so a 40-example "
                           "dataset is not judged by a classifier that took three steps")
    seeds: list[int] = Field(min_length=1, max_length=100)
    method: Literal["finetune", "linear_probe"] = Field(
        default="finetune", description="finetune: train the whole backbone with a fresh "
        "head; linear_probe: freeze it, mean-pool its last hidden state and fit a "
        "logistic-regression head (a CPU-friendly fraction of the cost)")
    probe_c: float = Field(default=1.0, gt=0, le=1e6, description="linear_probe: inverse "
                           "L2 strength C of the logistic regression (standardised features)")


class EvaluateSpec(Strict):
    diversity_tokens: int = Field(gt=0, le=100_000_000,
                                  description="k: the token budget for diversity")
    diversity_ngrams: list[Annotated[int, Field(gt=0, le=10)]] = Field(default=[1, 2, 3])
    mauve_samples: int = Field(gt=1, le=1_000_000, description="samples per side for MAUVE")
    mauve_seeds: list[int] = Field(min_length=1, max_length=100)
    mauve_scaling_factor: float = Field(default=5.0, gt=0, le=1000)
    holdout_fraction: float = Field(default=0.3, gt=0, lt=1, description="complexity split")
    reference_draws: int = Field(default=3, ge=0, le=100, description="draws of R-train at the "
                                 "synthetic datasets' size for the like-for-like reference row "
                                 "(0 = no such row)")
