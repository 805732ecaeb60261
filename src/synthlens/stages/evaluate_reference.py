"""Stage evaluate_reference: the reference row of a domain, the five characteristics of the
reference dataset itself."""
from __future__ import annotations

import logging

from ..config import Params
from ..layout import features_file, reference_classifier_dir, reference_dir, reference_metrics_file
from ..metrics.scoring import diversity_of, mauve_of
from ..provenance import encoder_ids, record, used_params
from ..records import read_json, read_jsonl, read_npz, write_json

log = logging.getLogger(__name__)


def run(params: Params, domain: str) -> dict:
    train = read_jsonl(reference_dir(domain) / "train.jsonl")
    scores = read_json(reference_classifier_dir(domain) / "scores.json")
    features = read_npz(features_file(domain))
    result = diversity_of(params, [r["text"] for r in train], f"reference {domain}")
    result.update(mauve_of(params, features["train"], features["test"]))
    # The reference row: the R-train classifier on held-out real data stands for both
    # faithfulness and performance; complexity comes from a split of R-train.
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
    write_json(reference_metrics_file(domain), result)
    log.info("evaluate reference %s: %s", domain, {k: round(v, 3) for k, v in result.items()
                                                   if isinstance(v, float)})
    return result
