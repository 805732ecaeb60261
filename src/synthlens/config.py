"""params.yaml schema: every knob of the study, validated before any work starts.

Unknown keys, wrong types and names that the grid uses without defining them all fail
with a message naming the offending key (pydantic does the type work).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


class ConfigError(ValueError):
    """params.yaml is malformed; the message names the key."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False, frozen=True)


class DomainSpec(Strict):
    """A classification domain: where its reference data comes from and how to prompt for it."""

    source: Literal["builtin", "local", "hub"]
    subject: str = Field(description="what one example is, used in prompts: 'movie review'")
    labels: list[str] = Field(min_length=2, description="label names, in label-id order")
    label_descriptions: dict[str, str] = Field(
        default_factory=dict, description="optional wording of a label inside prompts")
    # builtin: the project's own deterministic generator
    builtin: Literal["reviews", "news"] | None = None
    n_train: int = Field(default=1000, gt=0)
    n_test: int = Field(default=300, gt=0)
    label_noise: float = Field(default=0.05, ge=0, lt=1)
    # local file or hub dataset, both loaded through the datasets library
    path: str | None = Field(default=None, description="CSV/JSONL file (local) or hub dataset id")
    config_name: str | None = None
    revision: str | None = None
    text_field: str = "text"
    label_field: str = "label"
    train_split: str = "train"
    test_split: str | None = Field(default=None, description="split name; None = carve test_ratio")
    test_ratio: float = Field(default=0.25, gt=0, lt=1)
    max_train: int | None = Field(default=None, gt=0)
    max_test: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _source_fields(self):
        if self.source == "builtin" and self.builtin is None:
            raise ValueError("source 'builtin' needs 'builtin' (reviews or news)")
        if self.source in ("local", "hub") and not self.path:
            raise ValueError(f"source '{self.source}' needs 'path'")
        unknown = set(self.label_descriptions) - set(self.labels)
        if unknown:
            raise ValueError(f"label_descriptions names unknown labels {sorted(unknown)}")
        if len(set(self.labels)) != len(self.labels):
            raise ValueError("labels must be unique")
        return self

    def label_phrase(self, label: str) -> str:
        return self.label_descriptions.get(label, label)


class ModelSpec(Strict):
    """A generator. family decides the prompt style (completion vs chat template)."""

    family: Literal["vanilla", "instruct"]
    source: Literal["pipeline", "gguf", "hub", "local"]
    prompt: str = Field(description="key into prompts")
    package: str | None = Field(default=None, description="gguf: PyPI package holding the file")
    gguf_file: str | None = None
    path: str | None = Field(default=None, description="hub id or local directory")
    revision: str | None = None

    @model_validator(mode="after")
    def _source_fields(self):
        if self.source == "gguf" and not (self.package and self.gguf_file):
            raise ValueError("source 'gguf' needs 'package' and 'gguf_file'")
        if self.source in ("hub", "local") and not self.path:
            raise ValueError(f"source '{self.source}' needs 'path'")
        return self


class DecodingSpec(Strict):
    temperature: float = Field(ge=0, description="0 = greedy")
    top_p: float = Field(default=1.0, gt=0, le=1)


class GridSpec(Strict):
    """The cells that generate/evaluate run: every model x domain x decoding."""

    models: list[str] = Field(min_length=1)
    domains: list[str] = Field(min_length=1)
    decodings: list[str] = Field(min_length=1)


class EncoderSpec(Strict):
    """Backbone of the classifier and of the MAUVE featurizer."""

    source: Literal["package", "hub", "local"]
    name: str = Field(description="PyPI package (package), hub id (hub) or directory (local)")
    revision: str | None = None


class TrainGeneratorSpec(Strict):
    """The in-pipeline vanilla GPT-2 (mini profile): trained on R-train with the vanilla prompt."""

    name: str = "gpt2-mini"
    vocab_size: int = Field(default=2000, ge=300)
    n_layer: int = Field(default=2, gt=0)
    n_head: int = Field(default=4, gt=0)
    n_embd: int = Field(default=128, gt=0)
    block_size: int = Field(default=96, gt=8)
    epochs: int = Field(default=3, gt=0)
    batch_size: int = Field(default=32, gt=0)
    learning_rate: float = Field(default=3e-3, gt=0)


