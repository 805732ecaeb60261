"""The five characteristics (and the field's measures beside them) of one dataset of a domain:
a synthetic dataset (a grid cell, a template variant, a mixture), the reference row (R-train)
and the reference row at the synthetic size (draws of R-train). Each function returns the
metrics file's content; metrics/metrics_files.py decides which files need it."""
from __future__ import annotations

import random

import numpy as np

from ..config import Params
from ..device import describe
from ..layout import reference_dir
from ..provenance import encoder_ids, record, used_params
from ..records import read_jsonl
from . import analyses, classifier, embedding_space, label_quality
from .characteristics import mean_std, stratified_subsample
from .complexity import split_scores, top_class_share
from .domain_reference import Domain
from .encoder import embed
from .measures import DatasetView, curve, measure_all
from .metrics_files import Job
from .schema import K
from .scoring import diversity_of, diversity_tokenizer, mauve_of
from .two_sample import two_sample_auc


def evaluate_dataset(params: Params, shared: Domain, job: Job) -> dict:
    """The metrics file of one synthetic dataset (a grid cell, a template variant or a
    mixture): every measure of the registry (metrics/measures.py), then what the dataset is
    (sizes, shares, decoding, info, provenance)."""
    rows = read_jsonl(job.dataset)
    if not rows:
        raise ValueError(f"{job.dataset} is empty")
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    cell = f"{job.info['model']}/{shared.name}/{job.info['decoding']}"
    result = measure_all(DatasetView(params, shared, texts, labels, cell))
    base = job.info.get("base_decoding")
    decoding_spec = params.decoding(base) if base else None
    generators = sorted({f"{r.get('model_path')}@{r.get('model_revision')}" for r in rows})
    result.update({
        K.n_samples: len(rows), K.empty_fraction: sum(not t for t in texts) / len(texts),
        K.refused_fraction: sum(bool(r.get("refused")) for r in rows) / len(rows),
        K.cut_off_fraction: sum(bool(r.get("cut_off")) for r in rows) / len(rows),
        K.mean_words: sum(len(t.split()) for t in texts) / len(texts),
        K.temperature: decoding_spec.temperature if decoding_spec else None,
        K.top_p: decoding_spec.top_p if decoding_spec else None,
        K.info: {**job.info, "model_revision": rows[0].get("model_revision")},
        K.provenance: record(job.used, {"generator": ", ".join(generators),
                                        **encoder_ids(params)}, describe(shared.device))})
    return result


def evaluate_reference(params: Params, shared: Domain) -> dict:
    """The reference row: the five characteristics of R-train itself. The R-train classifier
    on R-test stands for faithfulness and performance; complexity comes from a split of
    R-train (both computed by train_reference)."""
    domain = shared.name
    train = read_jsonl(reference_dir(domain) / "train.jsonl")
    scores = shared.scores
    result = diversity_of(params, [r["text"] for r in train], f"reference {domain}")
    result.update(mauve_of(params, shared.features["train"], shared.features["test"]))
    result.update({
        K.faithfulness: scores["test_accuracy"], K.faithfulness_std: scores["test_accuracy_std"],
        K.performance: scores["test_accuracy"], K.performance_std: scores["test_accuracy_std"],
        K.complexity: scores[K.complexity], K.complexity_std: scores[K.complexity_std],
        K.n_samples: len(train), K.empty_fraction: 0.0,
        K.performance_top_class_share: reference_top_class_share(params, shared),
        K.mean_words: sum(len(r["text"].split()) for r in train) / len(train),
        K.info: {"model": "reference", "domain": domain, "decoding": "reference",
                 "family": "reference", "kind": "reference"},
        K.provenance: record(used_params(params, domain), encoder_ids(params),
                             scores.get("device", "unknown"))})
    if params.analyses.enabled:
        result.update(analyses.real(params, shared.analyses_reference(),
                                    scores["test_accuracy"], diversity_tokenizer(params),
                                    shared.features["train"], shared.features["test"]))
    result.update(curve(params, shared, [r["text"] for r in train], [r["label"] for r in train]))
    return result


