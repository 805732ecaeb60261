"""Stage evaluate: the five characteristics of every dataset of one domain, the reference row
included, in one process that loads the featurizer and the reference classifiers once.

One metrics file per dataset (data/metrics/<domain>/<model>/<decoding>.json, and
data/metrics/<domain>/reference.json), so `dvc metrics show` lists each. A metrics file
records the hash of everything it was computed from (its dataset, the reference features and
classifiers, the params it reads); a `dvc repro` after an edit recomputes only the files
whose inputs changed (dvc.yaml marks the output `persist`, so DVC leaves the others in place).
"""
from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from ..config import Params
from ..device import choose, describe
from ..layout import (features_file, metrics_dir, metrics_file, reference_classifier_dir,
                      reference_dir, reference_metrics_file, synthetic_file)
import numpy as np

from ..metrics import analyses, classifier
from ..metrics.characteristics import mean_std
from ..metrics.complexity import split_scores
from ..metrics.encoder import embed
from ..metrics.scoring import diversity_of, diversity_tokenizer, mauve_of
from ..provenance import encoder_ids, record, used_params
from ..records import read_json, read_jsonl, read_npz, write_json

log = logging.getLogger(__name__)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def inputs_hash(params: Params, domain: str, dataset: Path, model: str | None = None,
                decoding: str | None = None) -> str:
    """What a metrics file is computed from: its dataset, the domain's reference features,
    R-test and reference classifiers, and the params it reads."""
    parts = {"params": used_params(params, domain, model=model, decoding=decoding),
             "dataset": _sha(dataset), "features": _sha(features_file(domain)),
             "test": _sha(reference_dir(domain) / "test.jsonl"),
             "classifiers": _sha(reference_classifier_dir(domain) / "scores.json")}
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
        self.scores = read_json(reference_classifier_dir(domain) / "scores.json")

    def analyses_reference(self) -> analyses.Reference:
        if self._analyses is None:
            train = read_jsonl(reference_dir(self.name) / "train.jsonl")
            test = read_jsonl(reference_dir(self.name) / "test.jsonl")
            self._analyses = analyses.reference(train, test, self.spec.labels, self.params.seed)
        return self._analyses

    def reference_classifier(self, seed: int):
        if seed not in self._classifiers:
            self._classifiers[seed] = classifier.load(
                reference_classifier_dir(self.name) / f"seed-{seed}", self.device)
        return self._classifiers[seed]


def evaluate_dataset(params: Params, shared: Domain, model: str, decoding: str) -> dict:
    """The five characteristics of one synthetic dataset."""
    domain = shared.name
    rows = read_jsonl(synthetic_file(model, domain, decoding))
    if not rows:
        raise ValueError(f"{synthetic_file(model, domain, decoding)} is empty")
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    cell = f"{model}/{domain}/{decoding}"
    result = diversity_of(params, texts, cell)
    # MAUVE compares texts: an empty sample has nothing to featurize (mauve-text cannot
    # either), so it is left out there and counted; the other characteristics keep it
    written = [t for t in texts if t]
    synthetic_features = (embed(params.featurizer, written, device=shared.device)
                          if len(written) > 1 else [])
    result.update(mauve_of(params, shared.features["train"], synthetic_features))
    result["mauve_empty_dropped"] = len(texts) - len(written)
    faith, cx, perf, first = [], [], [], None
    for seed in params.classifier.seeds:
        ref_model, ref_tok = shared.reference_classifier(seed)
        predicted = classifier.predict(ref_model, ref_tok, texts, params.classifier.max_length)
        faith.append(float(np.mean(predicted == np.asarray(labels))))
        split = split_scores(params, texts, labels, len(shared.spec.labels), seed,
                             f"evaluate {cell} seed {seed}", extra_test=shared.test,
                             device=shared.device)
        cx.append(split.complexity)
        perf.append(split.performance)
        first = first or (predicted, split)
    for name, values in (("faithfulness", faith), ("complexity", cx), ("performance", perf)):
        result[name], result[f"{name}_std"] = mean_std(values)
    if params.analyses.enabled:
        result.update(analyses.synthetic(
            params, shared.analyses_reference(), texts, labels, predicted=first[0],
            holdout_correct=first[1].holdout_correct, test_correct=first[1].test_correct,
            reference_features=shared.features["train"], synthetic_features=synthetic_features,
            classifier_accuracy=shared.scores["test_accuracy"],
            tokenize=diversity_tokenizer(params)))
    decoding_spec, model_spec = params.decoding(decoding), params.model(model)
    result.update({
        "n_samples": len(rows), "empty_fraction": sum(not t for t in texts) / len(texts),
        "refused_fraction": sum(bool(r.get("refused")) for r in rows) / len(rows),
        "cut_off_fraction": sum(bool(r.get("cut_off")) for r in rows) / len(rows),
        "mean_words": sum(len(t.split()) for t in texts) / len(texts),
        "temperature": decoding_spec.temperature, "top_p": decoding_spec.top_p,
        "info": {"model": model, "domain": domain, "decoding": decoding,
                 "family": model_spec.family, "kind": "synthetic", "shots": model_spec.shots,
                 "size_b": model_spec.size_b, "prompt_id": model_spec.prompt,
                 "model_revision": rows[0].get("model_revision")},
        "provenance": record(
            used_params(params, domain, model=model, decoding=decoding),
            {"generator": f"{rows[0].get('model_path')}@{rows[0].get('model_revision')}",
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
        "mean_words": sum(len(r["text"].split()) for r in train) / len(train),
        "info": {"model": "reference", "domain": domain, "decoding": "reference",
                 "family": "reference", "kind": "reference"},
        "provenance": record(used_params(params, domain), encoder_ids(params),
                             scores.get("device", "unknown"))})
    if params.analyses.enabled:
        result.update(analyses.real(params, shared.analyses_reference(),
                                    scores["test_accuracy"], diversity_tokenizer(params)))
    return result


def _drop_stale(domain: str, keep: set[Path]) -> None:
    for path in metrics_dir(domain).glob("**/*.json"):
        if path not in keep:
            log.info("evaluate: removing %s (no longer in the grid)", path)
            path.unlink()


def run(params: Params, domain: str) -> dict:
    """Every dataset of the domain whose inputs changed; returns what was done."""
    shared = Domain(params, domain)
    jobs = [(m, c, metrics_file(m, domain, c), synthetic_file(m, domain, c))
            for m in params.grid.models for c in params.grid.decodings]
    jobs.append((None, None, reference_metrics_file(domain),
                 reference_dir(domain) / "train.jsonl"))
    _drop_stale(domain, {out for _, _, out, _ in jobs})
    done = kept = 0
    for model, decoding, out, dataset in jobs:
        key = inputs_hash(params, domain, dataset, model, decoding)
        if _up_to_date(out, key):
            kept += 1
            continue
        result = (evaluate_reference(params, shared) if model is None
                  else evaluate_dataset(params, shared, model, decoding))
        result["inputs_sha256"] = key
        write_json(out, result)
        done += 1
        log.info("evaluate %s: %s", out, {k: round(v, 3) for k, v in result.items()
                                          if isinstance(v, float)})
    summary = {"evaluated": done, "kept": kept, "classifier_loads": len(shared._classifiers)}
    log.info("evaluate %s: %d datasets evaluated, %d kept from an earlier run", domain, done, kept)
    return summary
