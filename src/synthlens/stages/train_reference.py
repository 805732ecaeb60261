"""Stage train_reference: the classifier trained on R-train (behind faithfulness and the
reference row), and the reference dataset's own complexity, one per classifier seed."""
from __future__ import annotations

import logging

from ..config import Params
from ..device import choose, describe
from ..layout import reference_classifier_dir, reference_dir
from ..metrics import classifier
from ..metrics.characteristics import mean_std
from ..metrics.complexity import split_complexity
from ..records import read_jsonl, write_json

log = logging.getLogger(__name__)


def run(params: Params, domain: str) -> None:
    spec = params.domain(domain)
    train = read_jsonl(reference_dir(domain) / "train.jsonl")
    test = read_jsonl(reference_dir(domain) / "test.jsonl")
    texts, labels = [r["text"] for r in train], [r["label"] for r in train]
    test_texts, test_labels = [r["text"] for r in test], [r["label"] for r in test]
    out = reference_classifier_dir(domain)
    device = choose(params.require_gpu)
    per_seed = []
    for seed in params.classifier.seeds:
        model, tok = classifier.train_classifier(params.classifier, texts, labels,
                                                 len(spec.labels), seed,
                                                 f"train_reference {domain} seed {seed}",
                                                 device=device)
        classifier.save(model, tok, out / f"seed-{seed}")
        acc = classifier.accuracy(model, tok, test_texts, test_labels, params.classifier.max_length)
        complexity, _ = split_complexity(params, texts, labels, len(spec.labels), seed,
                                         f"reference complexity {domain} seed {seed}",
                                         device=device)
        per_seed.append({"seed": seed, "test_accuracy": acc, "complexity": complexity})
        log.info("train_reference %s seed %d: R-test accuracy %.3f, complexity %.3f",
                 domain, seed, acc, complexity)
    acc_mean, acc_std = mean_std([s["test_accuracy"] for s in per_seed])
    cx_mean, cx_std = mean_std([s["complexity"] for s in per_seed])
    write_json(out / "scores.json", {"domain": domain, "test_accuracy": acc_mean,
                                     "test_accuracy_std": acc_std, "complexity": cx_mean,
                                     "complexity_std": cx_std, "per_seed": per_seed,
                                     "device": describe(device)})
