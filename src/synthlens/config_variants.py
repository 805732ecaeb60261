"""Params of the datasets beyond the grid (issue 10): prompt templates as an axis (templates:
more named prompts per model at some decodings), attributed prompts (attributes: values drawn
per sample into {placeholders}), and mixtures of several models' datasets (mixtures)."""
from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from .config_base import Strict

# a template variant's dataset is named <decoding>~<template> (a file name, not a params key)
VARIANT_SEP = "~"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


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


def model_datasets(p, model: str) -> list[tuple[str, str, str, str]]:
    """(domain, dataset, decoding, prompt) of every synthetic dataset of a model, domain by
    domain: the grid's decodings with the model's own prompt (dataset = decoding), then its
    template variants at the template decodings the grid runs (dataset = <decoding>~<prompt>)."""
    own = p.model(model).prompt
    variants = [(c, t) for t in p.templates.models.get(model, [])
                for c in p.templates.decodings if c in p.grid.decodings]
    return [row for d in p.grid.domains for row in
            [(d, c, c, own) for c in p.grid.decodings] +
            [(d, f"{c}{VARIANT_SEP}{t}", c, t) for c, t in variants]]


def mixture_runs(p, mix: MixtureSpec) -> bool:
    return all(m.model in p.grid.models and m.decoding in p.grid.decodings for m in mix.members)


class ProbeSpec(Strict):
    """Contamination probe (generation/probe.py): each generator's zero-shot accuracy on R-test,
    from the log-likelihood of each label's wording after the text; hf backend only."""

    enabled: bool = True
    max_texts: int = Field(default=200, gt=0, le=1_000_000, description="R-test texts scored "
                           "(a seeded subsample when R-test is larger)")
    completion: str = Field(default="{text}\nlabel:", description="vanilla models: the text "
                            "the label wording follows ({text}, {labels})")
    instruction: str = Field(default="Text: {text}\nWhich of these labels fits the text best: "
                             "{labels}? Answer with the label only.", description="instruct "
                             "models: the user message; the label wording is the answer")
    batch_size: int = Field(default=32, gt=0, le=65_536)


class LearningCurveSpec(Strict):
    """Performance at several training-set sizes drawn from each dataset (metrics/
    learning_curve.py), R-train's curve as the reference."""

    sizes: list[int] = Field(default_factory=list, max_length=50, description="training-set "
                             "sizes; [] = no curves")
    backbone: Literal["tfidf", "classifier"] = Field(default="tfidf", description="tfidf: "
                                                     "TF-IDF + logistic regression (seconds); "
                                                     "classifier: the fine-tuned backbone")
