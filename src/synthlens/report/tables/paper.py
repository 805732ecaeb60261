"""The tables of the paper's numbers, each a builder of one `tabular.Table`: Table 2 (the five
characteristics per model and decoding, mean over domains), its per-domain version (Figures 5
and 6 as a table), Table 5 (prompts), Table 9 (reference datasets), few-shot vs zero-shot and
the correlations of faithfulness, conformity and performance; the leakage flag Table 2 and
table_leakage share. Their notes are in tables/notes.py; registry.py lists them.
"""
from __future__ import annotations

import math
from collections import defaultdict

from ...config import Params
from ...generation.prompts import render_prompt
from ...metrics.correlation import correlation
from ...metrics.schema import K
from ..manifest import Section
from ..rundata import CHARACTERISTICS, FEWSHOT_SUFFIX, LABELS, RunData, domain_means
from ..tabular import Change, Stat, Table, is_number, number_or_nan
from .notes import (HUMAN_NOTE, INTERVAL_NOTE, MEAN_INTERVAL_NOTE, MEAN_NOTE, MIXTURE_NOTE,
                    ONE_CLASS, ONE_CLASS_NOTE, REFERENCE_NOTE, SIZED_NOTE,
                    classifier_interval_note)

TABLE_2 = Section("Table 2", "Means over domains per model and decoding; rows of family "
                  "'mixture' are datasets drawn from their members ('mixture of'), listed after "
                  "their last member model.")
TABLE_5 = Section("Table 5")
TABLE_9 = Section("Table 9")
FEWSHOT = Section("Few-shot vs zero-shot")
CORRELATIONS = Section("Correlations")
HEADERS = {c: LABELS[c] for c in CHARACTERISTICS}
FLAG = "copies R-test"


def _stat(row: dict, c: str) -> Stat:
    nan = float("nan")
    return Stat(row[c], row.get(f"{c}_std", nan), row.get(f"{c}_ci_low", nan),
                row.get(f"{c}_ci_high", nan))


def leak_flag(row: dict, params: Params) -> str:
    """FLAG when the dataset (a mean: any of its domains) repeats R-test, exactly or nearly,
    in at least params.analyses.leak_flag of its samples; '' otherwise or without numbers."""
    if "leak_test_max" in row:
        worst = row["leak_test_max"]
    else:
        vals = [row.get(k, float("nan")) for k in (K.leak_exact_test, K.leak_near_test)]
        vals = [v for v in vals if not math.isnan(v)]
        worst = max(vals) if vals else float("nan")
    return FLAG if not math.isnan(worst) and worst >= params.analyses.leak_flag else ""


def _order(params: Params):
    """Reference first, then grid order; a mixture right after the rows of its last member
    model (in grid order)."""
    models = {m: i for i, m in enumerate(params.grid.models)}
    decodings = {d: i for i, d in enumerate(params.grid.decodings)}
    domains = {d: i for i, d in enumerate(params.grid.domains)}

    def key(r: dict):
        model = models.get(r["model"], len(models))
        if r["kind"] == "mixture":
            model = max((models.get(m.split("/")[0], len(models)) for m in r.get("members", [])),
                        default=len(models))
        return (r["kind"] not in ("reference", "reference_sized"), r["kind"] == "reference_sized",
                model, r["kind"] == "mixture",
                domains.get(r.get("domain"), -1), decodings.get(r["decoding"], len(decodings)),
                r["model"])
    return key


def members_text(row: dict, params: Params) -> str:
    """A mixture's members, 'model/decoding' joined by ' + ', each with its weight (×w) when
    the weights differ (params mixtures); '' for any other row."""
    if row["kind"] != "mixture":
        return ""
    spec = params.mixtures.get(row["model"])
    weights = ([m.weight for m in spec.members] if spec and
               [f"{m.model}/{m.decoding}" for m in spec.members] == row.get("members") else [])
    if len(set(weights)) > 1:
        return " + ".join(f"{m} ×{w:g}" for m, w in zip(row["members"], weights))
    return " + ".join(row.get("members", []))


