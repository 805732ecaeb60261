"""The report's tables (as `tabular.Table`s) and provenance.md, from this run's metrics."""
from __future__ import annotations

import json
import math
from collections import defaultdict

from ..config import Params
from ..generation.prompts import render_prompt
from .interval_notes import INTERVAL_NOTE, MEAN_INTERVAL_NOTE, classifier_interval_note
from .rundata import CHARACTERISTICS, FEWSHOT_SUFFIX, LABELS, RunData
from .table_notes import ONE_CLASS, ONE_CLASS_NOTE, SIZED_NOTE
from .tabular import Change, Stat, Table, is_number, number_or_nan, to_markdown

HEADERS = {c: LABELS[c] for c in CHARACTERISTICS}
MEAN_NOTE = ("Mean over the domains each model was run on (column 'domains'); ± is the seed "
             "std of that mean (classifier seeds for faithfulness, complexity and performance; "
             "MAUVE k-means seeds for conformity), propagated as sqrt(sum of squared "
             "per-domain stds)/D. Diversity is one number per dataset (no ±). A domain "
             "without a value (e.g. fewer tokens than the diversity budget k) makes the mean —.")
REFERENCE_NOTE = ("Reference row: diversity of R-train, conformity = MAUVE of R-train against "
                  "R-test, complexity of R-train by the same split procedure, and the R-train "
                  "classifier's accuracy on R-test shown as both faithfulness and performance.")

FLAG = "copies R-test"
HUMAN_NOTE = ("label acc. (human): share of the human labels equal to the label the sample was "
              "written for, pooled over the domains with human labels (weighted by their "
              "number; n and the classifier agreement in table_human_labels); — without any.")
MIXTURE_NOTE = ("Rows of family 'mixture': a synthetic dataset drawn from the member datasets "
                "('mixture of'; params mixtures, stage mix), evaluated like any other, listed "
                "after the rows of its last member model; the claims do not use them.")


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
        vals = [row.get(k, float("nan")) for k in ("leak_exact_test", "leak_near_test")]
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
    human = any(is_number(r.get("label_accuracy")) for r in means)
    mixed = any(r["kind"] == "mixture" for r in means)
    at = CHARACTERISTICS.index("faithfulness") + 1
    heads = [HEADERS[c] for c in CHARACTERISTICS]
    heads[at:at] = ["label acc. (human)"] * human + ["classifier acc."]
    keys = list(CHARACTERISTICS)
    keys[at:at] = ["label_accuracy"] * human + ["classifier_accuracy"]
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
              keys=["model", "family", "shots", "size_b", "decoding", "temperature", "top_p"] +
              keys + ["empty_fraction", "refused_fraction", "cut_off_fraction", "one_class",
                      "leakage", "n_domains"] + ["members"] * mixed)
    if human:
        t.notes.append(HUMAN_NOTE)
    if mixed:
        t.notes.append(MIXTURE_NOTE)
    for r in sorted(means, key=_order(params)):
        ref, mix = r["kind"] in ("reference", "reference_sized"), r["kind"] == "mixture"
        cells = [_stat(r, c) for c in CHARACTERISTICS]
        share = r.get("performance_top_class_share", float("nan"))
        one_class = f"yes ({share:.0%})" if is_number(share) and share > ONE_CLASS else ""
        name = (f"reference (n={int(r['n_samples'])})" if r["kind"] == "reference_sized"
                else r["model"])
        cells[at:at] = ([r.get("label_accuracy", float("nan"))] * human +
                        [r["classifier_accuracy"]])
        t.rows.append([name, r["family"] or "", None if ref or mix else r["shots"],
                       number_or_nan(r["size_b"]), "—" if ref else r["decoding"],
                       number_or_nan(r["temperature"]), number_or_nan(r["top_p"])] + cells +
                      [r["empty_fraction"], r["refused_fraction"], r["cut_off_fraction"],
                       one_class, leak_flag(r, params), r["n_domains"]] +
                      [members_text(r, params)] * mixed)
    return t


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
              keys=["domain", "model", "family", "decoding", "temperature", "top_p"] +
              CHARACTERISTICS + ["n_samples", "cut_off_fraction"])
    domains = {d: i for i, d in enumerate(params.grid.domains)}
    key = _order(params)
    rows = [r for r in run.rows if r["kind"] != "template"]   # their own table_templates
    for r in sorted(rows, key=lambda r: (domains.get(r["domain"], 0), key(r))):
        ref = r["kind"] == "reference"
        t.rows.append([r["domain"], r["model"], r["family"] or "",
                       "—" if ref else r["decoding"], number_or_nan(r["temperature"]),
                       number_or_nan(r["top_p"])] + [_stat(r, c) for c in CHARACTERISTICS] +
                      [int(r["n_samples"]) if not math.isnan(r["n_samples"]) else r["n_samples"],
                       None if ref else r["cut_off_fraction"]])
    return t


