"""Stage evaluate: the five characteristics of one synthetic dataset (one cell of the grid)."""
from __future__ import annotations

import logging

from ..config import Params
from ..device import choose, describe
from ..layout import (features_file, metrics_file, reference_classifier_dir, reference_dir,
                      synthetic_file)
from ..metrics import classifier
from ..metrics.characteristics import mean_std
from ..metrics.complexity import split_complexity
from ..metrics.encoder import embed
from ..metrics.scoring import diversity_of, mauve_of
from ..provenance import encoder_ids, record, used_params
from ..records import read_jsonl, read_npz, write_json

log = logging.getLogger(__name__)


def run(params: Params, model: str, domain: str, decoding: str) -> dict:
    spec = params.domain(domain)
    rows = read_jsonl(synthetic_file(model, domain, decoding))
    if not rows:
        raise ValueError(f"{synthetic_file(model, domain, decoding)} is empty")
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    test = read_jsonl(reference_dir(domain) / "test.jsonl")
    cell = f"{model}/{domain}/{decoding}"
    device = choose(params.require_gpu)
    result = diversity_of(params, texts, cell)
    reference_features = read_npz(features_file(domain))["train"]
    result.update(mauve_of(params, reference_features, embed(params.featurizer, texts, device=device)))
    max_len = params.classifier.max_length
    faith, cx, perf = [], [], []
    for seed in params.classifier.seeds:
        ref_model, ref_tok = classifier.load(reference_classifier_dir(domain) / f"seed-{seed}",
                                           device)
        faith.append(classifier.accuracy(ref_model, ref_tok, texts, labels, max_len))
        c, p = split_complexity(params, texts, labels, len(spec.labels), seed,
                                f"evaluate {cell} seed {seed}",
                                extra_test=([r["text"] for r in test], [r["label"] for r in test]),
                                device=device)
        cx.append(c)
        perf.append(p)
    for name, values in (("faithfulness", faith), ("complexity", cx), ("performance", perf)):
        result[name], result[f"{name}_std"] = mean_std(values)
    decoding_spec = params.decoding(decoding)
    result.update({
        "n_samples": len(rows), "empty_fraction": sum(not t for t in texts) / len(texts),
        "mean_words": sum(len(t.split()) for t in texts) / len(texts),
        "temperature": decoding_spec.temperature, "top_p": decoding_spec.top_p,
        "info": {"model": model, "domain": domain, "decoding": decoding,
                 "family": params.model(model).family, "kind": "synthetic",
                 "shots": params.model(model).shots, "size_b": params.model(model).size_b,
                 "prompt_id": params.model(model).prompt,
                 "model_revision": rows[0].get("model_revision")},
        "provenance": record(
            used_params(params, domain, model=model, decoding=decoding),
            {"generator": f"{rows[0].get('model_path')}@{rows[0].get('model_revision')}",
             **encoder_ids(params)}, describe(device))})
    write_json(metrics_file(model, domain, decoding), result)
    log.info("evaluate %s: %s", cell, {k: round(v, 3) for k, v in result.items()
                                        if isinstance(v, float)})
    return result