def table2(means: list[dict], params: Params) -> Table:
    """The grid's (model, decoding) means, the reference rows and each mixture (after its
    members, members listed); a human-label column when any dataset has human labels."""
    means = [r for r in means if r["kind"] in ("reference", "reference_sized", "synthetic",
                                               "mixture")]
    human = any(is_number(r.get(K.label_accuracy)) for r in means)
    mixed = any(r["kind"] == "mixture" for r in means)
    at = CHARACTERISTICS.index(K.faithfulness) + 1
    heads = [HEADERS[c] for c in CHARACTERISTICS]
    heads[at:at] = ["label acc. (human)"] * human + ["classifier acc."]
    keys = list(CHARACTERISTICS)
    keys[at:at] = [K.label_accuracy] * human + [K.classifier_accuracy]
    t = Table("table2_models", "Table 2: the five characteristics per model and decoding "
              "(mean over domains)",
              ["model", "family", "shots", "size (B)", "decoding", "T", "top-p"] + heads +
              ["empty", "refused", "cut off", "one class", "leakage", "domains"] +
              ["mixture of"] * mixed,
              notes=[MEAN_NOTE, MEAN_INTERVAL_NOTE, INTERVAL_NOTE,
                     classifier_interval_note(params), REFERENCE_NOTE, SIZED_NOTE, ONE_CLASS_NOTE,
                     "classifier acc.: the reference (R-train) classifier's own accuracy on "
                     "R-test, the yardstick of faithfulness. empty / refused / cut off: share "
                     "of the samples that were empty, a refusal, or stopped by the token limit "
                     "(mean over domains; per dataset in table_per_domain).",
                     f"leakage: '{FLAG}' when, in at least one domain, at least "
                     f"{params.analyses.leak_flag:g} of the samples repeat an R-test text "
                     "exactly or nearly (params analyses.leak_flag; numbers in table_leakage)."],
              keys=["model", "family", "shots", "size_b", "decoding", K.temperature, K.top_p] +
              keys + [K.empty_fraction, K.refused_fraction, K.cut_off_fraction, "one_class",
                      "leakage", "n_domains"] + ["members"] * mixed)
    if human:
        t.notes.append(HUMAN_NOTE)
    if mixed:
        t.notes.append(MIXTURE_NOTE)
    for r in sorted(means, key=_order(params)):
        ref, mix = r["kind"] in ("reference", "reference_sized"), r["kind"] == "mixture"
        cells = [_stat(r, c) for c in CHARACTERISTICS]
        share = r.get(K.performance_top_class_share, float("nan"))
        one_class = f"yes ({share:.0%})" if is_number(share) and share > ONE_CLASS else ""
        name = (f"reference (n={int(r['n_samples'])})" if r["kind"] == "reference_sized"
                else r["model"])
        cells[at:at] = ([r.get(K.label_accuracy, float("nan"))] * human +
                        [r[K.classifier_accuracy]])
        t.rows.append([name, r["family"] or "", None if ref or mix else r["shots"],
                       number_or_nan(r["size_b"]), "—" if ref else r["decoding"],
                       number_or_nan(r[K.temperature]), number_or_nan(r[K.top_p])] + cells +
                      [r[K.empty_fraction], r[K.refused_fraction], r[K.cut_off_fraction],
                       one_class, leak_flag(r, params), r["n_domains"]] +
                      [members_text(r, params)] * mixed)
    return t


def table2_models(run: RunData, params: Params) -> Table:
    """Table 2 of this run: table2 of its means over domains."""
    return table2(domain_means(run), params)


