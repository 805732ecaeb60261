"""Params of the datasets beyond the grid (issue 10): prompt templates as an axis (templates:
more named prompts per model at some decodings), attributed prompts (attributes: values drawn
per sample into {placeholders}), and mixtures of several models' datasets (mixtures); and
SyntheticDataset, the record naming each synthetic dataset of a model (Params.datasets)."""
from __future__ import annotations

from typing import NamedTuple

from pydantic import Field

from .base import NAME, Strict

# a template variant's dataset is named <decoding>~<template> (a file name, not a params key)
VARIANT_SEP = "~"


class SyntheticDataset(NamedTuple):
    """One synthetic dataset of a model (a grid cell or a template variant of one). A tuple, so
    `for domain, name, decoding, prompt in params.datasets(model)` unpacks it."""

    domain: str
    name: str       # its file name: the decoding, or <decoding>~<prompt> for a template variant
    decoding: str   # key into params decodings
    prompt: str     # key into params prompts

    @property
    def key(self) -> str:
        """<domain>/<name>: how the fingerprints, the ledger and cell_work.Cell name it."""
        return f"{self.domain}/{self.name}"

    @property
    def is_variant(self) -> bool:
        """A template variant (the model's own prompt makes name == decoding)."""
        return self.name != self.decoding


class TemplatesSpec(Strict):
    """Prompt sensitivity: each model also generates with these templates (keys into prompts),
    at these decodings, as datasets of their own."""

    decodings: list[str] = Field(default_factory=list, max_length=100)
    models: dict[str, list[str]] = Field(default_factory=dict, description="model -> the "
                                         "prompts (besides its own) it is also run with")


class MixtureMember(Strict):
    model: str
    decoding: str
    weight: float = Field(default=1.0, gt=0, le=1000)


class MixtureSpec(Strict):
    """A synthetic dataset drawn (seeded, per label, in proportion to the weights) from member
    datasets of the grid, at the size of one member dataset."""

    members: list[MixtureMember] = Field(min_length=2, max_length=100)
    seed: int = 0


def check_variants(p) -> None:
    """templates, attributes and mixtures name only what params define. What the grid does not
    run is declared but skipped (Params.datasets, Params.active_mixtures), so narrowing the
    grid needs no other edit."""
    for d in p.templates.decodings:
        if d not in p.decodings:
            raise ValueError(f"templates.decodings: unknown decoding '{d}'")
    for model, names in p.templates.models.items():
        if model not in p.models:
            raise ValueError(f"templates.models: unknown model '{model}'")
        for name in names:
            if name not in p.prompts:
                raise ValueError(f"templates.models.{model}: unknown prompt '{name}'")
            if p.models[model].shots != ("{examples}" in p.prompts[name]) * p.models[model].shots:
                raise ValueError(f"templates.models.{model}: prompt '{name}' lacks {{examples}} "
                                 "for a few-shot model")
    for name, mix in p.mixtures.items():
        if not NAME.fullmatch(name) or name in p.models or name == "reference":
            raise ValueError(f"mixtures.{name}: a new name of letters, digits, '_' and '-'")
        for m in mix.members:
            if m.model not in p.models or m.decoding not in p.decodings:
                raise ValueError(f"mixtures.{name}: member {m.model}/{m.decoding} names an "
                                 "unknown model or decoding")
    for attr, values in p.attributes.items():
        if attr in ("label", "subject", "examples") or not NAME.fullmatch(attr):
            raise ValueError(f"attributes.{attr}: not a usable placeholder name")
        lists = values.values() if isinstance(values, dict) else [values]
        if isinstance(values, dict):
            for domain_labels in values:
                if not any(domain_labels in d.labels for d in p.domains.values()):
                    raise ValueError(f"attributes.{attr}: '{domain_labels}' is no label")
        if any(not v for v in lists):
            raise ValueError(f"attributes.{attr}: an empty list of values")


def model_datasets(p, model: str) -> list[SyntheticDataset]:
    """Every synthetic dataset of a model, domain by domain: the grid's decodings with the
    model's own prompt (name = decoding), then its template variants at the template decodings
    the grid runs (name = <decoding>~<prompt>)."""
    own = p.model(model).prompt
    variants = [(c, t) for t in p.templates.models.get(model, [])
                for c in p.templates.decodings if c in p.grid.decodings]
    return [row for d in p.grid.domains for row in
            [SyntheticDataset(d, c, c, own) for c in p.grid.decodings] +
            [SyntheticDataset(d, f"{c}{VARIANT_SEP}{t}", c, t) for c, t in variants]]


def mixture_runs(p, mix: MixtureSpec) -> bool:
    return all(m.model in p.grid.models and m.decoding in p.grid.decodings for m in mix.members)
