"""params.yaml schema: every knob of the study, validated before any work starts. Unknown
keys, wrong types and names the grid uses without defining them fail with a message naming the
key (pydantic, strict mode: no `true` or "1e9" where a number belongs). Sizes have upper
bounds, so a typo fails here instead of allocating gigabytes later."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from .config_api import ApiSpec
from .config_base import Strict
from .config_dry_run import DryRunSpec
from .config_errors import format_errors
from .config_report import AnalysesSpec, ClaimsSpec, CompareSpec, LabelsSpec, check_labels
from .config_rules import CleaningSpec
from .config_variants import (LearningCurveSpec, MixtureSpec, ProbeSpec, TemplatesSpec,
                              check_variants, mixture_runs, model_datasets)

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
SPLIT_NAME = re.compile(r"\w+")  # what the datasets library accepts as a split name


class ConfigError(ValueError):
    """params.yaml is malformed; the message names the key."""


class DomainSpec(Strict):
    """A classification domain: where its reference data comes from and how to prompt for it."""

    source: Literal["builtin", "local", "hub"]
    subject: str = Field(description="what one example is, used in prompts: 'movie review'")
    labels: list[str] = Field(min_length=2, description="label names, in label-id order")
    license: str | None = Field(default=None, description="the data's licence (dataset cards)")
    citation: str | None = Field(default=None, description="how to cite it (dataset cards)")
    label_descriptions: dict[str, str] = Field(
        default_factory=dict, description="optional wording of a label inside prompts")
    # builtin: the project's own deterministic generator
    builtin: Literal["reviews", "news"] | None = None
    n_train: int = Field(default=1000, gt=0, le=10_000_000)
    n_test: int = Field(default=300, gt=0, le=10_000_000)
    label_noise: float = Field(default=0.05, ge=0, lt=1)
    # overrides of generate.samples_per_label and generate.max_new_tokens for this domain
    samples_per_label: int | None = Field(default=None, gt=0, le=1_000_000)
    max_new_tokens: int | None = Field(default=None, gt=0, le=32_768)
    # local files or hub dataset, both loaded through the datasets library
    path: str | dict[str, str] | None = Field(
        default=None, description="local: a CSV/TSV/JSON/JSONL file, or {split name: file} "
        "(a 'test' key makes test_split default to 'test'); hub: dataset id")
    config_name: str | None = None
    revision: str | None = None
    text_field: str = "text"
    label_field: str = "label"
    split_labels: dict[str, str] = Field(
        default_factory=dict, description="classes stored as splits: {split name: label}; the "
        "splits are joined, labelled, and a test part carved with test_ratio")
    train_split: str = "train"
    test_split: str | None = Field(default=None, description="split name; None = carve test_ratio")
    test_ratio: float = Field(default=0.25, gt=0, lt=1)
    max_train: int | None = Field(default=None, gt=0, le=10_000_000)
    max_test: int | None = Field(default=None, gt=0, le=10_000_000)
    streaming: bool = Field(default=False, description="hub: stream only the named splits and "
                            "keep the rows max_train/max_test need (domains/streamed.py)")
    shuffle_buffer: int = Field(default=10_000, gt=0, le=1_000_000, description="streaming: "
                                "rows of the seeded shuffle buffer the kept rows are drawn from")

    @model_validator(mode="before")
    @classmethod
    def _test_file_is_the_test_split(cls, data):
        """path {train: a.csv, test: b.csv}: the test file is R-test, nothing is carved."""
        if (isinstance(data, dict) and isinstance(data.get("path"), dict)
                and "test" in data["path"] and data.get("test_split") is None
                and not data.get("split_labels")):
            data = {**data, "test_split": "test"}
        return data

    @field_validator("path", mode="before")
    @classmethod
    def _path_shape(cls, value, info: ValidationInfo):
        if value is None or isinstance(value, str):
            return value
        if not isinstance(value, dict):
            raise ValueError("expected a file path, or a mapping {split name: file}")
        if info.data.get("source", "local") != "local":
            raise ValueError("a mapping of split name to file needs source 'local'; "
                             f"source '{info.data['source']}' takes one dataset id")
        if not value:
            raise ValueError("the mapping of split name to file is empty")
        for split, file in value.items():
            if not isinstance(split, str) or not SPLIT_NAME.fullmatch(split):
                raise ValueError(f"split name {split!r} may use letters, digits and '_' only")
            if not isinstance(file, str) or not file:
                raise ValueError(f"{split}: expected a file path, got {file!r}")
        return value

    @model_validator(mode="after")
    def _source_fields(self):
        if self.source == "builtin" and self.builtin is None:
            raise ValueError("source 'builtin' needs 'builtin' (reviews or news)")
        if self.source in ("local", "hub") and not self.path:
            raise ValueError(f"source '{self.source}' needs 'path'")
        if isinstance(self.path, dict):
            wanted = ({"split_labels": list(self.split_labels)} if self.split_labels
                      else {"train_split": [self.train_split]})
            if self.test_split is not None:
                wanted["test_split"] = [self.test_split]
            for key, splits in wanted.items():
                for split in splits:
                    if split not in self.path:
                        raise ValueError(f"{key}: '{split}' is not a key of path "
                                         f"(keys: {list(self.path)})")
        if self.streaming and (self.source != "hub" or not (self.max_train and self.max_test)):
            raise ValueError("streaming needs source 'hub' and both max_train and max_test")
        unknown = set(self.split_labels.values()) - set(self.labels)
        if unknown:
            raise ValueError(f"split_labels names unknown labels {sorted(unknown)}")
        unknown = set(self.label_descriptions) - set(self.labels)
        if unknown:
            raise ValueError(f"label_descriptions names unknown labels {sorted(unknown)}")
        if len(set(self.labels)) != len(self.labels):
            raise ValueError("labels must be unique")
        return self

    def label_phrase(self, label: str) -> str:
        return self.label_descriptions.get(label, label)


class ModelSpec(Strict):
    """A generator. family decides the prompt style: a completion prompt for vanilla models,
    the model's own chat template (or the chat endpoint of an API) for instruct models."""

    family: Literal["vanilla", "instruct"]
    source: Literal["pipeline", "gguf", "hub", "local", "api"]
    prompt: str = Field(description="key into prompts")
    backend: Literal["hf", "vllm", "openai"] = Field(
        default="hf", description="hf: transformers; vllm: vLLM offline engine (GPU, when "
        "installed); openai: any OpenAI-compatible HTTP endpoint (source api)")
    shots: int = Field(default=0, ge=0, le=100, description="examples from R-train in the "
                       "prompt (few-shot); the prompt must then contain {examples}")
    size_b: float | None = Field(default=None, gt=0, le=10_000, description="parameters in "
                                 "billions: the model-size figure and the dry run's estimate "
                                 "use it")
    package: str | None = Field(default=None, description="gguf: PyPI package holding the file")
    gguf_file: str | None = None
    path: str | None = Field(default=None, description="hub id or local directory")
    revision: str | None = None
    gated: bool = Field(default=False, description="hub repo behind a licence: accept it on the "
                        "model's hub page, then set HF_TOKEN (make download says so)")
    api: ApiSpec | None = None
    chat_template: str | None = Field(default=None, description="Jinja chat template for an "
                                      "instruct model whose tokenizer ships none")
    note: str | None = Field(default=None, description="free text, e.g. which retired model "
                             "this one stands in for")

    @model_validator(mode="after")
    def _source_fields(self):
        if self.source == "gguf" and not (self.package and self.gguf_file):
            raise ValueError("source 'gguf' needs 'package' and 'gguf_file'")
        if self.source in ("hub", "local") and not self.path:
            raise ValueError(f"source '{self.source}' needs 'path'")
        if (self.source == "api") != (self.backend == "openai"):
            raise ValueError("source 'api' goes with backend 'openai' and vice versa")
        if self.source == "api" and self.api is None:
            raise ValueError("source 'api' needs an 'api' section (base_url, model)")
        if self.backend == "vllm" and self.source not in ("hub", "local"):
            raise ValueError("backend 'vllm' needs source 'hub' or 'local'")
        return self


