"""The dry run (`python -m synthlens plan`): every stage's wall time on one GPU, from a tiny
profile whose estimate is worked out by hand, and the shipped GPU profiles against their
budgets."""
import re

import pytest

from synthlens.config import ClassifierSpec, EncoderSpec, Params, load_params
from synthlens.metrics.characteristics import stratified_split
from synthlens.tools.estimate import (estimate, finetune_steps, generation_cells,
                                      holdout_rows, hours_by_group, total_hours)

from conftest import ROOT, run_cli


def tiny(profile: str = "gpu-small", **dry_run) -> dict:
    """One builtin domain (2 labels, 100 train, 40 test), a 7B and a 1B hf model, an API model,
    one decoding; round throughputs so every line can be computed by hand."""
    return {
        "profile": profile,
        "domains": {"d": {"source": "builtin", "builtin": "reviews", "subject": "xy",
                          "labels": ["neg", "pos"], "n_train": 100, "n_test": 40}},
        "models": {
            "m7": {"family": "vanilla", "source": "hub", "path": "org/m7", "prompt": "p",
                   "size_b": 7},
            "m1": {"family": "vanilla", "source": "hub", "path": "org/m1", "prompt": "p",
                   "size_b": 1},
            "api": {"family": "instruct", "source": "api", "backend": "openai", "prompt": "p",
                    "api": {"base_url": "http://127.0.0.1:9/v1", "model": "x",
                            "max_concurrency": 4}}},
        "prompts": {"p": "{label} {subject}"},            # "neg xy": 6 chars -> 2 tokens
        "decodings": {"t1": {"temperature": 1.0}},
        "grid": {"models": ["m7", "m1", "api"], "domains": ["d"], "decodings": ["t1"]},
        "featurizer": {"source": "hub", "name": "gpt2-large"},
        "generate": {"samples_per_label": 10, "max_new_tokens": 50, "batch_size": 20},
        "classifier": {"backbone": {"source": "hub", "name": "distilbert-base-uncased"},
                       "epochs": 2, "learning_rate": 1e-4, "batch_size": 8, "max_length": 16,
                       "seeds": [0, 1]},
        "evaluate": {"diversity_tokens": 10, "mauve_samples": 20, "mauve_seeds": [0, 1, 2],
                     "holdout_fraction": 0.3},
        "dry_run": {"tokens_per_second_7b": 1000, "hf_step_overhead_s": 0.01,
                    "prefill_tokens_per_second_7b": 10_000, "load_gb_per_s": 2,
                    "classifier_steps_per_second": 10, "classifier_texts_per_second": 100,
                    "featurizer_texts_per_second": 50, "mauve_seconds": 2,
                    "api_seconds_per_request": 3, "process_start_s": 1, **dry_run},
    }


def seconds(items, group, name):
    [item] = [i for i in items if i.group == group and i.name == name]
    return item.seconds


