"""Issue 8, "one model load per model per dvc repro", counted: generate loads a generator once
for all its cells (and not at all when nothing changed), evaluate@<model> loads the featurizer
and each reference classifier once for all the model's datasets of a domain, and never for
another model's; an edit recomputes only what it touches. In-process stage runs on tiny local models in a scratch directory."""
import random

import pytest
from transformers import AutoModel, AutoModelForCausalLM, AutoModelForSequenceClassification

from synthlens.config import Params
from synthlens.layout import (generator_dir, metrics_file, reference_classifier_dir,
                              reference_dir, reference_metrics_file, synthetic_file)
from synthlens.records import read_json, read_jsonl, write_jsonl
from synthlens.stages import (evaluate, evaluate_reference, featurize, generate, prepare,
                              second_opinion, train_reference)

from conftest import load_builtin_params
from tiny_models import save_causal_lm, save_classifier_backbone, save_featurizer

DOMAINS, DECODINGS = ["reviews", "news"], ["t1_0", "p0_9"]


def count_loads(monkeypatch, auto_class) -> list[str]:
    """Patch auto_class.from_pretrained to note the path of every load; returns the list."""
    real, seen = auto_class.from_pretrained, []

    def counting(path, *args, **kwargs):
        seen.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(auto_class, "from_pretrained", counting)
    return seen


def raw_params() -> dict:
    """The shipped params on the builtin fixture (conftest.builtin_fixture), made small."""
    raw = load_builtin_params()
    for d in DOMAINS:
        raw["domains"][d].update(samples_per_label=2, n_train=40, n_test=20)
    raw["generate"].update(max_new_tokens=6, batch_size=8, shard_size=8)
    # the grid's cells only: no template variants, mixtures or probe (tests of their own)
    raw["templates"], raw["mixtures"] = {}, {}
    raw["probe"]["enabled"] = False
    return raw


def snapshot(paths) -> dict:
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths}


# ---------------------------------------------------------------------------- generate
@pytest.fixture
def local_model(tmp_path, monkeypatch):
    """A tiny GPT-2 saved as local weights (source: local), params naming it in the grid."""
    monkeypatch.chdir(tmp_path)
    path = save_causal_lm("gpt2", tmp_path / "weights")
    raw = raw_params()
    raw["models"]["tiny"] = {"family": "vanilla", "source": "local", "path": str(path),
                             "prompt": "completion"}
    raw["grid"] = {"models": ["tiny"], "domains": DOMAINS, "decodings": DECODINGS}
    return raw, str(path)


def test_generate_loads_a_local_model_once_and_only_when_a_cell_changed(local_model,
                                                                         monkeypatch):
    raw, path = local_model
    loads = count_loads(monkeypatch, AutoModelForCausalLM)
    cells = {(d, c): synthetic_file("tiny", d, c) for d in DOMAINS for c in DECODINGS}

    done = generate.run(Params.model_validate(raw), "tiny")
    assert done == {"generated": 4, "kept": 0, "model_loads": 1}
    assert loads == [path]
    for (domain, decoding), file in cells.items():
        rows = read_jsonl(file)
        # 2 labels x 2 (reviews), 4 labels x 2 (news): the domains' own samples_per_label
        assert len(rows) == 2 * len(raw["domains"][domain]["labels"])
        assert {(r["domain"], r["decoding"]) for r in rows} == {(domain, decoding)}
    first = snapshot(cells.values())

    # nothing changed: no load, no generation, every file untouched
    done = generate.run(Params.model_validate(raw), "tiny")
    assert done == {"generated": 0, "kept": 4, "model_loads": 0}
    assert loads == [path]
    assert snapshot(cells.values()) == first

    # one decoding's temperature edited: that decoding's cells only, one load
    raw["decodings"]["t1_0"]["temperature"] = 1.3
    done = generate.run(Params.model_validate(raw), "tiny")
    assert done == {"generated": 2, "kept": 2, "model_loads": 1}
    assert loads == [path, path]
    now = snapshot(cells.values())
    for (domain, decoding), file in cells.items():
        if decoding == "p0_9":
            assert now[file] == first[file], file
        else:
            assert now[file][1] != first[file][1], file
            assert {r["temperature"] for r in read_jsonl(file)} == {1.3}


def test_a_pipeline_trained_generator_loads_once_per_domain(tmp_path, monkeypatch):
    """gpt2-mini is one model per domain (data/generators/gpt2-mini/<domain>)."""
    monkeypatch.chdir(tmp_path)
    for domain in DOMAINS:
        save_causal_lm("gpt2", generator_dir("gpt2-mini") / domain)
    raw = raw_params()
    raw["grid"] = {"models": ["gpt2-mini"], "domains": DOMAINS, "decodings": DECODINGS}
    loads = count_loads(monkeypatch, AutoModelForCausalLM)
    done = generate.run(Params.model_validate(raw), "gpt2-mini")
    assert done == {"generated": 4, "kept": 0, "model_loads": 2}
    assert sorted(loads) == sorted(str(generator_dir("gpt2-mini") / d) for d in DOMAINS)


