"""The params.yaml sections of what the study measures beyond the paper's five numbers: analyses
(evaluate: second opinions, leakage, the two-sample test, more diversity measures, bootstrap
intervals), probe (generate: each generator's zero-shot accuracy on R-test, a contamination
signal) and learning_curve (evaluate: performance at several training-set sizes)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Strict


class AnalysesSpec(Strict):
    """What evaluate computes besides the five characteristics (metrics/analyses.py)."""

    enabled: bool = Field(default=True, description="off: only the paper's five numbers")
    svd_dim: int = Field(default=64, gt=0, le=4096, description="TF-IDF + SVD features of the "
                         "second MAUVE")
    near_ngram: int = Field(default=3, gt=0, le=20, description="word n-grams compared for "
                            "near duplicates")
    near_threshold: float = Field(default=0.8, gt=0, le=1, description="n-gram Jaccard "
                                  "similarity at or above which two texts are near duplicates")
    near_edit_threshold: float = Field(default=0.85, gt=0, le=1, description="word edit "
                                       "similarity (1 - word Levenshtein distance / longer "
                                       "length) at or above which two texts are near "
                                       "duplicates too (metrics/leakage.py)")
    leak_flag: float = Field(default=0.05, ge=0, le=1, description="Table 2 flags a dataset "
                             "when at least this share of it repeats R-test (exactly or nearly)")
    two_sample_folds: int = Field(default=5, ge=2, le=50, description="cross-validation folds "
                                  "of the real-vs-synthetic classifier")
    self_bleu_sample: int = Field(default=100, ge=2, le=100_000, description="hypotheses of "
                                  "Self-BLEU (each against the other sampled texts); a dataset "
                                  "with fewer texts gets NaN")
    near_dup_quantile: float = Field(default=0.99, gt=0.5, lt=1, description="semantic near "
                                     "duplicates: a pair at or above this quantile of real "
                                     "texts' nearest-neighbour cosine similarity (metrics/"
                                     "embedding_space.py)")
    data_map_epochs: int = Field(default=10, ge=2, le=1000, description="epochs of the data "
                                 "map's head (metrics/label_quality.py)")
    bootstrap_resamples: int = Field(default=200, ge=10, le=100_000)
    bootstrap_level: float = Field(default=0.95, gt=0.5, lt=1)
    mauve_resamples: int = Field(default=20, ge=0, le=10_000, description="bootstrap "
                                 "resamples of MAUVE (each one more MAUVE run; 0 = no interval)")


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