def table_per_domain(run: RunData, params: Params) -> Table:
    t = Table("table_per_domain", "Figures 5 and 6 as a table: the five characteristics per "
              "domain, model and decoding",
              ["domain", "model", "family", "decoding", "T", "top-p"] +
              [HEADERS[c] for c in CHARACTERISTICS] + ["samples", "cut off"],
              notes=["± is the std over seeds (classifier seeds; MAUVE k-means seeds).",
                     INTERVAL_NOTE, classifier_interval_note(params), REFERENCE_NOTE,
                     "cut off: share of the dataset's samples stopped by the token limit "
                     "(generate.max_new_tokens or the domain's own), not by an end of their "
                     "own; Table 2 shows its mean over domains."],
              keys=["domain", "model", "family", "decoding", K.temperature, K.top_p] +
              CHARACTERISTICS + [K.n_samples, K.cut_off_fraction])
    domains = {d: i for i, d in enumerate(params.grid.domains)}
    key = _order(params)
    rows = [r for r in run.rows if r["kind"] != "template"]   # their own table_templates
    for r in sorted(rows, key=lambda r: (domains.get(r["domain"], 0), key(r))):
        ref = r["kind"] == "reference"
        t.rows.append([r["domain"], r["model"], r["family"] or "",
                       "—" if ref else r["decoding"], number_or_nan(r[K.temperature]),
                       number_or_nan(r[K.top_p])] + [_stat(r, c) for c in CHARACTERISTICS] +
                      [int(r[K.n_samples]) if not math.isnan(r[K.n_samples]) else r[K.n_samples],
                       None if ref else r[K.cut_off_fraction]])
    return t


def table5_prompts(run: RunData, params: Params) -> Table:
    """Each prompt template the run's models use, per family and domain, with the prompt the
    first label gets (few-shot examples shown as placeholders)."""
    t = Table("table5_prompts", "Table 5: prompts per model family and domain",
              ["family", "prompt", "models", "domain", "template", "example (first label)"],
              keys=["family", "prompt", "models", "domain", "template", "example"],
              notes=["{label} is the label's wording (label_descriptions), {subject} the "
                     "domain's subject, {examples} one '- text' line per few-shot example "
                     "drawn from R-train with the sample's seed (placeholders here). \\n is a "
                     "newline.",
                     "Vanilla models get the text as a completion prompt; instruct models get "
                     "it as the user message of their chat template (API models: the chat "
                     "endpoint)."])
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name in params.grid.models:
        spec = params.models[name]
        groups[(spec.family, spec.prompt)].append(name)
    for (family, prompt), models in sorted(groups.items()):
        template = params.prompts[prompt]
        shots = max(params.models[m].shots for m in models)
        for domain in params.grid.domains:
            spec = params.domains[domain]
            label = spec.labels[0]
            examples = [f"<{spec.label_phrase(label)} {spec.subject} {i + 1} from R-train>"
                        for i in range(shots)]
            t.rows.append([family, prompt, ", ".join(models), domain, template,
                           render_prompt(template, spec, label, examples)])
    return t


def table9_reference(run: RunData, params: Params) -> Table:
    t = Table("table9_reference", "Table 9: characteristics of each reference dataset",
              ["domain", "source", "labels", "R-train size", "mean words", K.diversity,
               "distinct-2", "distinct-3", "conformity (MAUVE train vs test)",
               K.complexity, "classifier accuracy on R-test"],
              notes=[REFERENCE_NOTE,
                     "± is the std over classifier seeds (accuracy, complexity) or MAUVE "
                     "k-means seeds."],
              keys=["domain", "source", "labels", "n_train", K.mean_words, K.diversity,
                    K.distinct_2, K.distinct_3, K.mauve, K.complexity, "test_accuracy"],
              empty_note="no reference metrics in this run (evaluate_reference has not run)")
    domains = {d: i for i, d in enumerate(params.grid.domains)}
    for r in sorted(run.reference(), key=lambda r: domains.get(r["domain"], 0)):
        spec = params.domains.get(r["domain"])
        source = ""
        if spec is not None:
            path = (", ".join(f"{k}: {v}" for k, v in spec.path.items())
                    if isinstance(spec.path, dict) else spec.path)
            source = spec.source + (f": {path}" if path else
                                    f": {spec.builtin}" if spec.builtin else "")
            if spec.config_name:
                source += f" ({spec.config_name})"
        labels = f"{len(spec.labels)}: " + ", ".join(spec.labels) if spec else ""
        t.rows.append([r["domain"], source, labels,
                       int(r[K.n_samples]) if not math.isnan(r[K.n_samples]) else r[K.n_samples],
                       r[K.mean_words], r[K.diversity], r[K.distinct_2], r[K.distinct_3],
                       _stat(r, K.mauve), _stat(r, K.complexity), _stat(r, K.performance)])
    return t


