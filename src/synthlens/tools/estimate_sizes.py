"""The dry run's counts and rates: how many rows, datasets, steps and tokens each piece of work
has, and the throughputs (dry_run, scaled by model size) it runs at; tools/estimate.py and
tools/estimate_extra.py turn them into lines of the estimate. Reads no data, loads no model."""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from ..config import ClassifierSpec, Params

# dry_run.mauve_seconds is stated for this many samples a side
MAUVE_REFERENCE_SAMPLES = 500


@dataclass(frozen=True)
class Item:
    """One line of the estimate: what runs, the work it does, its seconds, and whether that
    time is spent on the CPU (MAUVE's k-means, the analyses, TF-IDF fits) rather than the GPU
    or an API endpoint."""

    group: str
    name: str
    detail: str
    seconds: float
    cpu: bool = False


def n_(x: float) -> str:
    return f"{x:,.0f}"


def seeds_(k: int) -> str:
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
    """Rows of one synthetic dataset (a mixture has a member's size): the domain's samples per
    label (its own setting, else generate's) times its labels."""
    return params.samples_per_label(domain) * len(params.domain(domain).labels)


def evaluated(domain: str) -> str:
    """Where the estimate puts a domain's evaluation work: the evaluate stages (evaluate@<model>
    for each generator's datasets, evaluate_mixtures, evaluate_reference@<domain>), summed."""
    return f"evaluate ({domain})"


def evaluated_datasets(params: Params, domain: str) -> tuple[int, int, int]:
    """(grid cells, template variants, mixtures): the synthetic datasets the evaluate stages
    scores (Params.datasets of every grid model, then Params.active_mixtures)."""
    grid = len(params.grid.models) * len(params.grid.decodings)
    every = sum(1 for m in params.grid.models for row in params.datasets(m) if row[0] == domain)
    return grid, every - grid, len(params.active_mixtures())


def datasets_detail(params: Params, domain: str) -> tuple[int, str]:
    """(how many synthetic datasets the evaluate stages score in a domain, '<n> datasets' with the template
    variants and mixtures among them named)."""
    grid, variants, mixtures = evaluated_datasets(params, domain)
    extra = [f"{k} {what}" for k, what in ((variants, "template"), (mixtures, "mixture")) if k]
    total = grid + variants + mixtures
    return total, f"{total} datasets" + (f" ({', '.join(extra)})" if extra else "")


def holdout_rows(counts_per_label: list[int], holdout_fraction: float) -> int:
    """Rows a stratified split holds out (metrics.characteristics.stratified_split's rule)."""
    return sum(min(int(round(n * holdout_fraction)), n - 1) if n > 1 else 0
               for n in counts_per_label)


def finetune_steps(n: int, spec: ClassifierSpec) -> int:
    """Optimiser steps of one fine-tune on n texts (metrics.classifier.train_classifier's rule:
    ceil(n / batch) * epochs, more epochs until min_steps)."""
    per_epoch = ceil(n / spec.batch_size)
    return per_epoch * max(spec.epochs, ceil(spec.min_steps / per_epoch))


def _longest_attributes(params: Params) -> dict[str, str]:
    """Each attribute placeholder filled with its longest value (the longest prompt)."""
    out = {}
    for name, values in params.attributes.items():
        lists = values.values() if isinstance(values, dict) else [values]
        out[name] = max((v for vs in lists for v in vs), key=len)
    return out


def prompt_tokens(params: Params, model: str, domain: str, prompt: str | None = None) -> int:
    """Rough length in tokens (4 characters a token) of the prompt `prompt` (default: the
    model's own) for the longest label, few-shot examples and attribute values included."""
    spec, d = params.model(model), params.domain(domain)
    template = params.prompts[prompt or spec.prompt]
    label = max((d.label_phrase(x) for x in d.labels), key=len)
    base = len(template.format(label=label, subject=d.subject, examples="",
                               **_longest_attributes(params)))
    return (base + spec.shots * params.dry_run.example_chars) // 4 + 1


def probe_tokens(params: Params, model: str, domain: str) -> int:
    """Tokens of one probe sequence: the probe template (completion for a vanilla model,
    instruction for an instruct one; its chat wrapping not counted) with the label list, at 4
    characters a token, plus dry_run.probe_text_tokens for the R-test text (assumed)."""
    d, p = params.domain(domain), params.probe
    template = p.instruction if params.model(model).family == "instruct" else p.completion
    filled = template.format(text="", labels=", ".join(d.label_phrase(x) for x in d.labels))
    return len(filled) // 4 + 1 + params.dry_run.probe_text_tokens