def reference_top_class_share(params: Params, shared: Domain) -> float:
    """The R-train classifiers' (faithfulness's) largest predicted-class share on R-test."""
    return max(top_class_share(classifier.predict(*shared.reference_classifier(seed),
                                                  shared.test[0], params.classifier.max_length))
               for seed in params.classifier.seeds)


def evaluate_reference_sized(params: Params, shared: Domain, n: int) -> dict:
    """The reference row at the synthetic datasets' size n: evaluate.reference_draws stratified
    draws of n R-train texts, each scored as a synthetic dataset is (diversity on the draw;
    complexity and performance from the same split and training budget; MAUVE of n R-test
    texts against the same R-train features, the real-vs-real value at this size), mean and
    spread over the draws. Faithfulness is the R-train classifier's R-test accuracy, as in the
    full reference row (the draw is its training data)."""
    train = read_jsonl(reference_dir(shared.name) / "train.jsonl")
    labels = [r["label"] for r in train]
    test_texts = [t for t in shared.test[0] if t]
    per_draw: dict[str, list[float]] = {k: [] for k in
                                         (K.diversity, K.mauve, K.complexity, K.performance,
                                          K.performance_top_class_share)}
    for d in range(params.evaluate.reference_draws):
        seed = params.seed + d
        idx = stratified_subsample(labels, min(n, len(train)), seed)
        texts, ys = [train[i]["text"] for i in idx], [labels[i] for i in idx]
        per_draw[K.diversity].append(
            diversity_of(params, texts, f"reference {shared.name} n={n}")[K.diversity])
        real = random.Random(seed).sample(test_texts, min(n, len(test_texts)))
        per_draw[K.mauve].append(mauve_of(params, shared.features["train"], embed(
            params.featurizer, real, device=shared.device))[K.mauve])
        for c_seed in params.classifier.seeds:
            split = split_scores(params, texts, ys, len(shared.spec.labels), c_seed,
                                 f"evaluate reference {shared.name} n={n} draw {d}",
                                 extra_test=shared.test, device=shared.device)
            per_draw[K.complexity].append(split.complexity)
            per_draw[K.performance].append(split.performance)
            per_draw[K.performance_top_class_share].append(split.test_top_share)
    result = {}
    for name, values in per_draw.items():
        result[name], result[f"{name}_std"] = mean_std(values)
    result[K.performance_top_class_share] = max(per_draw[K.performance_top_class_share])
    if params.analyses.enabled:
        result.update(real_ceiling(params, shared, train, n))
    scores = shared.scores
    result.update({
        K.faithfulness: scores["test_accuracy"], K.faithfulness_std: scores["test_accuracy_std"],
        K.per_draw: per_draw, K.draws: params.evaluate.reference_draws,
        K.n_samples: min(n, len(train)),
        K.info: {"model": "reference", "domain": shared.name, "decoding": f"reference_n{n}",
                 "family": "reference", "kind": "reference_sized", "n": n},
        K.provenance: record(used_params(params, shared.name), encoder_ids(params),
                             describe(shared.device))})
    return result


def real_ceiling(params: Params, shared: Domain, train: list[dict], n: int) -> dict:
    """The real-vs-real values at the synthetic size: the embedding-space measures, the label
    quality (label issues, data map) and the two-sample AUC of n real R-train texts that the distance-to-closest-record side does not
    hold (a seeded draw of Domain.train_rest), against that side and R-test as every dataset
    is measured."""
    index = shared.features["train_index"]
    rng = np.random.default_rng(params.seed)
    pick = np.sort(rng.choice(shared.train_rest, min(n, len(shared.train_rest)), replace=False))
    texts = [train[i]["text"] for i in index[pick]]
    labels = [train[i]["label"] for i in index[pick]]
    features = shared.features["train"][pick]
    out = embedding_space.embedding(features, labels, **shared.embedding_reference())
    out.update(label_quality.label_quality(texts, labels, features, labels,
                                           epochs=params.analyses.data_map_epochs,
                                           seed=params.seed,
                                           folds=params.analyses.two_sample_folds))
    out[K.two_sample_auc] = two_sample_auc(
        reference_texts=[train[i]["text"] for i in index[shared.train_side]],
        synthetic_texts=texts, seed=params.seed,
        folds=params.analyses.two_sample_folds)
    return out
