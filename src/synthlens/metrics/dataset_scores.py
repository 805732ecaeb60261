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
from . import analyses, classifier, embedding_space, label_quality, learning_curve
from .characteristics import mean_std, stratified_subsample
from .complexity import split_scores, top_class_share
from .domain_reference import Domain
from .encoder import embed
from .metrics_files import Job
from .scoring import diversity_of, diversity_tokenizer, mauve_of
from .two_sample import two_sample_auc


def curve(params: Params, shared: Domain, texts: list[str], labels: list[int]) -> dict:
    """Accuracy on R-test at each of learning_curve.sizes training samples of a dataset."""
    lc = params.learning_curve
    if not lc.sizes:
        return {}
    fit = (learning_curve.tfidf_fit_predict(seed=params.seed) if lc.backbone == "tfidf" else
           learning_curve.backbone_fit_predict(spec=params.classifier,
                                               num_labels=len(shared.spec.labels),
                                               seed=params.seed, device=shared.device))
    return {"learning_curve": learning_curve.learning_curve(
        texts=texts, labels=labels, test_texts=shared.test[0], test_labels=shared.test[1],
        sizes=lc.sizes, seed=params.seed, fit_predict=fit)}


def evaluate_dataset(params: Params, shared: Domain, job: Job) -> dict:
    """The five characteristics of one synthetic dataset (a grid cell, a template variant or
    a mixture)."""
    rows = read_jsonl(job.dataset)
    if not rows:
        raise ValueError(f"{job.dataset} is empty")
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    cell = f"{job.info['model']}/{shared.name}/{job.info['decoding']}"
    result = diversity_of(params, texts, cell)
    # MAUVE compares texts: an empty sample has nothing to featurize (mauve-text cannot
    # either), so it is left out there and counted; the other characteristics keep it
    written = [t for t in texts if t]
    synthetic_features = (embed(params.featurizer, written, device=shared.device)
                          if len(written) > 1 else [])
    result.update(mauve_of(params, shared.features["train"], synthetic_features))
    result["mauve_empty_dropped"] = len(texts) - len(written)
    faith, cx, perf, shares, runs = [], [], [], [], []
    for seed in params.classifier.seeds:
        ref_model, ref_tok = shared.reference_classifier(seed)
        predicted = classifier.predict(ref_model, ref_tok, texts, params.classifier.max_length)
        faith.append(float(np.mean(predicted == np.asarray(labels))))
        split = split_scores(params, texts, labels, len(shared.spec.labels), seed,
                             f"evaluate {cell} seed {seed}", extra_test=shared.test,
                             device=shared.device)
        cx.append(split.complexity)
        perf.append(split.performance)
        shares.append(split.test_top_share)
        runs.append((predicted, split))  # every seed's, for the intervals
    for name, values in (("faithfulness", faith), ("complexity", cx), ("performance", perf)):
        result[name], result[f"{name}_std"] = mean_std(values)
    # > 0.9: the classifier trained on this dataset predicts one class (Table 2 flags it)
    result["performance_top_class_share"] = max(shares)
    if params.analyses.enabled:
        result.update(analyses.synthetic(
            params, shared.analyses_reference(), texts, labels, predicted=runs[0][0],
            predicted_by_seed=[p for p, _ in runs],
            holdout_correct=[s.holdout_correct for _, s in runs],
            test_correct=[s.test_correct for _, s in runs],
            reference_features=shared.features["train"], synthetic_features=synthetic_features,
            classifier_accuracy=shared.scores["test_accuracy"],
            tokenize=diversity_tokenizer(params)))
        written_labels = [y for t, y in zip(texts, labels) if t]
        result.update(embedding_space.embedding(synthetic_features, written_labels,
                                                **shared.embedding_reference()))
        result.update(label_quality.label_quality(
            texts, labels, synthetic_features, written_labels,
            epochs=params.analyses.data_map_epochs, seed=params.seed,
            folds=params.analyses.two_sample_folds))
    result.update(curve(params, shared, texts, labels))
    base = job.info.get("base_decoding")
    decoding_spec = params.decoding(base) if base else None
    generators = sorted({f"{r.get('model_path')}@{r.get('model_revision')}" for r in rows})
    result.update({
        "n_samples": len(rows), "empty_fraction": sum(not t for t in texts) / len(texts),
        "refused_fraction": sum(bool(r.get("refused")) for r in rows) / len(rows),
        "cut_off_fraction": sum(bool(r.get("cut_off")) for r in rows) / len(rows),
        "mean_words": sum(len(t.split()) for t in texts) / len(texts),
        "temperature": decoding_spec.temperature if decoding_spec else None,
        "top_p": decoding_spec.top_p if decoding_spec else None,
        "info": {**job.info, "model_revision": rows[0].get("model_revision")},
        "provenance": record(job.used, {"generator": ", ".join(generators),
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
        "faithfulness": scores["test_accuracy"], "faithfulness_std": scores["test_accuracy_std"],
        "performance": scores["test_accuracy"], "performance_std": scores["test_accuracy_std"],
        "complexity": scores["complexity"], "complexity_std": scores["complexity_std"],
        "n_samples": len(train), "empty_fraction": 0.0,
        "performance_top_class_share": reference_top_class_share(params, shared),
        "mean_words": sum(len(r["text"].split()) for r in train) / len(train),
        "info": {"model": "reference", "domain": domain, "decoding": "reference",
                 "family": "reference", "kind": "reference"},
        "provenance": record(used_params(params, domain), encoder_ids(params),
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
                                         ("diversity", "mauve", "complexity", "performance",
                                          "performance_top_class_share")}
    for d in range(params.evaluate.reference_draws):
        seed = params.seed + d
        idx = stratified_subsample(labels, min(n, len(train)), seed)
        texts, ys = [train[i]["text"] for i in idx], [labels[i] for i in idx]
        per_draw["diversity"].append(
            diversity_of(params, texts, f"reference {shared.name} n={n}")["diversity"])
        real = random.Random(seed).sample(test_texts, min(n, len(test_texts)))
        per_draw["mauve"].append(mauve_of(params, shared.features["train"], embed(
            params.featurizer, real, device=shared.device))["mauve"])
        for c_seed in params.classifier.seeds:
            split = split_scores(params, texts, ys, len(shared.spec.labels), c_seed,
                                 f"evaluate reference {shared.name} n={n} draw {d}",
                                 extra_test=shared.test, device=shared.device)
            per_draw["complexity"].append(split.complexity)
            per_draw["performance"].append(split.performance)
            per_draw["performance_top_class_share"].append(split.test_top_share)
    result = {}
    for name, values in per_draw.items():
        result[name], result[f"{name}_std"] = mean_std(values)
    result["performance_top_class_share"] = max(per_draw["performance_top_class_share"])
    if params.analyses.enabled:
        result.update(real_ceiling(params, shared, train, n))
    scores = shared.scores
    result.update({
        "faithfulness": scores["test_accuracy"], "faithfulness_std": scores["test_accuracy_std"],
        "per_draw": per_draw, "draws": params.evaluate.reference_draws,
        "n_samples": min(n, len(train)),
        "info": {"model": "reference", "domain": shared.name, "decoding": f"reference_n{n}",
                 "family": "reference", "kind": "reference_sized", "n": n},
        "provenance": record(used_params(params, shared.name), encoder_ids(params),
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
    out["two_sample_auc"] = two_sample_auc(
        reference_texts=[train[i]["text"] for i in index[shared.train_side]],
        synthetic_texts=texts, seed=params.seed,
        folds=params.analyses.two_sample_folds)
    return out