def table5_prompts(params: Params) -> Table:
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
              ["domain", "source", "labels", "R-train size", "mean words", "diversity",
               "distinct-2", "distinct-3", "conformity (MAUVE train vs test)",
               "complexity", "classifier accuracy on R-test"],
              notes=[REFERENCE_NOTE,
                     "± is the std over classifier seeds (accuracy, complexity) or MAUVE "
                     "k-means seeds."],
              keys=["domain", "source", "labels", "n_train", "mean_words", "diversity",
                    "distinct_2", "distinct_3", "mauve", "complexity", "test_accuracy"],
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
                       int(r["n_samples"]) if not math.isnan(r["n_samples"]) else r["n_samples"],
                       r["mean_words"], r["diversity"], r["distinct_2"], r["distinct_3"],
                       _stat(r, "mauve"), _stat(r, "complexity"), _stat(r, "performance")])
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


def table_fewshot(means: list[dict], params: Params) -> Table:
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
    by = {(r["model"], r["decoding"]): r for r in means if r["kind"] == "synthetic"}
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


CORRELATED = [("faithfulness", "mauve"), ("faithfulness", "performance"),
              ("mauve", "performance")]


def correlation(xs: list[float], ys: list[float]) -> dict:
    """Pearson and Spearman with two-sided p-values; NaN where n < 3 or a side is constant."""
    from scipy import stats

    pairs = [(x, y) for x, y in zip(xs, ys) if not (math.isnan(x) or math.isnan(y))]
    out = {"n": len(pairs), "pearson": float("nan"), "pearson_p": float("nan"),
           "spearman": float("nan"), "spearman_p": float("nan")}
    if len(pairs) < 3:
        return out
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    if len(set(a)) < 2 or len(set(b)) < 2:
        return out
    pr = stats.pearsonr(a, b)
    sr = stats.spearmanr(a, b)
    out.update(pearson=float(pr.statistic), pearson_p=float(pr.pvalue),
               spearman=float(sr.statistic), spearman_p=float(sr.pvalue))
    return out


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


def build_all(run: RunData, means: list[dict], params: Params) -> list[tuple[str, Table]]:
    """(section of index.html, table) for every table of the report."""
    return [("Table 2", table2(means, params)),
            ("Figures 5 and 6", table_per_domain(run, params)),
            ("Table 5", table5_prompts(params)),
            ("Table 9", table9_reference(run, params)),
            ("Few-shot vs zero-shot", table_fewshot(means, params)),
            ("Correlations", table_correlations(run, params))]


# ------------------------------------------------------------------------ provenance
ENV_KEYS = ("git_commit", "device", "python")


def _environment(p: dict) -> str:
    """The part of a provenance record shared by a whole run: code, packages, machine."""
    return json.dumps({**{k: p.get(k) for k in ENV_KEYS}, "packages": p.get("packages")},
                      sort_keys=True)


def provenance_groups(run: RunData) -> tuple[list[tuple[dict, list[str]]], list[str]]:
    """Distinct environments (git commit, packages, device, python) with their files, and the
    files that carry no provenance (metrics written before provenance was recorded)."""
    groups: dict[str, list[str]] = defaultdict(list)
    bare = []
    for path, p in run.provenance:
        if isinstance(p, dict):
            groups[_environment(p)].append(path)
        else:
            bare.append(path)
    return [(json.loads(k), v) for k, v in groups.items()], bare


def provenance_tables(run: RunData) -> list[Table]:
    """The distinct environments, and every metrics file with its environment and models."""
    envs, bare = provenance_groups(run)
    packages = sorted({k for env, _ in envs for k in (env.get("packages") or {})})
    t_env = Table("provenance_environments", "Environments (identical ones listed once)",
                  ["env", "files", "git commit", "device", "python"] + packages,
                  empty_note="no metrics file of this run records its provenance")
    index = {}
    for i, (env, files) in enumerate(envs, 1):
        index[_environment(env)] = f"E{i}"
        pk = env.get("packages") or {}
        t_env.rows.append([f"E{i}", len(files), str(env.get("git_commit")),
                           str(env.get("device")), str(env.get("python"))] +
                          [str(pk.get(k) or "—") for k in packages])
    t_env.keys = ["env", "files", "git_commit", "device", "python"] + packages
    if len(envs) > 1:
        t_env.notes.append("Warning: the metrics come from more than one environment; the "
                           "tables mix results of different code or package versions.")
    t_files = Table("provenance_files", "Metrics files",
                    ["metrics file", "env", "params sha256", "models"],
                    keys=["metrics_file", "env", "params_sha256", "models"])
    for path, p in run.provenance:
        if not isinstance(p, dict):
            t_files.rows.append([path, "—", "—", "no provenance recorded (older metrics file)"])
            continue
        models = p.get("models") or {}
        desc = "; ".join(f"{k}: {v}" for k, v in sorted(models.items()) if v)
        t_files.rows.append([path, index[_environment(p)], str(p.get("params_sha256", "—")),
                             desc or "—"])
    if bare:
        t_files.notes.append(f"{len(bare)} file(s) carry no provenance: written before "
                             "evaluate recorded it; rerun `dvc repro` to refresh them.")
    return [t_env, t_files]


def provenance_markdown(run: RunData) -> str:
    envs, _ = provenance_groups(run)
    head = ["# Provenance of this run's metrics", "",
            f"{len(run.provenance)} metrics files; {len(envs)} distinct environment(s) (git "
            "commit, package versions, device, Python). The params sha256 of a file hashes the "
            "params that file depends on, so it differs between cells by design.", ""]
    return "\n".join(head) + "\n" + "\n".join(to_markdown(t) for t in provenance_tables(run))
