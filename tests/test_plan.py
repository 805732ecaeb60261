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
    one decoding; round throughputs so every line can be computed by hand. No probe and no
    analyses (each test below that counts them turns them on)."""
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
        "decodings": {"t1": {"temperature": 1.0}, "t2": {"temperature": 0.5}},
        "grid": {"models": ["m7", "m1", "api"], "domains": ["d"], "decodings": ["t1"]},
        "featurizer": {"source": "hub", "name": "gpt2-large"},
        "generate": {"samples_per_label": 10, "max_new_tokens": 50, "batch_size": 20},
        "classifier": {"backbone": {"source": "hub", "name": "distilbert-base-uncased"},
                       "epochs": 2, "learning_rate": 1e-4, "batch_size": 8, "max_length": 16,
                       "seeds": [0, 1]},
        "evaluate": {"diversity_tokens": 10, "mauve_samples": 20, "mauve_seeds": [0, 1, 2],
                     "holdout_fraction": 0.3},
        "probe": {"enabled": False},
        "analyses": {"enabled": False},
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
    assert seconds(items, "fine-tuning", "evaluate (d)") == approx(2.4)
    # 3 x 2 x (S 20 + held-out 6 + R-test 40) texts
    assert seconds(items, "classifier inference", "evaluate (d)") == approx(3.96)
    # R: a pool of 20 R-train texts per MAUVE seed (60) + 20 R-test; every S in full: 3 x 20
    assert seconds(items, "featurization", "featurize@d") == approx(80 / 50)
    assert seconds(items, "featurization", "evaluate (d)") == approx(60 / 50)
    # 20 a side: 2 s x (20/500)^2 per run; 3 datasets x 3 seeds, and 3 for the reference row,
    # all in the evaluate stages of domain d (the reference row is evaluate_reference@d)
    assert seconds(items, "MAUVE", "evaluate (d)") == approx(12 * 2 * 0.04 ** 2)
    # prepare, featurize, train_reference, second_opinion, evaluate_reference: 1 each (one
    # domain); 3 models x (describe_generator, generate, evaluate); mix (a stage, mixtures or
    # none); no evaluate_mixtures (no mixture); cards, report, verify
    assert seconds(items, "process starts", "every stage") == approx(18)
    assert {i.group for i in items} & {"probe", "analyses", "learning curves"} == set()
    total = (1.004 + 40 / 70_000 + 0.5 + 15 + 8 + 8.8 + 1.4 + 2.4 + 3.96 + 2.8
             + 12 * 2 * 0.04 ** 2 + 18)
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
    assert seconds(items, "featurization", "evaluate (d)") == pytest.approx(150 / 50)


def test_evaluate_is_one_process_per_model_and_the_reference_one_per_domain():
    p = tiny()
    p["domains"]["e"] = dict(p["domains"]["d"])
    p["grid"]["domains"] = ["d", "e"]
    [starts] = [i for i in estimate(Params.model_validate(p)) if i.group == "process starts"]
    # prepare, featurize, train_reference, second_opinion, evaluate_reference: 2 each (two
    # domains) = 10; 3 models x (describe, generate, evaluate) = 9; mix; cards, report, verify
    assert starts.seconds == pytest.approx(10 + 9 + 1 + 3)
    assert "evaluate 3" in starts.detail and "evaluate_reference 2" in starts.detail
    assert "evaluate_mixtures" not in starts.detail  # no mixture is active


MAUVE_20 = 2 * 0.04 ** 2   # one MAUVE run of the tiny profile: 20 a side, 2 s x (20/500)^2


def test_a_template_variant_adds_exactly_one_dataset_of_work():
    p = tiny()
    p["prompts"]["q"] = "{label} {subject} {tone}"   # "neg xy abcde": 12 chars -> 4 tokens
    p["attributes"] = {"tone": ["a", "abcde"]}        # the longest value counts
    # m7 also runs prompt q at t1 (t2 is not in the grid: no dataset there)
    p["templates"] = {"decodings": ["t1", "t2"], "models": {"m7": ["q"]}}
    params = Params.model_validate(p)
    assert [c["cell"] for c in generation_cells(params) if c["model"] == "m7"] == [
        "m7/d/t1", "m7/d/t1~q"]
    items = estimate(params)
    approx = pytest.approx
    # two datasets of 20 samples: 2000 output tokens; prompts 20 x 2 + 20 x 4 tokens
    assert seconds(items, "generation", "generate@m7") == approx(2000 / 1000 + 120 / 10_000)
    assert seconds(items, "generation", "generate@m1") == approx(1000 / 2000 + 40 / 70_000)
    # evaluate@d now scores 4 datasets instead of 3, each with the work of one
    assert seconds(items, "fine-tuning", "evaluate (d)") == approx(4 * 2 * 4 / 10)
    assert seconds(items, "classifier inference", "evaluate (d)") == approx(4 * 2 * 66 / 100)
    assert seconds(items, "featurization", "evaluate (d)") == approx(4 * 20 / 50)
    assert seconds(items, "MAUVE", "evaluate (d)") == approx((4 * 3 + 3) * MAUVE_20)
    # the reference side and the processes do not change
    assert seconds(items, "fine-tuning", "train_reference@d") == approx(8.8)
    assert seconds(items, "process starts", "every stage") == approx(18)


def test_a_mixture_adds_evaluate_work_but_no_generation():
    p = tiny()
    members = [{"model": "m7", "decoding": "t1"}, {"model": "m1", "decoding": "t1"}]
    p["mixtures"] = {"mix": {"members": members},
                     # a member outside the grid: declared but not run, so not counted
                     "off": {"members": [members[0], {"model": "m1", "decoding": "t2"}]}}
    params = Params.model_validate(p)
    assert len(generation_cells(params)) == 3
    items = estimate(params)
    approx = pytest.approx
    assert seconds(items, "generation", "generate@m7") == approx(1000 / 1000 + 40 / 10_000)
    assert seconds(items, "API generation", "generate@api") == approx(15)
    assert seconds(items, "fine-tuning", "evaluate (d)") == approx(4 * 2 * 4 / 10)
    assert seconds(items, "classifier inference", "evaluate (d)") == approx(4 * 2 * 66 / 100)
    assert seconds(items, "featurization", "evaluate (d)") == approx(4 * 20 / 50)
    assert seconds(items, "MAUVE", "evaluate (d)") == approx((4 * 3 + 3) * MAUVE_20)
    # one process more than without the mixture: evaluate_mixtures
    assert seconds(items, "process starts", "every stage") == approx(19)


def test_probe_scores_texts_times_labels_sequences_at_the_prefill_rate():
    p = tiny(probe_text_tokens=38)   # + "\nlabel:" (7 chars -> 2 tokens) = 40 a sequence
    p["probe"] = {"enabled": True, "max_texts": 30}
    base = total_hours(estimate(Params.model_validate(p)))
    items = estimate(Params.model_validate(p))
    # 30 of R-test's 40 texts x 2 labels x 40 tokens at 10,000 (7B) and 70,000 (1B) tokens/s
    assert seconds(items, "probe", "generate@m7") == pytest.approx(30 * 2 * 40 / 10_000)
    assert seconds(items, "probe", "generate@m1") == pytest.approx(30 * 2 * 40 / 70_000)
    assert not [i for i in items if i.group == "probe" and i.name == "generate@api"]
    # max_texts above R-test's rows: R-test's 40; a vllm model is not probed
    p["probe"]["max_texts"] = 500
    p["models"]["m1"]["backend"] = "vllm"
    items = estimate(Params.model_validate(p))
    assert seconds(items, "probe", "generate@m7") == pytest.approx(40 * 2 * 40 / 10_000)
    assert [i.name for i in items if i.group == "probe"] == ["generate@m7"]
    p["probe"]["enabled"] = False
    off = estimate(Params.model_validate(p))
    assert not [i for i in off if i.group == "probe"]
    assert base > total_hours(estimate(Params.model_validate(tiny())))


def test_analyses_add_resamples_plus_one_mauve_runs_and_a_constant_per_dataset():
    p = tiny(analyses_seconds_per_dataset=5, analyses_fit_seconds_per_domain=7)
    p["analyses"] = {"enabled": True, "mauve_resamples": 4}
    items = estimate(Params.model_validate(p))
    # one TF-IDF + SVD fit (7 s) + 3 datasets x ((1 + 4) MAUVE runs + 5 s) + the reference
    # row (1 MAUVE run + 5 s)
    expected = 7 + 3 * ((1 + 4) * MAUVE_20 + 5) + (MAUVE_20 + 5)
    # the fit is second_opinion@d's, once for every evaluate process of the domain
    assert seconds(items, "analyses", "second_opinion@d") == pytest.approx(7)
    assert seconds(items, "analyses", "evaluate (d)") == pytest.approx(expected - 7)
    assert all(i.cpu for i in items if i.group == "analyses")
    without = total_hours(estimate(Params.model_validate(tiny())))
    assert total_hours(items) == pytest.approx(without + expected / 3600)
    # the fit is once per domain, not once per dataset: a template variant adds no fit
    p["prompts"]["q"] = "{label} {subject}!"
    p["templates"] = {"decodings": ["t1"], "models": {"m7": ["q"]}}
    four = estimate(Params.model_validate(p))
    assert seconds(four, "analyses", "evaluate (d)") == pytest.approx(
        4 * ((1 + 4) * MAUVE_20 + 5) + (MAUVE_20 + 5))
    assert seconds(four, "analyses", "second_opinion@d") == pytest.approx(7)


def test_an_architecture_figure_replaces_the_7b_default_for_the_models_it_names():
    p = tiny(tokens_per_second_7b_by_arch={"llama": {"zero_shot": 500, "few_shot": 250},
                                           "llama-2": {"zero_shot": 800}},
             example_chars=8)
    p["models"]["m7"]["path"] = "huggyllama/llama-7b"
    p["models"]["l2"] = {"family": "vanilla", "source": "hub", "path": "meta-llama/Llama-2-7b-hf",
                         "prompt": "p", "size_b": 7}
    # few-shot: " neg xy" (7 chars) + 2 examples of 8 chars = 23 chars -> 6 tokens
    p["prompts"]["f"] = "{examples} {label} {subject}"
    p["models"]["l7f"] = {"family": "vanilla", "source": "hub", "path": "huggyllama/llama-7b",
                          "prompt": "f", "shots": 2, "size_b": 7}
    p["models"]["l1"] = {"family": "vanilla", "source": "hub", "path": "org/llama-1b",
                         "prompt": "p", "size_b": 1}
    p["grid"]["models"] += ["l2", "l7f", "l1"]
    items = estimate(Params.model_validate(p))
    approx = pytest.approx
    # 1000 output tokens a model, 20 prompts
    assert seconds(items, "generation", "generate@m7") == approx(1000 / 500 + 40 / 10_000)
    # "llama-2" is the longer key the path holds; it states no few_shot
    assert seconds(items, "generation", "generate@l2") == approx(1000 / 800 + 40 / 10_000)
    # a model with shots takes the few_shot figure
    assert seconds(items, "generation", "generate@l7f") == approx(1000 / 250 + 120 / 10_000)
    # 500 x 7 = 3500 tokens/s, above the cap of batch 20 / 0.01 s
    assert seconds(items, "generation", "generate@l1") == approx(1000 / 2000 + 40 / 70_000)
    # a model no key names keeps tokens_per_second_7b (1000), scaled: 7000 -> capped at 2000
    assert seconds(items, "generation", "generate@m1") == approx(1000 / 2000 + 40 / 70_000)
    detail = next(i.detail for i in items if i.name == "generate@l7f")
    assert "llama few_shot" in detail


def test_api_time_is_the_slowest_of_concurrency_requests_and_tokens_per_minute():
    # 20 requests, each costing its prompt (2 tokens) + max_tokens 50 against the token limit
    p = tiny()
    api = p["models"]["api"]["api"]
    assert seconds(estimate(Params.model_validate(p)), "API generation",
                   "generate@api") == pytest.approx(20 / 4 * 3)
    api["requests_per_minute"] = 40            # 20 / 40 min = 30 s > 15 s
    assert seconds(estimate(Params.model_validate(p)), "API generation",
                   "generate@api") == pytest.approx(30)
    api["tokens_per_minute"] = 1040            # 20 x 52 = 1040 tokens: 60 s
    items = estimate(Params.model_validate(p))
    assert seconds(items, "API generation", "generate@api") == pytest.approx(60)
    assert "1,040 tokens at 1,040/min: 1.0 min (binds)" in next(
        i.detail for i in items if i.name == "generate@api")
    # limits the model does not state come from dry_run's assumed ones; its own win
    p = tiny(api_requests_per_minute=10, api_tokens_per_minute=100_000)
    assert seconds(estimate(Params.model_validate(p)), "API generation",
                   "generate@api") == pytest.approx(120)   # 20 requests at 10 a minute
    p["models"]["api"]["api"]["requests_per_minute"] = 60
    assert seconds(estimate(Params.model_validate(p)), "API generation",
                   "generate@api") == pytest.approx(20)


def test_dry_run_refuses_an_architecture_figure_it_does_not_know():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="zero"):
        Params.model_validate(tiny(tokens_per_second_7b_by_arch={"llama": {"zero": 5}}))


def test_learning_curves_count_one_fit_per_size_that_fits_the_data():
    p = tiny(tfidf_fit_seconds=0.5)
    # S has 20 rows: sizes 5, 10, 20 (50 is NaN, not trained); R-train's 100: all four
    p["learning_curve"] = {"sizes": [5, 10, 20, 50], "backbone": "tfidf"}
    items = estimate(Params.model_validate(p))
    assert seconds(items, "learning curves", "evaluate (d)") == pytest.approx((3 * 3 + 4) * 0.5)
    p["learning_curve"] = {"sizes": [8, 16], "backbone": "classifier"}
    items = estimate(Params.model_validate(p))
    # fine-tunes of 2 (8 texts: 1 step x 2 epochs) and 4 steps, for 3 datasets and R-train,
    # each then run on R-test's 40 texts
    steps, texts = 4 * (2 + 4), 4 * 2 * 40
    assert seconds(items, "learning curves", "evaluate (d)") == pytest.approx(steps / 10
                                                                           + texts / 100)
    p["learning_curve"] = {"sizes": []}
    assert not [i for i in estimate(Params.model_validate(p)) if i.group == "learning curves"]


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
    for group in ("generation", "model loads", "probe", "fine-tuning", "classifier inference",
                  "featurization", "MAUVE", "analyses", "learning curves", "process starts"):
        assert f"\n{group} (" in result.stdout


def test_paper_profile_dry_run_counts_its_grid_and_checks_its_budget():
    params = load_params(ROOT / "profiles" / "paper.yaml")
    cells = generation_cells(params)
    # the grid, and 3 template variants (2 models' extra prompts at t1_0) in 4 domains
    assert len(cells) == 16 * 4 * 6 + 3 * 4
    assert "llama-2-7b-chat/sst2/t1_0~instruction_attr" in {c["cell"] for c in cells}
    # 13 labels x 500 samples x (6 decodings a model + the variants); 128 tokens a sample
    local = [c for c in cells if c["backend"] != "openai"]
    assert sum(c["output_tokens"] for c in local) == (14 * 6 + 3) * 13 * 500 * 128
    assert sum(c["samples"] for c in cells if c["backend"] == "openai") == 2 * 13 * 500 * 6
    result = run_cli("--params", str(ROOT / "profiles" / "paper.yaml"), "plan")
    assert result.returncode == 0, result.stderr
    total = total_hours(estimate(params))
    assert profile_total(result.stdout) == pytest.approx(total, abs=0.01)
    assert total <= 8, "the paper profile's dry run must fit its 8-hour budget"
    assert ("Budget: within 8 h for profile paper" in result.stdout) == (total <= 8)
    assert ("Budget: OVER the 8 h of profile paper" in result.stdout) == (total > 8)
    assert "generate@llama-2-7b-chat-fewshot" in result.stdout
    assert "tokens/s" in result.stdout
