"""The params.yaml schema: every knob of the study, validated before any work starts. Import from
here (`from synthlens.config import Params, load_params`); each module holds one part:

    base.py         the strict base class, ConfigError, the name rule
    params.py       Params, the root, and the checks that tie the sections together (grid)
    load.py         load_params, and the messages for a bad file
    domains.py      domains
    models.py       models; api.py: an API model's api section (pacing, retries, prices)
    generation.py   decodings, train_generator, convert_generator, generate;
                    cleaning.py: generate.cleaning (preamble and refusal rules, stop strings)
    evaluation.py   featurizer, classifier, evaluate
    analyses.py     analyses, probe, learning_curve
    variants.py     templates, attributes, mixtures; SyntheticDataset (Params.datasets)
    checks.py       compare, claims, labels
    dry_run.py      dry_run (the throughputs behind `make dry-run`)
"""
from __future__ import annotations

from .analyses import AnalysesSpec, LearningCurveSpec, ProbeSpec
from .api import ApiSpec
from .base import ConfigError, Strict
from .checks import ClaimsSpec, CompareSpec, KeyTolerance, LabelsSpec, ToleranceSpec
from .cleaning import CleaningSpec
from .domains import DomainSpec
from .dry_run import ArchThroughput, DryRunSpec
from .evaluation import ClassifierSpec, EncoderSpec, EvaluateSpec
from .generation import ConvertGeneratorSpec, DecodingSpec, GenerateSpec, TrainGeneratorSpec
from .load import load_params
from .models import ModelSpec
from .params import GridSpec, Params
from .variants import VARIANT_SEP, MixtureMember, MixtureSpec, SyntheticDataset, TemplatesSpec

__all__ = [
    "AnalysesSpec", "ApiSpec", "ArchThroughput", "ClaimsSpec", "ClassifierSpec", "CleaningSpec",
    "CompareSpec", "ConfigError", "ConvertGeneratorSpec", "DecodingSpec", "DomainSpec",
    "DryRunSpec", "EncoderSpec", "EvaluateSpec", "GenerateSpec", "GridSpec", "KeyTolerance",
    "LabelsSpec", "LearningCurveSpec", "MixtureMember", "MixtureSpec", "ModelSpec", "Params",
    "ProbeSpec", "Strict", "SyntheticDataset", "TemplatesSpec", "ToleranceSpec",
    "TrainGeneratorSpec", "VARIANT_SEP", "load_params",
]
