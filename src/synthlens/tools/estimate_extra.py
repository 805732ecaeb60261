"""The dry run's lines for the work beyond the paper's five numbers: the contamination probe
(in generate@<model>), the analyses (metrics/analyses.py) and the learning curves (in
the evaluate stages); tools/estimate.py adds them to the estimate. Reads no data."""
from __future__ import annotations

from ..config import Params
from .estimate_sizes import (Item, datasets_detail, finetune_steps, mauve_run_seconds,
                             mauve_sides, n_, prefill_tokens_per_second, probe_tokens,
                             reference_rows, synthetic_rows, evaluated)


def probe(params: Params) -> list[Item]:
    """generate@<model> of an hf model, per domain: min(probe.max_texts, R-test rows) texts x
    one scored sequence per label (probe template + the text), one forward pass each at the
    model's prefill tokens/s. None when probe.enabled is off; other backends are not probed."""
    if not params.probe.enabled:
        return []
    items = []
    for model in params.grid.models:
        if params.model(model).backend != "hf":
            continue
        sequences = tokens = 0
        for domain in params.grid.domains:
            texts = min(params.probe.max_texts, reference_rows(params, domain)[1])
            count = texts * len(params.domain(domain).labels)
            sequences += count
            tokens += count * probe_tokens(params, model, domain)
        rate = prefill_tokens_per_second(params, model)
        items.append(Item("probe", f"generate@{model}",
                          f"{len(params.grid.domains)} domains: {n_(sequences)} sequences (up "
                          f"to {params.probe.max_texts} R-test texts x labels), {n_(tokens)} "
                          f"tokens (texts of {params.dry_run.probe_text_tokens} tokens assumed) "
                          f"at {n_(rate)}/s", tokens / rate))
    return items


def analyses(params: Params) -> list[Item]:
    """With analyses.enabled: second_opinion@<domain> fits the TF-IDF classifier and the second
    featurizer's TF-IDF + SVD on R-train once (dry_run.analyses_fit_seconds_per_domain); in
    the evaluate stages, per synthetic dataset one MAUVE run on the second featurizer (first
    seed) and analyses.mauve_resamples bootstrap MAUVE runs, plus
    dry_run.analyses_seconds_per_dataset for the rest; the reference row: that constant and
    one second-featurizer MAUVE run (R-train against R-test). All on the CPU."""
    a, d = params.analyses, params.dry_run
    c, fit = d.analyses_seconds_per_dataset, d.analyses_fit_seconds_per_domain
    if not a.enabled:
        return []
    items = []
    for domain in params.grid.domains:
        datasets, what = datasets_detail(params, domain)
        side_s, side_r = mauve_sides(params, domain)
        each_s, each_r = mauve_run_seconds(params, side_s), mauve_run_seconds(params, side_r)
        runs = 1 + a.mauve_resamples
        items.append(Item("analyses", f"second_opinion@{domain}",
                          "one TF-IDF classifier + TF-IDF + SVD fit on R-train (CPU)", fit,
                          cpu=True))
        items.append(Item("analyses", evaluated(domain),
                          f"{what} x ({runs} MAUVE run{'s' if runs != 1 else ''} at "
                          f"{n_(side_s)} a side, {each_s:.2f} s each, + {c:g} s) + the "
                          f"reference row (1 MAUVE run at {n_(side_r)} a side + {c:g} s) (CPU)",
                          datasets * (runs * each_s + c) + each_r + c, cpu=True))
    return items


def learning_curves(params: Params) -> list[Item]:
    """The evaluate stages with learning_curve.sizes: for every synthetic dataset and for R-train,
    one fit per size no larger than the data (larger ones are NaN, not trained). tfidf:
    dry_run.tfidf_fit_seconds a fit (CPU); classifier: a fine-tune of finetune_steps(size)
    steps and inference on R-test per fit."""
    lc, d, c = params.learning_curve, params.dry_run, params.classifier
    if not lc.sizes:
        return []
    items = []
    for domain in params.grid.domains:
        datasets, what = datasets_detail(params, domain)
        n_train, n_test = reference_rows(params, domain)
        n_s = synthetic_rows(params, domain)
        fit_s, fit_r = [n for n in lc.sizes if n <= n_s], [n for n in lc.sizes if n <= n_train]
        fits = datasets * len(fit_s) + len(fit_r)
        head = f"{what} x {len(fit_s)} sizes + R-train x {len(fit_r)} sizes = {fits} fits"
        if lc.backbone == "tfidf":
            items.append(Item("learning curves", evaluated(domain),
                              f"{head} x {d.tfidf_fit_seconds:g} s (TF-IDF, CPU)",
                              fits * d.tfidf_fit_seconds, cpu=True))
            continue
        steps = (datasets * sum(finetune_steps(n, c) for n in fit_s)
                 + sum(finetune_steps(n, c) for n in fit_r))
        texts = fits * n_test
        items.append(Item("learning curves", evaluated(domain),
                          f"{head}: {n_(steps)} fine-tuning steps + {n_(texts)} R-test texts",
                          steps / d.classifier_steps_per_second
                          + texts / d.classifier_texts_per_second))
    return items