def test_tiny_profile_estimate_matches_the_hand_computation():
    items = estimate(Params.model_validate(tiny()))
    approx = pytest.approx
    # 20 samples a cell: 1000 output tokens, 40 prompt tokens
    assert seconds(items, "generation", "generate@m7") == approx(1000 / 1000 + 40 / 10_000)
    # 1B: 7000 tokens/s by size, but at most batch 20 / 0.01 s a step = 2000
    assert seconds(items, "generation", "generate@m1") == approx(1000 / 2000 + 40 / 70_000)
    # 20 requests, 4 at a time, 3 s each; no GPU, no load
    assert seconds(items, "API generation", "generate@api") == approx(15)
    assert seconds(items, "model loads", "m7") == approx(14 / 2)
    assert seconds(items, "model loads", "m1") == approx(2 / 2)
    assert not [i for i in items if i.group == "model loads" and i.name == "api"]
    # R-train 100 -> 13 steps x 2 epochs; its 70 % split 9 x 2; two seeds: 88 steps at 10/s
    assert seconds(items, "fine-tuning", "train_reference@d") == approx(8.8)
    # two seeds x (R-test 40 + held-out 30) texts at 100/s
    assert seconds(items, "classifier inference", "train_reference@d") == approx(1.4)
    # 3 datasets x 2 seeds x one fine-tune on 14 of 20 (3 of 10 held out per label): 2 x 2 steps
    assert seconds(items, "fine-tuning", "evaluate@d") == approx(2.4)
    # 3 x 2 x (S 20 + held-out 6 + R-test 40) texts
    assert seconds(items, "classifier inference", "evaluate@d") == approx(3.96)
    # R: a pool of 20 R-train texts per MAUVE seed (60) + 20 R-test; every S in full: 3 x 20
    assert seconds(items, "featurization", "featurize@d") == approx(80 / 50)
    assert seconds(items, "featurization", "evaluate@d") == approx(60 / 50)
    # 20 a side: 2 s x (20/500)^2 per run; 3 datasets x 3 seeds, and 3 for the reference row,
    # all in evaluate@d (the reference row is part of the domain's evaluate)
    assert seconds(items, "MAUVE", "evaluate@d") == approx(12 * 2 * 0.04 ** 2)
    assert not [i for i in items if "evaluate_reference" in i.name + i.detail]
    # prepare, featurize, train_reference, evaluate: 1 each (one domain); 3 models
    # x (describe_generator, generate); report, verify
    assert seconds(items, "process starts", "every stage") == approx(12)
    total = (1.004 + 40 / 70_000 + 0.5 + 15 + 8 + 8.8 + 1.4 + 2.4 + 3.96 + 2.8
             + 12 * 2 * 0.04 ** 2 + 12)
    assert total_hours(items) == approx(total / 3600)
    assert sum(hours_by_group(items).values()) == approx(total / 3600)


def test_a_pipeline_model_loads_once_per_domain_and_vllm_adds_its_engine_start():
    p = tiny(vllm_engine_start_s=30, vllm_tokens_per_second_7b=4000)
    p["models"]["m7"].update(backend="vllm")
    p["domains"]["e"] = dict(p["domains"]["d"])
    p["grid"]["domains"] = ["d", "e"]
    p["models"]["gpt2-mini"] = {"family": "vanilla", "source": "pipeline", "prompt": "p",
                                "size_b": 0.5}
    p["train_generator"] = {"domains": ["d", "e"]}
    p["grid"]["models"].append("gpt2-mini")
    items = estimate(Params.model_validate(p))
    assert seconds(items, "model loads", "m7") == pytest.approx(14 / 2 + 30)
    assert seconds(items, "model loads", "gpt2-mini") == pytest.approx(2 * 1 / 2)
    # vllm: its own 7B figure, no step-overhead cap; two domains of 20 samples
    assert seconds(items, "generation", "generate@m7") == pytest.approx(2000 / 4000 + 80 / 10_000)


def test_a_domain_samples_per_label_sizes_its_datasets():
    p = tiny()
    p["domains"]["d"]["samples_per_label"] = 25   # overrides generate.samples_per_label (10)
    items = estimate(Params.model_validate(p))
    assert {c["samples"] for c in generation_cells(Params.model_validate(p))} == {50}
    # 50 samples: 2500 output tokens, 100 prompt tokens
    assert seconds(items, "generation", "generate@m7") == pytest.approx(2500 / 1000 + 100 / 10_000)
    # 3 datasets x 50 texts featurized in evaluate@d
    assert seconds(items, "featurization", "evaluate@d") == pytest.approx(150 / 50)


def test_evaluate_is_one_process_per_domain():
    p = tiny()
    p["domains"]["e"] = dict(p["domains"]["d"])
    p["grid"]["domains"] = ["d", "e"]
    [starts] = [i for i in estimate(Params.model_validate(p)) if i.group == "process starts"]
    # prepare, featurize, train_reference, evaluate: 2 each; 3 x (describe, generate); 2
    assert starts.seconds == pytest.approx(8 + 6 + 2)
    assert "evaluate 2" in starts.detail and "evaluate_reference" not in starts.detail


def test_finetune_steps_follow_the_classifier_rule():
    spec = ClassifierSpec(backbone=EncoderSpec(source="hub", name="x"), epochs=2,
                          learning_rate=1e-4, batch_size=8, max_length=16, seeds=[0])
    assert finetune_steps(14, spec) == 4
    assert finetune_steps(17, spec) == 6
    # min_steps: more epochs until at least 10 steps (2 a epoch -> 5 epochs)
    assert finetune_steps(14, spec.model_copy(update={"min_steps": 10})) == 10