# ---------------------------------------------------------------------------- evaluate
MODELS = ["gpt2-mini", "smollm2-135m-instruct"]


def fake_dataset(model: str, domain: str, decoding: str, seed: int) -> None:
    """A synthetic dataset made of R-train rows (evaluate only reads the file)."""
    train = read_jsonl(reference_dir(domain) / "train.jsonl")
    rows = random.Random(seed).sample(train, 16)
    write_jsonl(synthetic_file(model, domain, decoding), [
        {"text": r["text"], "label": r["label"], "refused": False, "cut_off": False,
         "model_path": "fake", "model_revision": "r0"} for r in rows])


@pytest.fixture
def evaluated_domain(tmp_path, monkeypatch):
    """reviews prepared, its two reference classifiers (seeds 0 and 1) trained and its
    features computed, with tiny local encoders; four synthetic datasets (2 models x 2
    decodings). Returns the params."""
    monkeypatch.chdir(tmp_path)
    raw = raw_params()
    raw["domains"]["reviews"].update(n_train=60, n_test=30)
    raw["grid"] = {"models": MODELS, "domains": ["reviews"], "decodings": DECODINGS}
    raw["featurizer"] = {"source": "local", "name": str(save_featurizer(tmp_path / "feat"))}
    raw["classifier"].update(
        backbone={"source": "local", "name": str(save_classifier_backbone(tmp_path / "bb"))},
        epochs=1, batch_size=16, max_length=24, min_steps=0, seeds=[0, 1],
        method="finetune")  # the load counts below are of fine-tuned classifiers
    # the datasets of the grid and the full reference row (the sized one trains classifiers)
    raw["evaluate"].update(diversity_tokens=40, mauve_samples=12, mauve_seeds=[0],
                           reference_draws=0)
    raw["analyses"].update(mauve_resamples=0, bootstrap_resamples=10)  # k-means is the slow part
    params = Params.model_validate(raw)
    prepare.run(params, "reviews")
    train_reference.run(params, "reviews")
    featurize.run(params, "reviews")
    second_opinion.run(params, "reviews")
    for i, (model, decoding) in enumerate((m, c) for m in MODELS for c in DECODINGS):
        fake_dataset(model, "reviews", decoding, i)
    return params


def test_evaluate_loads_featurizer_and_reference_classifiers_once_per_model(
        evaluated_domain, monkeypatch):
    from synthlens.metrics import encoder

    params = evaluated_domain
    encoder._load_model.cache_clear()  # featurize loaded it in this process already
    encoders = count_loads(monkeypatch, AutoModel)
    classifiers = count_loads(monkeypatch, AutoModelForSequenceClassification)
    first_model, other = MODELS
    mine = [metrics_file(first_model, "reviews", c) for c in DECODINGS]
    theirs = [metrics_file(other, "reviews", c) for c in DECODINGS]

    # one model's stage: its datasets only, one featurizer load, each classifier seed once
    done = evaluate.run(params, first_model)
    assert done == {"evaluated": 2, "kept": 0, "classifier_loads": 2}
    assert encoders == [params.featurizer.name]
    for seed in (0, 1):
        assert classifiers.count(str(reference_classifier_dir("reviews") / f"seed-{seed}")) == 1
    assert all(read_json(out)["inputs_sha256"] for out in mine)
    assert not any(out.exists() for out in theirs)  # the other model is its own stage
    assert not reference_metrics_file("reviews").exists()
    assert evaluate.run(params, other)["evaluated"] == 2
    assert evaluate_reference.run(params, "reviews")["evaluated"] == 1
    outputs = mine + theirs + [reference_metrics_file("reviews")]
    first = snapshot(outputs)

    # nothing changed: nothing evaluated, nothing loaded, every file untouched
    before = (len(encoders), len(classifiers))
    done = evaluate.run(params, first_model)
    assert done == {"evaluated": 0, "kept": 2, "classifier_loads": 0}
    assert (len(encoders), len(classifiers)) == before
    assert snapshot(outputs) == first

    # one dataset rewritten: only its metrics file is recomputed
    fake_dataset("gpt2-mini", "reviews", "p0_9", 99)
    done = evaluate.run(params, "gpt2-mini")
    assert done == {"evaluated": 1, "kept": 1, "classifier_loads": 2}
    changed = metrics_file("gpt2-mini", "reviews", "p0_9")
    now = snapshot(outputs)
    assert now[changed][1] != first[changed][1]
    assert {k: v for k, v in now.items() if k != changed} == \
        {k: v for k, v in first.items() if k != changed}
