"""The dry run's arithmetic: how long every stage of `dvc repro` takes on ONE GPU, from the
profile's grid and sizes and the throughputs stated in params (dry_run). It reads no data and
loads no model; tools/plan.py prints what this returns.

The work is counted the way the pipeline does it: generate@<model> is one process per model
that loads the model once (a pipeline-trained model is one model per domain) and generates
every (domain, decoding) cell; train_reference@<domain> fine-tunes the classifier on R-train
and on R-train's stratified split (complexity) for every classifier seed; evaluate@<domain> is
one process per domain: it fine-tunes the classifier on the (1 - holdout_fraction) part of
every synthetic dataset S of the domain for every seed, and runs it on S (faithfulness), on S's
held-out part (complexity) and on R-test (performance), and scores the reference row (R-train
against R-test, whose classifier work train_reference did). MAUVE features are computed for R
once per domain (featurize: an R-train pool of mauve_samples per MAUVE seed, and R-test) and
for every S; MAUVE runs once per k-means seed, for every S and for the reference row.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from ..config import ClassifierSpec, Params

# The wall-time budget of `make reproduce` on one GPU, by profile; mini has none (CPU).
BUDGET_HOURS = {"paper": 8.0, "gpu-small": 1.0}
# dry_run.mauve_seconds is stated for this many samples a side
MAUVE_REFERENCE_SAMPLES = 500
GROUPS = ("generation", "model loads", "fine-tuning", "classifier inference", "featurization",
          "MAUVE", "process starts", "API generation")


@dataclass(frozen=True)
class Item:
    """One line of the estimate: what runs, the work it does, and its seconds."""

    group: str
    name: str
    detail: str
    seconds: float


def _n(x: float) -> str:
    return f"{x:,.0f}"


def _seeds(k: int) -> str:
    return f"{k} seed{'s' if k != 1 else ''}"


# ------------------------------------------------------------------------- sizes
def size_b(params: Params, model: str) -> float:
    return params.model(model).size_b or params.dry_run.default_size_b


def reference_rows(params: Params, domain: str) -> tuple[int, int]:
    """(R-train rows, R-test rows): a builtin domain's own sizes, else max_train/max_test, else
    the dry run's stated guess (it reads no data)."""
    d, dr = params.domain(domain), params.dry_run
    if d.source == "builtin":
        return d.n_train, d.n_test
    return d.max_train or dr.unknown_train_rows, d.max_test or dr.unknown_test_rows


def assumed_marks(params: Params, domain: str) -> tuple[str, str]:
    """' (assumed)' for R-train and for R-test where reference_rows uses the dry run's guess."""
    d, mark = params.domain(domain), " (assumed)"
    if d.source == "builtin":
        return "", ""
    return mark if d.max_train is None else "", mark if d.max_test is None else ""


def synthetic_rows(params: Params, domain: str) -> int:
    """Rows of one synthetic dataset: the domain's samples per label (its own setting, else
    generate's) times its labels."""
    return params.samples_per_label(domain) * len(params.domain(domain).labels)


def holdout_rows(counts_per_label: list[int], holdout_fraction: float) -> int:
    """Rows a stratified split holds out (metrics.characteristics.stratified_split's rule)."""
    return sum(min(int(round(n * holdout_fraction)), n - 1) if n > 1 else 0
               for n in counts_per_label)


def finetune_steps(n: int, spec: ClassifierSpec) -> int:
    """Optimiser steps of one fine-tune on n texts (metrics.classifier.train_classifier's rule:
    ceil(n / batch) * epochs, more epochs until min_steps)."""
    per_epoch = ceil(n / spec.batch_size)
    return per_epoch * max(spec.epochs, ceil(spec.min_steps / per_epoch))


def prompt_tokens(params: Params, model: str, domain: str) -> int:
    """Rough prompt length in tokens (4 characters a token), few-shot examples included."""
    spec, d = params.model(model), params.domain(domain)
    template = params.prompts[spec.prompt]
    base = len(template.format(label=max(d.labels, key=len), subject=d.subject, examples=""))
    return (base + spec.shots * params.dry_run.example_chars) // 4 + 1


