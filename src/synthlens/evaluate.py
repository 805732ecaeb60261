"""Stage evaluate: the five characteristics of one synthetic dataset, or of the reference
dataset itself (the reference row)."""
from __future__ import annotations

import logging
import warnings

from . import classifier, featurize
from .config import Params
from .encoder import embed, load_tokenizer, resolve
from .layout import (metrics_file, reference_classifier_dir, reference_dir,
                     reference_metrics_file, synthetic_file)
from .metrics import TooFewTokens, conformity, diversity, mean_std
from .provenance import record
from .records import read_json, read_jsonl, write_json
from .train_reference import split_complexity

log = logging.getLogger(__name__)


def diversity_of(params: Params, texts: list[str], what: str) -> dict[str, float]:
    """Diversity with the classifier backbone's tokenizer, the one fixed tokenizer of the run."""
    backbone = params.classifier.backbone
    tok = load_tokenizer(resolve(backbone), backbone.revision)
    e = params.evaluate
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TooFewTokens)
        out = diversity(texts, tok.tokenize, e.diversity_tokens, e.diversity_ngrams, params.seed)
    for w in caught:
        log.warning("%s: %s", what, w.message)
    return {"diversity": out.get("distinct_1", float("nan")), **out}


def _mauve(params: Params, reference_features, synthetic_features) -> dict[str, float]:
    e = params.evaluate
    return conformity(reference_features, synthetic_features, e.mauve_seeds, e.mauve_samples,
                      e.mauve_scaling_factor)


def _used_params(params: Params, domain: str, model: str | None = None,
                 decoding: str | None = None) -> dict:
    used = {"seed": params.seed, "domain": params.domain(domain).model_dump(),
            "featurizer": params.featurizer.model_dump(),
            "classifier": params.classifier.model_dump(), "evaluate": params.evaluate.model_dump()}
    if model:
        used.update(model=params.model(model).model_dump(), generate=params.generate.model_dump(),
                    decoding=params.decoding(decoding).model_dump(),
                    prompt=params.prompts[params.model(model).prompt])
    return used


def _encoders(params: Params) -> dict:
    return {"featurizer": f"{params.featurizer.name}@{params.featurizer.revision or 'default'}",
            "classifier": f"{params.classifier.backbone.name}@"
                          f"{params.classifier.backbone.revision or 'default'}"}


def run_cell(params: Params, model: str, domain: str, decoding: str) -> dict:
    spec = params.domain(domain)
    rows = read_jsonl(synthetic_file(model, domain, decoding))
    if not rows:
        raise ValueError(f"{synthetic_file(model, domain, decoding)} is empty")
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    test = read_jsonl(reference_dir(domain) / "test.jsonl")
    cell = f"{model}/{domain}/{decoding}"
    result = diversity_of(params, texts, cell)
    result.update(_mauve(params, featurize.load(domain)["train"], embed(params.featurizer, texts)))
    max_len = params.classifier.max_length
    faith, cx, perf = [], [], []
    for seed in params.classifier.seeds:
        ref_model, ref_tok = classifier.load(reference_classifier_dir(domain) / f"seed-{seed}")
        faith.append(classifier.accuracy(ref_model, ref_tok, texts, labels, max_len))
        c, p = split_complexity(params, texts, labels, len(spec.labels), seed,
                                f"evaluate {cell} seed {seed}",
                                extra_test=([r["text"] for r in test], [r["label"] for r in test]))
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
            _used_params(params, domain, model=model, decoding=decoding),
            {"generator": f"{rows[0].get('model_path')}@{rows[0].get('model_revision')}",
             **_encoders(params)})})
    write_json(metrics_file(model, domain, decoding), result)
    log.info("evaluate %s: %s", cell, {k: round(v, 3) for k, v in result.items()
                                        if isinstance(v, float)})
    return result


def run_reference(params: Params, domain: str) -> dict:
    train = read_jsonl(reference_dir(domain) / "train.jsonl")
    scores = read_json(reference_classifier_dir(domain) / "scores.json")
    features = featurize.load(domain)
    result = diversity_of(params, [r["text"] for r in train], f"reference {domain}")
    result.update(_mauve(params, features["train"], features["test"]))
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
        "provenance": record(_used_params(params, domain), _encoders(params))})
    write_json(reference_metrics_file(domain), result)
    log.info("evaluate reference %s: %s", domain, {k: round(v, 3) for k, v in result.items()
                                                   if isinstance(v, float)})
    return result