class DecodingSpec(Strict):
    temperature: float = Field(ge=0, le=10, description="0 = greedy")
    top_p: float = Field(default=1.0, gt=0, le=1)


class GridSpec(Strict):
    """The cells that generate/evaluate run: every model x domain x decoding."""

    models: list[str] = Field(min_length=1)
    domains: list[str] = Field(min_length=1)
    decodings: list[str] = Field(min_length=1)


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


class Params(Strict):
    profile: Literal["mini", "paper", "gpu-small"]
    require_gpu: bool = Field(default=False, description="refuse to start without a usable GPU "
                              "(SYNTHLENS_DEVICE=cpu overrides on purpose)")
    seed: int = 0
    domains: dict[str, DomainSpec]
    models: dict[str, ModelSpec]
    prompts: dict[str, str]
    decodings: dict[str, DecodingSpec]
    grid: GridSpec
    featurizer: EncoderSpec
    train_generator: TrainGeneratorSpec = TrainGeneratorSpec()
    convert_generator: ConvertGeneratorSpec = ConvertGeneratorSpec()
    generate: GenerateSpec
    classifier: ClassifierSpec
    evaluate: EvaluateSpec
    dry_run: DryRunSpec = DryRunSpec()
    analyses: AnalysesSpec = AnalysesSpec()
    templates: TemplatesSpec = TemplatesSpec()
    attributes: dict[str, list[str] | dict[str, list[str]]] = Field(
        default_factory=dict, description="placeholder -> values (or label -> values), one "
        "drawn per sample with its seed")
    mixtures: dict[str, MixtureSpec] = Field(default_factory=dict)
    probe: ProbeSpec = ProbeSpec()
    learning_curve: LearningCurveSpec = LearningCurveSpec()
    compare: CompareSpec = CompareSpec()
    labels: LabelsSpec = LabelsSpec()
    claims: ClaimsSpec = ClaimsSpec()

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
                                   self.models),
                                  ("train_generator.domains", self.train_generator.domains,
                                   self.domains)):
            for name in names:
                if name not in table:
                    raise ValueError(f"{key}: '{name}' is not defined (known: {sorted(table)})")
        check_labels(self)
        for name, model in self.models.items():
            if model.prompt not in self.prompts:
                raise ValueError(f"models.{name}.prompt: unknown prompt '{model.prompt}' "
                                 f"(known: {sorted(self.prompts)})")
        for name, text in self.prompts.items():
            if "{label}" not in text:
                raise ValueError(f"prompts.{name}: a prompt must contain {{label}}")
            try:
                text.format(label="", subject="", examples="", **dict.fromkeys(self.attributes, ""))
            except (KeyError, IndexError, ValueError) as e:
                raise ValueError(f"prompts.{name}: only {{label}}, {{subject}}, {{examples}} and "
                                 f"the names in attributes may appear in braces ({e})") from None
        for name, model in self.models.items():
            has_examples = "{examples}" in self.prompts[model.prompt]
            if model.shots and not has_examples:
                raise ValueError(f"models.{name}.shots: {model.shots} examples need a prompt "
                                 f"with {{examples}}; prompts.{model.prompt} has none")
            if has_examples and not model.shots:
                raise ValueError(f"models.{name}.shots: prompts.{model.prompt} has {{examples}}, "
                                 "so shots must be at least 1")
        for name in self.grid.models:
            model = self.models[name]
            if model.source == "gguf" and name not in self.convert_generator.models:
                raise ValueError(f"grid.models: gguf model '{name}' must also be listed in "
                                 "convert_generator.models")
            if model.source == "pipeline":
                if name != self.train_generator.name:
                    raise ValueError(f"models.{name}: source 'pipeline' is the model that "
                                     f"train_generator builds, named '{self.train_generator.name}'")
                untrained = set(self.grid.domains) - set(self.train_generator.domains)
                if untrained:
                    raise ValueError(f"train_generator.domains: '{name}' is in grid.models, so it "
                                     f"must list every grid domain (missing {sorted(untrained)})")
        check_variants(self)
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

    def datasets(self, model: str) -> list[tuple[str, str, str, str]]:
        """(domain, dataset, decoding, prompt) of every synthetic dataset of a model."""
        return model_datasets(self, model)

    def active_mixtures(self) -> dict[str, MixtureSpec]:
        """The mixtures whose members are all datasets of the grid (the others are skipped)."""
        return {n: m for n, m in self.mixtures.items() if mixture_runs(self, m)}

    def samples_per_label(self, domain: str) -> int:
        """Synthetic samples per label of a domain: its own setting, else generate's."""
        return self.domain(domain).samples_per_label or self.generate.samples_per_label

    def max_new_tokens(self, domain: str) -> int:  # its own setting, else generate's
        return self.domain(domain).max_new_tokens or self.generate.max_new_tokens

    def decoding(self, name: str) -> DecodingSpec:
        try:
            return self.decodings[name]
        except KeyError:
            raise ConfigError(
                f"unknown decoding '{name}' (known: {sorted(self.decodings)})") from None


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
        raise ConfigError(format_errors(e, path)) from None