# ---------------------------------------------------------------- throughputs
def output_tokens_per_second(params: Params, model: str) -> float:
    """hf: the 7B figure scaled by 7/size_b, but never above batch_size per step overhead;
    vllm: its own 7B figure scaled by 7/size_b."""
    d, scale = params.dry_run, 7.0 / size_b(params, model)
    if params.model(model).backend == "vllm":
        return d.vllm_tokens_per_second_7b * scale
    return min(d.tokens_per_second_7b * scale, params.generate.batch_size / d.hf_step_overhead_s)


def prefill_tokens_per_second(params: Params, model: str) -> float:
    return params.dry_run.prefill_tokens_per_second_7b * 7.0 / size_b(params, model)


# ---------------------------------------------------------------- stage groups
def generation_cells(params: Params) -> list[dict]:
    """Every (model, domain, decoding) cell: samples, prompt and output tokens."""
    rows = []
    for model in params.grid.models:
        for domain in params.grid.domains:
            samples = synthetic_rows(params, domain)
            for decoding in params.grid.decodings:
                rows.append({"cell": f"{model}/{domain}/{decoding}", "model": model,
                             "backend": params.model(model).backend, "samples": samples,
                             "prompt_tokens": samples * prompt_tokens(params, model, domain),
                             "output_tokens": samples * params.generate.max_new_tokens})
    return rows


