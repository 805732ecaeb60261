"""Diversity and conformity of a dataset with this run's settings: diversity counted with the
classifier backbone's tokenizer (the one fixed tokenizer of the run), MAUVE with params.evaluate."""
from __future__ import annotations

import logging
import warnings

from ..config import Params
from .characteristics import TooFewTokens, conformity, diversity
from .encoder import load_tokenizer, resolve
from .schema import K

log = logging.getLogger(__name__)


def diversity_tokenizer(params: Params):
    """The classifier backbone's tokenize function, the one fixed tokenizer of the run."""
    backbone = params.classifier.backbone
    return load_tokenizer(resolve(backbone), backbone.revision).tokenize


def diversity_of(params: Params, texts: list[str], what: str) -> dict[str, float]:
    """Diversity with the classifier backbone's tokenizer, the one fixed tokenizer of the run."""
    tokenize = diversity_tokenizer(params)
    e = params.evaluate
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TooFewTokens)
        out = diversity(texts, tokenize, e.diversity_tokens, e.diversity_ngrams, params.seed)
    for w in caught:
        log.warning("%s: %s", what, w.message)
    return {K.diversity: out.get(K.distinct_1, float("nan")), **out}


def mauve_of(params: Params, reference_features, synthetic_features) -> dict[str, float]:
    e = params.evaluate
    return conformity(reference_features, synthetic_features, e.mauve_seeds, e.mauve_samples,
                      e.mauve_scaling_factor)
