"""The params.yaml sections of making the synthetic data: decodings (how each dataset is
sampled), train_generator (the in-pipeline GPT-2 of the mini profile), convert_generator (GGUF
models converted once) and generate (sizes, batching, seed, and the cleaning rules of
cleaning.py)."""
from __future__ import annotations

from pydantic import Field

from .base import Strict
from .cleaning import CleaningSpec


class DecodingSpec(Strict):
    temperature: float = Field(ge=0, le=10, description="0 = greedy")
    top_p: float = Field(default=1.0, gt=0, le=1)


class TrainGeneratorSpec(Strict):
    """The in-pipeline vanilla GPT-2 (mini profile): trained on R-train with the vanilla prompt."""

    name: str = "gpt2-mini"
    domains: list[str] = Field(default_factory=list,
                               description="domains to train it on; [] when no model uses it")
    vocab_size: int = Field(default=2000, ge=300, le=100_000)
    n_layer: int = Field(default=2, gt=0, le=48)
    n_head: int = Field(default=4, gt=0, le=64)
    n_embd: int = Field(default=128, gt=0, le=8192)
    block_size: int = Field(default=96, gt=8, le=8192)
    epochs: int = Field(default=3, gt=0, le=1000)
    batch_size: int = Field(default=32, gt=0, le=4096)
    learning_rate: float = Field(default=3e-3, gt=0, le=1.0)


class ConvertGeneratorSpec(Strict):
    models: list[str] = Field(default_factory=list, description="gguf models to convert once")


class GenerateSpec(Strict):
    samples_per_label: int = Field(gt=0, le=1_000_000)
    max_new_tokens: int = Field(gt=0, le=32_768)
    batch_size: int = Field(default=16, gt=0, le=65_536)
    shard_size: int = Field(default=32, gt=0, le=65_536)
    seed: int = 0
    cleaning: CleaningSpec = CleaningSpec()