def generation(params: Params) -> list[Item]:
    """generate@<model>: output tokens at the model's tokens/s plus prompt prefill; an API
    model's requests run api.max_concurrency at a time (wall time, not GPU time)."""
    items = []
    cells = generation_cells(params)
    for model in params.grid.models:
        mine = [c for c in cells if c["model"] == model]
        samples = sum(c["samples"] for c in mine)
        out, prompt = (sum(c["output_tokens"] for c in mine),
                       sum(c["prompt_tokens"] for c in mine))
        spec = params.model(model)
        if spec.backend == "openai":
            seconds = samples / spec.api.max_concurrency * params.dry_run.api_seconds_per_request
            items.append(Item("API generation", f"generate@{model}",
                              f"{len(mine)} cells, {_n(samples)} requests, "
                              f"{spec.api.max_concurrency} at a time", seconds))
            continue
        tps, pps = output_tokens_per_second(params, model), prefill_tokens_per_second(params, model)
        items.append(Item("generation", f"generate@{model}",
                          f"{len(mine)} cells, {_n(samples)} samples: {_n(out)} output tokens at "
                          f"{_n(tps)}/s + {_n(prompt)} prompt tokens at {_n(pps)}/s "
                          f"({spec.backend}, {size_b(params, model):g}B)",
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
    """Fine-tuning and inference of the classifier, per train_reference@ and evaluate@ domain."""
    c, d, h = params.classifier, params.dry_run, params.evaluate.holdout_fraction
    seeds, datasets = len(c.seeds), len(params.grid.models) * len(params.grid.decodings)
    items = []
    for domain in params.grid.domains:
        n_train, n_test = reference_rows(params, domain)
        m_train, m_test = assumed_marks(params, domain)
        hold = holdout_rows([n_train], h)
        steps = seeds * (finetune_steps(n_train, c) + finetune_steps(n_train - hold, c))
        items.append(Item("fine-tuning", f"train_reference@{domain}",
                          f"{_seeds(seeds)} x 2 fine-tunes (R-train {_n(n_train)}{m_train}, "
                          f"its split {_n(n_train - hold)}): {_n(steps)} steps",
                          steps / d.classifier_steps_per_second))
        texts = seeds * (n_test + hold)
        items.append(Item("classifier inference", f"train_reference@{domain}",
                          f"{_seeds(seeds)} x (R-test {_n(n_test)}{m_test} + held-out {_n(hold)}): "
                          f"{_n(texts)} texts", texts / d.classifier_texts_per_second))
        n_s = synthetic_rows(params, domain)
        hold_s = holdout_rows([params.samples_per_label(domain)]
                              * len(params.domain(domain).labels), h)
        steps = datasets * seeds * finetune_steps(n_s - hold_s, c)
        items.append(Item("fine-tuning", f"evaluate@{domain}",
                          f"{datasets} datasets x {_seeds(seeds)}, one fine-tune on "
                          f"{_n(n_s - hold_s)} of {_n(n_s)}: {_n(steps)} steps",
                          steps / d.classifier_steps_per_second))
        texts = datasets * seeds * (n_s + hold_s + n_test)
        items.append(Item("classifier inference", f"evaluate@{domain}",
                          f"{datasets} datasets x {_seeds(seeds)} x (S {_n(n_s)} + held-out "
                          f"{_n(hold_s)} + R-test {_n(n_test)}{m_test}): {_n(texts)} texts",
                          texts / d.classifier_texts_per_second))
    return items


def featurization(params: Params) -> list[Item]:
    """MAUVE features: once per domain an R-train pool (mauve_samples for each MAUVE seed) and
    a subsample of R-test (stages/featurize.py's sizes); every S in full."""
    d, n, items = params.dry_run, params.evaluate.mauve_samples, []
    datasets = len(params.grid.models) * len(params.grid.decodings)
    pool = n * len(params.evaluate.mauve_seeds)
    for domain in params.grid.domains:
        n_train, n_test = reference_rows(params, domain)
        texts = min(n_train, pool) + min(n_test, n)
        items.append(Item("featurization", f"featurize@{domain}", f"{_n(texts)} texts",
                          texts / d.featurizer_texts_per_second))
        texts = datasets * synthetic_rows(params, domain)
        items.append(Item("featurization", f"evaluate@{domain}",
                          f"{datasets} datasets x {_n(synthetic_rows(params, domain))} texts",
                          texts / d.featurizer_texts_per_second))
    return items


def mauve_runs(params: Params) -> list[Item]:
    """One MAUVE computation per k-means seed, per synthetic dataset and for the reference
    row, all in the domain's evaluate@ process."""
    e, d, items = params.evaluate, params.dry_run, []
    datasets, seeds = len(params.grid.models) * len(params.grid.decodings), len(e.mauve_seeds)
    for domain in params.grid.domains:
        n_train, n_test = reference_rows(params, domain)
        ref = min(n_train, e.mauve_samples)
        side_s, side_r = min(ref, synthetic_rows(params, domain)), min(ref, n_test)
        each_s, each_r = (d.mauve_seconds * (side / MAUVE_REFERENCE_SAMPLES) ** 2
                          for side in (side_s, side_r))
        items.append(Item("MAUVE", f"evaluate@{domain}",
                          f"{_seeds(seeds)} x ({datasets} datasets at {_n(side_s)} a side, "
                          f"{each_s:.2f} s each + the reference row at {_n(side_r)} a side, "
                          f"{each_r:.2f} s) (CPU)", seeds * (datasets * each_s + each_r)))
    return items


def stage_processes(params: Params) -> dict[str, int]:
    """How many processes each dvc stage starts (one per matrix entry)."""
    m, dom = len(params.grid.models), len(params.grid.domains)
    return {"prepare": dom, "train_generator": len(params.train_generator.domains),
            "convert_generator": len(params.convert_generator.models),
            "describe_generator": m, "generate": m, "featurize": dom, "train_reference": dom,
            "evaluate": dom, "report": 1, "verify": 1}


def process_starts(params: Params) -> list[Item]:
    count = sum(stage_processes(params).values())
    s = params.dry_run.process_start_s
    return [Item("process starts", "every stage",
                 ", ".join(f"{k} {v}" for k, v in stage_processes(params).items() if v)
                 + f" = {count} processes x {s:g} s", count * s)]


def estimate(params: Params) -> list[Item]:
    """Every line of the estimate, grouped by GROUPS."""
    items = (generation(params) + model_loads(params) + classifier_work(params)
             + featurization(params) + mauve_runs(params) + process_starts(params))
    return sorted(items, key=lambda i: GROUPS.index(i.group))


def hours_by_group(items: list[Item]) -> dict[str, float]:
    return {g: sum(i.seconds for i in items if i.group == g) / 3600 for g in GROUPS
            if any(i.group == g for i in items)}


def total_hours(items: list[Item]) -> float:
    return sum(i.seconds for i in items) / 3600


def budget_check(profile: str, hours: float) -> tuple[float | None, bool]:
    """(the profile's budget in hours or None, whether the estimate fits it)."""
    limit = BUDGET_HOURS.get(profile)
    return limit, limit is None or hours <= limit
