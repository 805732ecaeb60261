"""The dry run's arithmetic: how long every stage of `dvc repro` takes on ONE GPU, from the
profile's grid and sizes and the throughputs stated in params (dry_run). It reads no data and
loads no model; tools/plan.py prints what this returns. The counts and rates are
tools/estimate_sizes.py; the work beyond the paper's five numbers (contamination probe,
analyses, learning curves) is tools/estimate_extra.py.

The work is counted the way the pipeline does it: generate@<model> is one process per model
that loads the model once (a pipeline-trained model is one model per domain) and generates
every dataset of the model (Params.datasets: each (domain, decoding) cell of the grid and each
template variant, with its own prompt); train_reference@<domain> fine-tunes the classifier on
R-train and on R-train's stratified split (complexity) for every classifier seed;
evaluate@<model> is one process per generator (evaluate_mixtures one for the mixtures,
evaluate_reference@<domain> one per domain for the reference rows; the estimate sums their
work by domain): it fine-tunes the classifier on the (1 - holdout_fraction) part of every
synthetic dataset S of the domain (grid cells, template
variants and mixtures, which stage mix draws from grid datasets without generating) for every
seed, and runs it on S (faithfulness), on S's held-out part (complexity) and on R-test
(performance), and scores the reference row (R-train against R-test, whose classifier work
train_reference did). MAUVE features are computed for R once per domain (featurize: an R-train
pool of mauve_samples per MAUVE seed, and R-test) and for every S; MAUVE runs once per k-means
seed, for every S and for the reference row.
"""
from __future__ import annotations

from ..config import Params
from .estimate_extra import analyses, learning_curves, probe
from .estimate_sizes import (Item, api_seconds, assumed_marks, datasets_detail, finetune_steps,
                             holdout_rows, mauve_run_seconds, mauve_sides, n_, output_rate,
                             prefill_tokens_per_second, prompt_tokens, reference_rows, seeds_,
                             size_b, synthetic_rows, evaluated)

# The wall-time budget of `make reproduce` on one GPU, by profile; mini has none (CPU).
BUDGET_HOURS = {"paper": 8.0, "gpu-small": 1.0}
GROUPS = ("generation", "model loads", "probe", "fine-tuning", "classifier inference",
          "featurization", "MAUVE", "analyses", "learning curves", "process starts",
          "API generation")


# ---------------------------------------------------------------- stage groups
def generation_cells(params: Params) -> list[dict]:
    """Every dataset a generator writes (model, domain, dataset: grid cells and template
    variants): samples, prompt and output tokens."""
    rows = []
    for model in params.grid.models:
        for domain, dataset, _, prompt in params.datasets(model):
            samples = synthetic_rows(params, domain)
            rows.append({"cell": f"{model}/{domain}/{dataset}", "model": model,
                         "backend": params.model(model).backend, "samples": samples,
                         "prompt_tokens": samples * prompt_tokens(params, model, domain, prompt),
                         "output_tokens": samples * params.max_new_tokens(domain)})
    return rows


def generation(params: Params) -> list[Item]:
    """generate@<model>: output tokens at the model's tokens/s (its architecture's figure
    where dry_run states one) plus prompt prefill; an API model: the slowest of its
    concurrency, requests-per-minute and tokens-per-minute limits (wall time, not GPU time)."""
    items = []
    cells = generation_cells(params)
    for model in params.grid.models:
        mine = [c for c in cells if c["model"] == model]
        samples = sum(c["samples"] for c in mine)
        out, prompt = (sum(c["output_tokens"] for c in mine),
                       sum(c["prompt_tokens"] for c in mine))
        spec = params.model(model)
        if spec.backend == "openai":
            seconds, why = api_seconds(params, model, samples, out + prompt)
            items.append(Item("API generation", f"generate@{model}",
                              f"{len(mine)} datasets, {n_(samples)} requests, "
                              f"{n_(out + prompt)} tokens (prompt + max_tokens): {why}",
                              seconds))
            continue
        (tps, source), pps = output_rate(params, model), prefill_tokens_per_second(params, model)
        items.append(Item("generation", f"generate@{model}",
                          f"{len(mine)} datasets, {n_(samples)} samples: {n_(out)} output "
                          f"tokens at {n_(tps)}/s ({source}) + {n_(prompt)} prompt tokens at "
                          f"{n_(pps)}/s ({spec.backend}, {size_b(params, model):g}B)",
                          out / tps + prompt / pps))
    return items


def model_loads(params: Params) -> list[Item]:
    """One load per generator and `dvc repro` (one per domain for a pipeline-trained one):
    2 bytes a parameter at load_gb_per_s, plus vLLM's engine start."""
    d, items = params.dry_run, []
    for model in params.grid.models:
        spec = params.model(model)
        if spec.backend == "openai":
            continue
        loads = len(params.grid.domains) if spec.source == "pipeline" else 1
        gb = 2 * size_b(params, model)
        start = d.vllm_engine_start_s if spec.backend == "vllm" else 0.0
        items.append(Item("model loads", model, f"{loads} x {gb:g} GB at {d.load_gb_per_s:g} GB/s"
                          + (f" + {start:g} s vLLM engine start" if start else ""),
                          loads * (gb / d.load_gb_per_s + start)))
    return items


