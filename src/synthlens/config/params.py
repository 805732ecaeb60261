"""The params.yaml schema's root: every knob of the study in one validated Params, one section per
module of this package, and the checks that tie the sections together (every name the grid,
templates, mixtures and labels use is defined; every prompt fits its model). Validated before
any work starts: unknown keys, wrong types and undefined names fail with a message naming the
key (pydantic, strict mode: no `true` or "1e9" where a number belongs). Sizes have upper
bounds, so a typo fails here instead of allocating gigabytes later."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..layout import RESERVED_NAMES
from .analyses import AnalysesSpec, LearningCurveSpec, ProbeSpec
from .base import NAME, ConfigError, Strict
from .checks import ClaimsSpec, CompareSpec, LabelsSpec, check_labels
from .domains import DomainSpec
from .dry_run import DryRunSpec
from .evaluation import ClassifierSpec, EncoderSpec, EvaluateSpec
from .generation import ConvertGeneratorSpec, DecodingSpec, GenerateSpec, TrainGeneratorSpec
from .models import ModelSpec
from .variants import (MixtureSpec, SyntheticDataset, TemplatesSpec, check_variants,
                       mixture_runs, model_datasets)


class GridSpec(Strict):
    """The cells that generate/evaluate run: every model x domain x decoding."""

    models: list[str] = Field(min_length=1)
    domains: list[str] = Field(min_length=1)
    decodings: list[str] = Field(min_length=1)


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
                if key == "models" and name in RESERVED_NAMES:
                    raise ValueError(f"models.{name}: '{name}' is taken (data/metrics/{name}/ "
                                     "holds the rows that are not a generator's); rename the "
                                     "model")
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

    def datasets(self, model: str) -> list[SyntheticDataset]:
        """Every synthetic dataset of a model: (domain, name, decoding, prompt) records."""
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