def test_finetune_steps_match_the_optimiser_steps_train_classifier_takes(tmp_path, monkeypatch):
    import torch

    from synthlens.metrics import classifier
    from tiny_models import save_classifier_backbone

    taken = []

    class Counting(torch.optim.AdamW):
        def step(self, *a, **k):
            taken.append(1)
            return super().step(*a, **k)

    monkeypatch.setattr(torch.optim, "AdamW", Counting)
    spec = ClassifierSpec(backbone=EncoderSpec(source="local",
                                               name=str(save_classifier_backbone(tmp_path / "b"))),
                          epochs=2, learning_rate=1e-4, batch_size=8, max_length=16,
                          min_steps=10, seeds=[0])
    classifier.train_classifier(spec, ["good film", "bad film"] * 7, [1, 0] * 7, 2, 0,
                                device=torch.device("cpu"))
    assert len(taken) == finetune_steps(14, spec) == 10


@pytest.mark.parametrize("per_label, fraction", [([10, 10], 0.3), ([7, 5, 1], 0.3),
                                                 ([3, 3, 3, 3], 0.5)])
def test_holdout_rows_is_what_stratified_split_holds_out(per_label, fraction):
    labels = [y for y, n in enumerate(per_label) for _ in range(n)]
    assert holdout_rows(per_label, fraction) == len(stratified_split(labels, fraction, 0)[1])


def test_budget_check_reads_the_profile_name(write_params):
    result = run_cli("--params", str(write_params(tiny())), "plan")
    assert result.returncode == 0, result.stderr
    assert "Budget: within 1 h for profile gpu-small" in result.stdout
    # 0.01 output tokens/s for 7B: m7's 1000 tokens take about 28 hours
    slow = tiny("paper", tokens_per_second_7b=0.01, hf_step_overhead_s=10)
    result = run_cli("--params", str(write_params(slow)), "plan")
    assert result.returncode == 0, result.stderr
    assert re.search(r"Budget: OVER the 8 h of profile paper by [\d.]+ h", result.stdout)
    result = run_cli("--params", str(write_params(tiny("mini"))), "plan")
    assert "profile mini has none" in result.stdout


def profile_total(stdout: str) -> float:
    return float(re.search(r"^  total\s+([\d.]+) h$", stdout, re.M).group(1))


def test_gpu_small_profile_fits_its_hour():
    result = run_cli("--params", str(ROOT / "profiles" / "gpu-small.yaml"), "plan")
    assert result.returncode == 0, result.stderr
    assert "Budget: within 1 h for profile gpu-small" in result.stdout
    total = total_hours(estimate(load_params(ROOT / "profiles" / "gpu-small.yaml")))
    assert 0 < total <= 1 and profile_total(result.stdout) == pytest.approx(total, abs=0.01)
    for group in ("generation", "model loads", "fine-tuning", "classifier inference",
                  "featurization", "MAUVE", "process starts"):
        assert f"\n{group} (" in result.stdout


def test_paper_profile_dry_run_counts_its_grid_and_checks_its_budget():
    params = load_params(ROOT / "profiles" / "paper.yaml")
    cells = generation_cells(params)
    assert len(cells) == 16 * 4 * 6
    # 13 labels x 500 samples x 6 decodings a model; 128 tokens a sample
    local = [c for c in cells if c["backend"] != "openai"]
    assert sum(c["output_tokens"] for c in local) == 14 * 13 * 500 * 6 * 128
    assert sum(c["samples"] for c in cells if c["backend"] == "openai") == 2 * 13 * 500 * 6
    result = run_cli("--params", str(ROOT / "profiles" / "paper.yaml"), "plan")
    assert result.returncode == 0, result.stderr
    total = total_hours(estimate(params))
    assert profile_total(result.stdout) == pytest.approx(total, abs=0.01)
    assert ("Budget: within 8 h for profile paper" in result.stdout) == (total <= 8)
    assert ("Budget: OVER the 8 h of profile paper" in result.stdout) == (total > 8)
    assert "generate@llama-2-7b-chat-fewshot" in result.stdout
    assert "tokens/s" in result.stdout