def classifier_work(params: Params) -> list[Item]:
    """Fine-tuning and inference of the classifier, per train_reference@ and evaluate domain."""
    c, d, h = params.classifier, params.dry_run, params.evaluate.holdout_fraction
    seeds, items = len(c.seeds), []
    for domain in params.grid.domains:
        datasets, what = datasets_detail(params, domain)
        n_train, n_test = reference_rows(params, domain)
        m_train, m_test = assumed_marks(params, domain)
        hold = holdout_rows([n_train], h)
        steps = seeds * (finetune_steps(n_train, c) + finetune_steps(n_train - hold, c))
        items.append(Item("fine-tuning", f"train_reference@{domain}",
                          f"{seeds_(seeds)} x 2 fine-tunes (R-train {n_(n_train)}{m_train}, "
                          f"its split {n_(n_train - hold)}): {n_(steps)} steps",
                          steps / d.classifier_steps_per_second))
        texts = seeds * (n_test + hold)
        items.append(Item("classifier inference", f"train_reference@{domain}",
                          f"{seeds_(seeds)} x (R-test {n_(n_test)}{m_test} + held-out {n_(hold)}): "
                          f"{n_(texts)} texts", texts / d.classifier_texts_per_second))
        n_s = synthetic_rows(params, domain)
        hold_s = holdout_rows([params.samples_per_label(domain)]
                              * len(params.domain(domain).labels), h)
        steps = datasets * seeds * finetune_steps(n_s - hold_s, c)
        items.append(Item("fine-tuning", evaluated(domain),
                          f"{what} x {seeds_(seeds)}, one fine-tune on "
                          f"{n_(n_s - hold_s)} of {n_(n_s)}: {n_(steps)} steps",
                          steps / d.classifier_steps_per_second))
        texts = datasets * seeds * (n_s + hold_s + n_test)
        items.append(Item("classifier inference", evaluated(domain),
                          f"{what} x {seeds_(seeds)} x (S {n_(n_s)} + held-out "
                          f"{n_(hold_s)} + R-test {n_(n_test)}{m_test}): {n_(texts)} texts",
                          texts / d.classifier_texts_per_second))
    return items


def featurization(params: Params) -> list[Item]:
    """MAUVE features: once per domain an R-train pool (mauve_samples for each MAUVE seed) and
    a subsample of R-test (stages/featurize.py's sizes); every S in full."""
    d, n, items = params.dry_run, params.evaluate.mauve_samples, []
    pool = n * len(params.evaluate.mauve_seeds)
    for domain in params.grid.domains:
        n_train, n_test = reference_rows(params, domain)
        texts = min(n_train, pool) + min(n_test, n)
        items.append(Item("featurization", f"featurize@{domain}", f"{n_(texts)} texts",
                          texts / d.featurizer_texts_per_second))
        datasets, what = datasets_detail(params, domain)
        texts = datasets * synthetic_rows(params, domain)
        items.append(Item("featurization", evaluated(domain),
                          f"{what} x {n_(synthetic_rows(params, domain))} texts",
                          texts / d.featurizer_texts_per_second))
    return items


def mauve_runs(params: Params) -> list[Item]:
    """One MAUVE computation per k-means seed, per synthetic dataset and for the reference
    row, in the evaluate stages."""
    seeds, items = len(params.evaluate.mauve_seeds), []
    for domain in params.grid.domains:
        datasets, what = datasets_detail(params, domain)
        side_s, side_r = mauve_sides(params, domain)
        each_s, each_r = mauve_run_seconds(params, side_s), mauve_run_seconds(params, side_r)
        items.append(Item("MAUVE", evaluated(domain),
                          f"{seeds_(seeds)} x ({what} at {n_(side_s)} a side, "
                          f"{each_s:.2f} s each + the reference row at {n_(side_r)} a side, "
                          f"{each_r:.2f} s) (CPU)", seeds * (datasets * each_s + each_r), cpu=True))
    return items


def stage_processes(params: Params) -> dict[str, int]:
    """How many processes each dvc stage starts (one per matrix entry; mix is one, mixtures
    or none; evaluate_mixtures one when a mixture is active)."""
    m, dom = len(params.grid.models), len(params.grid.domains)
    return {"prepare": dom, "train_generator": len(params.train_generator.domains),
            "convert_generator": len(params.convert_generator.models),
            "describe_generator": m, "generate": m, "mix": 1, "featurize": dom,
            "train_reference": dom, "second_opinion": dom, "evaluate_reference": dom,
            "evaluate": m,
            "evaluate_mixtures": int(bool(params.active_mixtures())), "cards": 1, "report": 1,
            "verify": 1}


def process_starts(params: Params) -> list[Item]:
    count = sum(stage_processes(params).values())
    s = params.dry_run.process_start_s
    return [Item("process starts", "every stage",
                 ", ".join(f"{k} {v}" for k, v in stage_processes(params).items() if v)
                 + f" = {count} processes x {s:g} s", count * s)]


def estimate(params: Params) -> list[Item]:
    """Every line of the estimate, grouped by GROUPS."""
    items = (generation(params) + model_loads(params) + probe(params) + classifier_work(params)
             + featurization(params) + mauve_runs(params) + analyses(params)
             + learning_curves(params) + process_starts(params))
    return sorted(items, key=lambda i: GROUPS.index(i.group))


def hours_by_group(items: list[Item]) -> dict[str, float]:
    return {g: sum(i.seconds for i in items if i.group == g) / 3600 for g in GROUPS
            if any(i.group == g for i in items)}


def total_hours(items: list[Item]) -> float:
    return sum(i.seconds for i in items) / 3600


def cpu_hours(items: list[Item]) -> float:
    """Hours of the estimate spent on the CPU (MAUVE, analyses, TF-IDF learning curves)."""
    return sum(i.seconds for i in items if i.cpu) / 3600


def budget_check(profile: str, hours: float) -> tuple[float | None, bool]:
    """(the profile's budget in hours or None, whether the estimate fits it)."""
    limit = BUDGET_HOURS.get(profile)
    return limit, limit is None or hours <= limit
