"""Stage evaluate: the five characteristics of every dataset of one domain, the reference row
included, in one process that loads the featurizer and the reference classifiers once.

One metrics file per dataset (data/metrics/<domain>/<model>/<decoding>.json, and
data/metrics/<domain>/reference.json; `make compare` reads every number). A metrics file
records the hash of everything it was computed from (its dataset, the reference features and
classifiers, the params it reads, and the code: CODE, hashed); a `dvc repro` after an edit
recomputes only the files whose inputs changed, and after an edit of the metrics code all of them (dvc.yaml marks the output `persist`, so DVC leaves the others in place).
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import Params
from ..device import choose, describe
from ..layout import (features_file, human_labels_file, metrics_dir, metrics_file, mixture_file,
                      reference_classifier_dir, reference_dir, reference_metrics_file,
                      sized_reference_metrics_file, synthetic_file)
from ..metrics import analyses, classifier, embedding_space, label_quality, learning_curve
from ..metrics.characteristics import mean_std, stratified_subsample
from ..metrics.complexity import split_scores, top_class_share
from ..metrics.encoder import embed
from ..metrics.human_labels import human_label_metrics
from ..metrics.scoring import diversity_of, diversity_tokenizer, mauve_of
from ..metrics.two_sample import two_sample_auc
from ..provenance import code_sha256, encoder_ids, record, used_params
from ..records import read_json, read_jsonl, read_npz, write_json

log = logging.getLogger(__name__)
# The code behind every metrics file: exactly evaluate's code deps in dvc.yaml (a test checks).
CODE = ("stages/evaluate.py", "metrics", "provenance.py")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Job:
    """One dataset of the domain to evaluate: where it is, where its metrics go, what it is
    (the metrics file's info) and the params it depends on."""
    dataset: Path
    out: Path
    info: dict
    used: dict


def jobs_of(params: Params, domain: str) -> list[Job]:
    """Every dataset of a domain: the grid's cells and template variants of each model
    (Params.datasets), the mixtures (stage mix), and last the reference row (R-train)."""
    jobs = []
    for model in params.grid.models:
        spec = params.model(model)
        for d, name, decoding, prompt in params.datasets(model):
            if d != domain:
                continue
            used = used_params(params, domain, model=model, decoding=decoding)
            used.update(prompt=params.prompts[prompt], attributes=params.attributes)
            jobs.append(Job(synthetic_file(model, domain, name), metrics_file(model, domain, name),
                            {"model": model, "domain": domain, "decoding": name,
                             "base_decoding": decoding, "family": spec.family,
                             "kind": "synthetic" if name == decoding else "template",
                             "shots": spec.shots, "size_b": spec.size_b, "prompt_id": prompt},
                            used))
    for name, mix in params.active_mixtures().items():
        jobs.append(Job(mixture_file(name, domain), metrics_file(name, domain, "mixture"),
                        {"model": name, "domain": domain, "decoding": "mixture",
                         "family": "mixture", "kind": "mixture", "shots": 0,
                         "members": [f"{m.model}/{m.decoding}" for m in mix.members]},
                        {**used_params(params, domain), "mixture": mix.model_dump()}))
    jobs.append(Job(reference_dir(domain) / "train.jsonl", reference_metrics_file(domain),
                    {"model": "reference", "domain": domain, "decoding": "reference",
                     "family": "reference", "kind": "reference"}, used_params(params, domain)))
    if params.evaluate.reference_draws:  # the real row like for like: the synthetic size
        n = params.samples_per_label(domain) * len(params.domain(domain).labels)
        jobs.append(Job(reference_dir(domain) / "train.jsonl",
                        sized_reference_metrics_file(domain, n),
                        {"model": "reference", "domain": domain, "decoding": f"reference_n{n}",
                         "family": "reference", "kind": "reference_sized", "n": n},
                        used_params(params, domain)))
    return jobs


def domain_inputs(domain: str) -> dict[str, str]:
    """The hashes of what every dataset of a domain is scored against: the reference
    features, R-test and the reference classifiers (hashed once per run)."""
    return {"features": _sha(features_file(domain)),
            "test": _sha(reference_dir(domain) / "test.jsonl"),
            "classifiers": _sha(reference_classifier_dir(domain) / "scores.json")}


def inputs_hash(shared: dict[str, str], dataset: Path, used: dict,
                labels: Path | None = None) -> str:
    """What a metrics file is computed from: its dataset, the domain's shared inputs
    (domain_inputs), the params it reads, and imported human labels."""
    parts = {"params": used,
             "human_labels": _sha(labels) if labels is not None and labels.is_file() else None,
             "dataset": _sha(dataset), **shared}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _up_to_date(path: Path, key: str) -> bool:
    try:
        return read_json(path).get("inputs_sha256") == key
    except (OSError, ValueError):
        return False


class Domain:
    """A domain's shared inputs, each loaded once and only when a dataset needs it."""

    def __init__(self, params: Params, domain: str):
        self.params, self.name, self.spec = params, domain, params.domain(domain)
        self.device = choose(params.require_gpu)
        self.features = read_npz(features_file(domain))
        test = read_jsonl(reference_dir(domain) / "test.jsonl")
        self.test = ([r["text"] for r in test], [r["label"] for r in test])
        self._classifiers: dict[int, tuple] = {}
        self._analyses: analyses.Reference | None = None
        self._embedding: dict | None = None
        self.scores = read_json(reference_classifier_dir(domain) / "scores.json")
        # the R-train feature rows the distance to the closest record compares with, and the
        # rest (real text neither side holds: the reference_n row's draw)
        self.train_side, self.train_rest = embedding_space.holdout_sized_split(
            len(self.features["train"]), len(self.features["test"]), params.seed)

    def analyses_reference(self) -> analyses.Reference:
        if self._analyses is None:
            train = read_jsonl(reference_dir(self.name) / "train.jsonl")
            test = read_jsonl(reference_dir(self.name) / "test.jsonl")
            self._analyses = analyses.reference(train, test, self.spec.labels, self.params.seed)
        return self._analyses

    def embedding_reference(self) -> dict:
        """The real side of the embedding-space measures, as embedding_space.embedding takes
        it: R-train's holdout-sized side, R-test, and the near-duplicate thresholds calibrated
        on the R-train pool and R-test at the synthetic datasets' size (once per domain)."""
        if self._embedding is None:
            train, test = self.features["train"], self.features["test"]
            n = self.params.samples_per_label(self.name) * len(self.spec.labels)
            limits = embedding_space.thresholds(train, test, n,
                                                self.params.analyses.near_dup_quantile,
                                                self.params.seed)
            self._embedding = {"train_side": train[self.train_side], "test": test,
                               "limits": limits, "seed": self.params.seed}
        return self._embedding

    def reference_classifier(self, seed: int):
        if seed not in self._classifiers:
            self._classifiers[seed] = classifier.load(
                reference_classifier_dir(self.name) / f"seed-{seed}", self.device)
        return self._classifiers[seed]


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
    import random

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


def _drop_stale(domain: str, keep: set[Path]) -> None:
    for path in metrics_dir(domain).glob("**/*.json"):
        if path not in keep:
            log.info("evaluate: removing %s (no longer in the grid)", path)
            path.unlink()


def run(params: Params, domain: str) -> dict:
    """Every dataset of the domain whose inputs changed; returns what was done."""
    shared = Domain(params, domain)
    jobs = jobs_of(params, domain)
    _drop_stale(domain, {job.out for job in jobs})
    hashed = {**domain_inputs(domain), "code": code_sha256(*CODE)}
    done = kept = 0
    for job in jobs:
        labels = (human_labels_file(job.info["model"], domain, job.info["decoding"])
                  if job.info["kind"] in ("synthetic", "template") else None)
        key = inputs_hash(hashed, job.dataset, job.used, labels)
        if _up_to_date(job.out, key):
            kept += 1
            continue
        kind = job.info["kind"]
        result = (evaluate_reference(params, shared) if kind == "reference" else
                  evaluate_reference_sized(params, shared, job.info["n"])
                  if kind == "reference_sized" else evaluate_dataset(params, shared, job))
        if labels is not None:  # make label-import: people's labels next to faithfulness
            result.update(human_label_metrics(domain, job.info["model"], job.info["decoding"])
                          or {})
        result["inputs_sha256"] = key
        out = job.out
        write_json(out, result)
        done += 1
        log.info("evaluate %s: %s", out, {k: round(v, 3) for k, v in result.items()
                                          if isinstance(v, float)})
    summary = {"evaluated": done, "kept": kept, "classifier_loads": len(shared._classifiers)}
    log.info("evaluate %s: %d datasets evaluated, %d kept from an earlier run", domain, done, kept)
    return summary