def _identity(spec) -> tuple:
    """What makes two model entries the same weights: source and where they come from."""
    return (spec.source, spec.path, spec.package, spec.gguf_file,
            spec.api.model if spec.api else None, spec.revision)


def fewshot_pairs(params: Params) -> list[tuple[str, str | None]]:
    """(few-shot model, its zero-shot counterpart or None) for the few-shot models of the grid.
    The counterpart has the same family and the same weights (source and path/package/API
    model) with shots = 0; failing that, the name without '-fewshot'."""
    grid = params.grid.models
    pairs = []
    for name in grid:
        spec = params.models[name]
        if not spec.shots:
            continue
        match = [m for m in grid if not params.models[m].shots and
                 params.models[m].family == spec.family and
                 _identity(params.models[m]) == _identity(spec)]
        if not match:
            stripped = FEWSHOT_SUFFIX.sub("", name)
            match = [m for m in grid if m == stripped and not params.models[m].shots]
        pairs.append((name, match[0] if match else None))
    return pairs


def table_fewshot(run: RunData, params: Params) -> Table:
    """Per few-shot model of the grid and decoding, each characteristic's mean over domains
    next to its zero-shot counterpart's (fewshot_pairs)."""
    t = Table("table_fewshot", "Few-shot vs zero-shot (mean over domains): zero-shot → "
              "few-shot (difference)",
              ["few-shot model", "zero-shot counterpart", "family", "shots", "decoding"] +
              [HEADERS[c] for c in CHARACTERISTICS],
              notes=["Counterpart: the grid model with the same weights (source and hub "
                     "path/package/API model), the same family and shots = 0.",
                     "The paper's claim: examples in the prompt raise conformity and diversity "
                     "of instruction-tuned models a lot, and downstream performance too."],
              keys=["fewshot_model", "zeroshot_model", "family", "shots", "decoding"] +
              CHARACTERISTICS,
              empty_note="This run has no few-shot models (no grid model with shots > 0): "
                         "nothing to compare.")
    by = {(r["model"], r["decoding"]): r for r in domain_means(run) if r["kind"] == "synthetic"}
    for few, zero in fewshot_pairs(params):
        spec = params.models[few]
        for decoding in params.grid.decodings:
            f = by.get((few, decoding))
            z = by.get((zero, decoding)) if zero else None
            if f is None and z is None:
                continue
            cells = []
            for c in CHARACTERISTICS:
                cells.append(Change(z[c] if z else float("nan"), f[c] if f else float("nan"),
                                    "zero_shot", "few_shot"))
            t.rows.append([few, zero or "— (none in this run)", spec.family, spec.shots,
                           decoding] + cells)
    return t


CORRELATED = [(K.faithfulness, K.mauve), (K.faithfulness, K.performance),
              (K.mauve, K.performance)]


def table_correlations(run: RunData, params: Params) -> Table:
    t = Table("table_correlations", "Are faithfulness, conformity and performance redundant? "
              "Correlations across synthetic datasets",
              ["datasets", "pair", "n", "Pearson r", "p (Pearson)", "Spearman ρ",
               "p (Spearman)"],
              notes=["One point per synthetic dataset (model × domain × decoding) of this run; "
                     "a dataset lacking either value is left out (n counts the rest). Two-sided "
                     "p-values (scipy); — where n < 3 or a side is constant.",
                     "The pooled rows mix differences between domains with differences between "
                     "models; the per-domain rows hold the domain fixed. |r| near 1 would mean "
                     "the two measures are redundant on this run."],
              keys=["datasets", "pair", "n", "pearson_r", "pearson_p", "spearman_rho",
                    "spearman_p"],
              empty_note="no synthetic datasets in this run")
    synthetic = run.synthetic()
    if not synthetic:
        return t
    scopes = [("all domains", synthetic)] + [
        (d, [r for r in synthetic if r["domain"] == d]) for d in params.grid.domains]
    for scope, rows in scopes:
        for x, y in CORRELATED:
            c = correlation([r[x] for r in rows], [r[y] for r in rows])
            t.rows.append([scope, f"{LABELS[x]} vs {LABELS[y]}", c["n"], c["pearson"],
                           c["pearson_p"], c["spearman"], c["spearman_p"]])
    return t