class ConvertGeneratorSpec(Strict):
    models: list[str] = Field(default_factory=list, description="gguf models to convert once")


class GenerateSpec(Strict):
    samples_per_label: int = Field(gt=0)
    max_new_tokens: int = Field(gt=0)
    batch_size: int = Field(default=16, gt=0)
    shard_size: int = Field(default=32, gt=0)
    seed: int = 0


class ClassifierSpec(Strict):
    epochs: int = Field(gt=0)
    learning_rate: float = Field(gt=0)
    batch_size: int = Field(gt=0)
    max_length: int = Field(gt=4)
    seeds: list[int] = Field(min_length=1)


class EvaluateSpec(Strict):
    diversity_tokens: int = Field(gt=0, description="k: the token budget for diversity")
    diversity_ngrams: list[int] = Field(default=[1, 2, 3])
    mauve_samples: int = Field(gt=1, description="samples per side for MAUVE")
    mauve_seeds: list[int] = Field(min_length=1)
    mauve_scaling_factor: float = Field(default=5.0, gt=0)
    holdout_fraction: float = Field(default=0.3, gt=0, lt=1, description="complexity split")


class Params(Strict):
    profile: Literal["mini", "paper"]
    seed: int = 0
    domains: dict[str, DomainSpec]
    models: dict[str, ModelSpec]
    prompts: dict[str, str]
    decodings: dict[str, DecodingSpec]
    grid: GridSpec
    encoder: EncoderSpec
    train_generator: TrainGeneratorSpec = TrainGeneratorSpec()
    convert_generator: ConvertGeneratorSpec = ConvertGeneratorSpec()
    generate: GenerateSpec
    classifier: ClassifierSpec
    evaluate: EvaluateSpec

    @model_validator(mode="after")
    def _cross_references(self):
        for key, table in (("domains", self.domains), ("models", self.models),
                           ("decodings", self.decodings), ("prompts", self.prompts)):
            for name in table:
                if not NAME.fullmatch(name):
                    raise ValueError(f"{key}.{name}: names may use letters, digits, '_' and "
                                     "'-' only (DVC reads '.' as nesting)")
        for key, names, table in (("grid.models", self.grid.models, self.models),
                                  ("grid.domains", self.grid.domains, self.domains),
                                  ("grid.decodings", self.grid.decodings, self.decodings),
                                  ("convert_generator.models", self.convert_generator.models,
                                   self.models)):
            for name in names:
                if name not in table:
                    raise ValueError(f"{key}: '{name}' is not defined (known: {sorted(table)})")
        for name, model in self.models.items():
            if model.prompt not in self.prompts:
                raise ValueError(f"models.{name}.prompt: unknown prompt '{model.prompt}' "
                                 f"(known: {sorted(self.prompts)})")
        for name, text in self.prompts.items():
            if "{label}" not in text:
                raise ValueError(f"prompts.{name}: a prompt must contain {{label}}")
        for name in self.grid.models:
            model = self.models[name]
            if model.source == "gguf" and name not in self.convert_generator.models:
                raise ValueError(f"grid.models: gguf model '{name}' must also be listed in "
                                 "convert_generator.models")
            if model.source == "pipeline" and name != self.train_generator.name:
                raise ValueError(f"models.{name}: source 'pipeline' is the model that "
                                 f"train_generator builds, named '{self.train_generator.name}'")
        return self

    def domain(self, name: str) -> DomainSpec:
        try:
            return self.domains[name]
        except KeyError:
            raise ConfigError(f"unknown domain '{name}' (known: {sorted(self.domains)})") from None

    def model(self, name: str) -> ModelSpec:
        try:
            return self.models[name]
        except KeyError:
            raise ConfigError(f"unknown model '{name}' (known: {sorted(self.models)})") from None

    def decoding(self, name: str) -> DecodingSpec:
        try:
            return self.decodings[name]
        except KeyError:
            raise ConfigError(
                f"unknown decoding '{name}' (known: {sorted(self.decodings)})") from None


def _format_errors(err: ValidationError, path: Path) -> str:
    lines = [f"{path}: invalid parameters"]
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key (typo?)"
        lines.append(f"  {key}: {msg}")
    return "\n".join(lines)


def load_params(path: str | Path = "params.yaml") -> Params:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: params file not found")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    try:
        return Params.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(_format_errors(e, path)) from None