# ---------------------------------------------------------------- throughputs
def architecture(params: Params, model: str) -> str | None:
    """The key of dry_run.tokens_per_second_7b_by_arch that names the model: contained in its
    path or its name (lower case), the longest such key; None when none is."""
    where = f"{params.model(model).path or ''} {model}".lower()
    keys = [k for k in params.dry_run.tokens_per_second_7b_by_arch if k.lower() in where]
    return max(keys, key=len) if keys else None


def output_rate(params: Params, model: str) -> tuple[float, str]:
    """(output tokens/s, the figure it comes from). hf: the model's architecture figure
    (few_shot for a model with shots, when stated) or tokens_per_second_7b, scaled by
    7/size_b, never above generate.batch_size per hf_step_overhead_s; vllm: its own 7B
    figure scaled by 7/size_b."""
    d, spec, scale = params.dry_run, params.model(model), 7.0 / size_b(params, model)
    if spec.backend == "vllm":
        return d.vllm_tokens_per_second_7b * scale, "vllm_tokens_per_second_7b"
    arch = architecture(params, model)
    if arch is None:
        rate, source = d.tokens_per_second_7b, "tokens_per_second_7b"
    else:
        figure = d.tokens_per_second_7b_by_arch[arch]
        few = bool(spec.shots) and figure.few_shot is not None
        rate = figure.few_shot if few else figure.zero_shot
        source = f"{arch} {'few_shot' if few else 'zero_shot'}"
    cap = params.generate.batch_size / d.hf_step_overhead_s
    if rate * scale > cap:
        return cap, f"step-overhead cap, batch {params.generate.batch_size}"
    return rate * scale, source


def api_seconds(params: Params, model: str, requests: int, tokens: int) -> tuple[float, str]:
    """(wall seconds, why) of an API model's requests, each costing prompt + max_tokens of
    `tokens` in all: the slowest of the latency at api.max_concurrency requests in flight
    (dry_run.api_seconds_per_request each), requests / requests_per_minute and tokens /
    tokens_per_minute (the model's api limits, else dry_run's assumed ones; no term where
    neither states one), as generation/ratelimit.py paces them."""
    api, d = params.model(model).api, params.dry_run
    terms = {f"{api.max_concurrency} at a time x {d.api_seconds_per_request:g} s":
             requests / api.max_concurrency * d.api_seconds_per_request}
    for what, count, own, assumed in (("requests", requests, api.requests_per_minute,
                                       d.api_requests_per_minute),
                                      ("tokens", tokens, api.tokens_per_minute,
                                       d.api_tokens_per_minute)):
        limit = own or assumed
        if limit:
            mark = "" if own else " (assumed)"
            terms[f"{n_(count)} {what} at {n_(limit)}/min{mark}"] = count / limit * 60
    binding = max(terms, key=terms.get)
    parts = [f"{k}: {v / 60:.1f} min" + (" (binds)" if k == binding and len(terms) > 1 else "")
             for k, v in terms.items()]
    return terms[binding], "; ".join(parts) + ("" if len(terms) > 1 else
                                               "; no rate limit stated or assumed")


def prefill_tokens_per_second(params: Params, model: str) -> float:
    return params.dry_run.prefill_tokens_per_second_7b * 7.0 / size_b(params, model)


def mauve_sides(params: Params, domain: str) -> tuple[int, int]:
    """Samples a side of a synthetic dataset's MAUVE run and of the reference row's: the
    R-train subsample (mauve_samples) against S, and against R-test."""
    n_train, n_test = reference_rows(params, domain)
    ref = min(n_train, params.evaluate.mauve_samples)
    return min(ref, synthetic_rows(params, domain)), min(ref, n_test)


def mauve_run_seconds(params: Params, side: int) -> float:
    """CPU seconds of one MAUVE run at `side` samples a side: dry_run.mauve_seconds scaled by
    (side / 500)^2."""
    return params.dry_run.mauve_seconds * (side / MAUVE_REFERENCE_SAMPLES) ** 2
