"""The registry of the measures a synthetic dataset gets (MEASURES): each a name, the params
that switch it on, and a function of the dataset's view that returns the keys it adds to the
metrics file (declared in metrics/schema.py). evaluate_dataset (metrics/dataset_scores.py)
runs them in registry order on one DatasetView, whose expensive parts (the featurizer's
embeddings, the classifier runs) are computed once, on first use, and shared.

Adding a measure (docs/extending.md, "A new metric"): a pure function in its own module, one
Measure below, its keys in metrics/schema.py; tests/test_measures.py is the worked example.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import numpy as np

from ..config import Params
from . import analyses, classifier, embedding_space, label_quality, learning_curve
from .characteristics import mean_std
from .complexity import SplitScores, split_scores
from .domain_reference import Domain
from .encoder import embed
from .schema import K
from .scoring import diversity_of, diversity_tokenizer, mauve_of


@dataclass
class DatasetView:
    """One synthetic dataset as the measures see it: its texts and labels, the domain's
    reference side (shared), and what several measures need, each computed once."""
    params: Params
    shared: Domain
    texts: list[str]
    labels: list[int]
    cell: str                          # "<model>/<domain>/<dataset>", for progress and logs

    @cached_property
    def written(self) -> list[str]:
        """The non-empty texts: an empty sample has nothing to featurize (mauve-text cannot
        either), so the embedding measures leave it out; the others keep it."""
        return [t for t in self.texts if t]

    @cached_property
    def written_labels(self) -> list[int]:
        return [y for t, y in zip(self.texts, self.labels) if t]

    @cached_property
    def features(self):
        """The featurizer's embeddings of the written texts (none below two texts)."""
        if len(self.written) <= 1:
            return []
        return embed(self.params.featurizer, self.written, device=self.shared.device)

    @cached_property
    def runs(self) -> list[tuple[np.ndarray, SplitScores]]:
        """Per classifier seed: the R-train classifier's predictions on the dataset
        (faithfulness) and the split scores of a classifier trained on it (complexity,
        performance)."""
        p, shared, out = self.params, self.shared, []
        for seed in p.classifier.seeds:
            model, tok = shared.reference_classifier(seed)
            predicted = classifier.predict(model, tok, self.texts, p.classifier.max_length)
            out.append((predicted, split_scores(
                p, self.texts, self.labels, len(shared.spec.labels), seed,
                f"evaluate {self.cell} seed {seed}", extra_test=shared.test,
                device=shared.device)))
        return out


@dataclass(frozen=True)
class Measure:
    """One entry of the registry: `compute(view)` returns the keys it adds; it runs when
    `enabled(params)` is true. `refines`: keys an earlier measure wrote that this one may
    replace (the analyses' intervals make the diversity and MAUVE points the mean of their
    draws: docs/intervals.md); any other key written twice is an error."""
    name: str
    compute: Callable[[DatasetView], dict]
    enabled: Callable[[Params], bool] = lambda params: True
    refines: tuple[str, ...] = ()


def _characteristics(v: DatasetView) -> dict:
    faith = [float(np.mean(p == np.asarray(v.labels))) for p, _ in v.runs]
    out = {}
    for name, values in ((K.faithfulness, faith),
                         (K.complexity, [s.complexity for _, s in v.runs]),
                         (K.performance, [s.performance for _, s in v.runs])):
        out[name], out[f"{name}_std"] = mean_std(values)
    # > 0.9: the classifier trained on this dataset predicts one class (Table 2 flags it)
    out[K.performance_top_class_share] = max(s.test_top_share for _, s in v.runs)
    return out


def _mauve(v: DatasetView) -> dict:
    out = mauve_of(v.params, v.shared.features["train"], v.features)
    out[K.mauve_empty_dropped] = len(v.texts) - len(v.written)
    return out


def _analyses(v: DatasetView) -> dict:
    return analyses.synthetic(
        v.params, v.shared.analyses_reference(), v.texts, v.labels, predicted=v.runs[0][0],
        predicted_by_seed=[p for p, _ in v.runs],
        holdout_correct=[s.holdout_correct for _, s in v.runs],
        test_correct=[s.test_correct for _, s in v.runs],
        reference_features=v.shared.features["train"], synthetic_features=v.features,
        classifier_accuracy=v.shared.scores["test_accuracy"],
        tokenize=diversity_tokenizer(v.params))


def _embedding_space(v: DatasetView) -> dict:
    return embedding_space.embedding(v.features, v.written_labels,
                                     **v.shared.embedding_reference())


def _label_quality(v: DatasetView) -> dict:
    a = v.params.analyses
    return label_quality.label_quality(v.texts, v.labels, v.features, v.written_labels,
                                       epochs=a.data_map_epochs, seed=v.params.seed,
                                       folds=a.two_sample_folds)


def curve(params: Params, shared: Domain, texts: list[str], labels: list[int]) -> dict:
    """Accuracy on R-test at each of learning_curve.sizes training samples of a dataset
    (synthetic datasets and the reference row)."""
    lc = params.learning_curve
    if not lc.sizes:
        return {}
    fit = (learning_curve.tfidf_fit_predict(seed=params.seed) if lc.backbone == "tfidf" else
           learning_curve.backbone_fit_predict(spec=params.classifier,
                                               num_labels=len(shared.spec.labels),
                                               seed=params.seed, device=shared.device))
    return {K.learning_curve: learning_curve.learning_curve(
        texts=texts, labels=labels, test_texts=shared.test[0], test_labels=shared.test[1],
        sizes=lc.sizes, seed=params.seed, fit_predict=fit)}


def _analyses_on(params: Params) -> bool:
    return params.analyses.enabled


# In this order (the order of the metrics file's keys). The first three are the paper's five
# characteristics; the rest are the field's measures beside them (docs/measures.md).
MEASURES: list[Measure] = [
    Measure(K.diversity, lambda v: diversity_of(v.params, v.texts, v.cell)),
    Measure(K.mauve, _mauve),
    Measure("classifier characteristics", _characteristics),
    Measure("analyses", _analyses, _analyses_on, refines=(K.diversity, K.mauve, K.mauve_std)),
    Measure("embedding space", _embedding_space, _analyses_on),
    Measure("label quality", _label_quality, _analyses_on),
    Measure("learning curve", lambda v: curve(v.params, v.shared, v.texts, v.labels),
            lambda params: bool(params.learning_curve.sizes)),
]


def measure_all(view: DatasetView, measures: list[Measure] | None = None) -> dict:
    """Every enabled measure of the registry (or of `measures`) on one dataset; a key written
    by two measures is an error, not an overwrite, unless the later one `refines` it."""
    out: dict = {}
    for m in MEASURES if measures is None else measures:
        if not m.enabled(view.params):
            continue
        added = m.compute(view)
        clash = sorted(set(added) & set(out) - set(m.refines))
        if clash:
            raise ValueError(f"measure {m.name!r} writes keys another measure wrote: {clash}")
        out.update(added)
    return out
