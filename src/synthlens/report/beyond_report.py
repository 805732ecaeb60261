"""The report's outputs beyond the paper's five numbers (issue 9), built from this run's metrics:
the robustness tables (rank agreement under a second classifier backbone / featurizer, and the
claims' verdicts under each), the leakage table (with the embedding-space measures), the
label-quality table, the per-label table, and two heat maps (the
characteristics' correlations, the diversity measures' agreement). The pieces that work on flat
rows are in beyond.py; this module picks the run's rows, names the files and the sections.
"""
from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

from ..config import Params
from . import beyond
from .claim_checks import evaluate_claims
from .manifest import Artefact
from .rundata import CHARACTERISTICS, LABELS, RunData
from .tables import FLAG, leak_flag
from .tabular import Table

# index.html section -> the sentence that says how to read it (README.md repeats it)
INTRO = {
    "Robustness": "Do the conclusions survive a second classifier backbone (TF-IDF + logistic "
                  "regression) and a second MAUVE featurizer (TF-IDF + SVD)? Spearman ρ near 1 "
                  "means the datasets keep their order; the second table gives each claim's "
                  "verdict under either.",
    "Leakage": "Per dataset, the share of samples repeating R-train / R-test or an earlier "
               "sample (exactly or nearly), the two-sample AUC next to MAUVE (0.5 = real and "
               "synthetic indistinguishable) and the other diversity measures; a high R-test "
               "share flatters faithfulness and performance. In the featurizer's embedding "
               "space: Vendi and cosine diversity, the share nearer R-train than a real "
               "holdout, semantic near duplicates; the reference_n row is real text of the "
               "same size, the ceiling to read each value against.",
    "Label quality": "Is low faithfulness mislabelling or another style, is high complexity "
                     "noise or hard examples? Label issues by confident learning (cleanlab) "
                     "beside faithfulness; the data map's easy / ambiguous / hard shares "
                     "beside complexity.",
    "Characteristic correlations": "Spearman correlation of each pair of characteristics "
                                   "across the run's synthetic datasets (n in the title): "
                                   "|ρ| near 1 means two characteristics say the same thing.",
    "Diversity measures": "Spearman correlation between the diversity measures across the "
                          "synthetic datasets, each turned so that higher = more varied: near 1 "
                          "means they rank the datasets alike.",
    "Per label": "Faithfulness per label and, per dataset and label asked for, what the "
                 "reference classifier took the samples for: which labels a generator writes "
                 "badly and what they read like instead.",
}
SECOND_KEYS = {"faithfulness": "faithfulness_2", "complexity": "complexity_2",
               "performance": "performance_2", "mauve": "mauve_2"}


def _key(params: Params):
    """Sort rows by domain, reference first, then grid order of model and decoding."""
    pos = {name: {v: i for i, v in enumerate(vals)} for name, vals in
           (("domain", params.grid.domains), ("model", params.grid.models),
            ("decoding", params.grid.decodings))}
    return lambda r: (pos["domain"].get(r["domain"], 99), r["kind"] != "reference",
                      pos["model"].get(r["model"], 99), pos["decoding"].get(r["decoding"], 99))


# ---------------------------------------------------------------- robustness
def second_opinion_run(run: RunData) -> RunData:
    """A copy of the run whose faithfulness, complexity, performance and MAUVE are the second
    backbone's / featurizer's values (their stds the second stds, no intervals: neither the
    per-dataset ones nor the bootstrap draws a mean over domains would get one from)."""
    nan = float("nan")
    rows = []
    for r in run.rows:
        r = dict(r)
        boot = r.get("bootstrap") or {}
        r["bootstrap"] = {"level": boot.get("level"),
                          "draws": {c: d for c, d in (boot.get("draws") or {}).items()
                                    if c not in SECOND_KEYS}}
        for c, second in SECOND_KEYS.items():
            r[c] = r.get(second, nan)
            r[f"{c}_std"] = r.get(f"{second}_std", nan)
            r[f"{c}_ci_low"] = r[f"{c}_ci_high"] = nan
        rows.append(r)
    return replace(run, rows=rows)


def robustness_tables(run: RunData, params: Params) -> list[Table]:
    """table_robustness (rank agreement per characteristic) and table_robustness_verdicts."""
    ranks = beyond.robustness_table(run.rows)
    ranks.name = "table_robustness"
    ranks.notes.append("One point per synthetic dataset (model × domain × decoding); "
                       "'datasets' is n. The second values come from the same evaluate stage "
                       "(params analyses).")
    main = {r.number: r.verdict for r in evaluate_claims(run, params)}
    second = {r.number: r.verdict for r in evaluate_claims(second_opinion_run(run), params)}
    verdicts = beyond.verdicts_table(main, second, main_name="main backbone + featurizer",
                                     second_name="second backbone + featurizer")
    verdicts.name = "table_robustness_verdicts"
    verdicts.title = ("The paper's claims under the main and the second classifier backbone "
                      "and MAUVE featurizer")
    verdicts.notes = ["The same checks as claims.md, once on this run's numbers and once with "
                      "faithfulness, complexity, performance and conformity replaced by the "
                      "second backbone's / featurizer's values (diversity is unchanged). "
                      "Claims as numbered in claims.md; a verdict that flips rests on the "
                      "choice of model."]
    return [ranks, verdicts]


# ---------------------------------------------------------------- leakage
LEAK_COLUMNS = [("leak_exact_train", "R-train exact"), ("leak_exact_test", "R-test exact"),
                ("leak_near_train", "R-train near"), ("leak_near_test", "R-test near"),
                ("self_exact", "self exact"), ("self_near", "self near"),
                ("mauve", LABELS["mauve"]), ("two_sample_auc", "two-sample AUC"),
                ("compression_ratio", "compression ratio"), ("self_bleu", "Self-BLEU"),
                ("diversity", "distinct-1"), ("diversity_per_label", "per-label distinct-1"),
                ("vendi", "Vendi"), ("vendi_per_label", "per-label Vendi"),
                ("cosine_diversity", "cosine diversity"),
                ("closer_to_train", "closer to R-train"),
                ("near_dup_self", "semantic self near-dup."),
                ("near_dup_test", "semantic R-test near-dup.")]


def leakage_table(run: RunData, params: Params) -> Table:
    a = params.analyses
    t = Table("table_leakage", "Leakage, self-duplicates, two-sample test and more diversity "
              "measures per dataset",
              ["domain", "model", "decoding"] + [h for _, h in LEAK_COLUMNS] + ["leakage"],
              keys=["domain", "model", "decoding"] + [k for k, _ in LEAK_COLUMNS] + ["leakage"],
              notes=["R-train / R-test exact: share of the samples equal to a text of R-train / "
                     "R-test after normalising case and spaces; near: word "
                     f"{a.near_ngram}-gram Jaccard similarity ≥ {a.near_threshold:g} with one. "
                     "self: repeating an earlier sample of the same dataset. Reference rows "
                     "compare R-train with R-test.",
                     "two-sample AUC: cross-validated ROC AUC of a TF-IDF classifier telling "
                     "R-train from the dataset (0.5 = indistinguishable, 1 = always told "
                     "apart), next to MAUVE, which asks the same question with embeddings.",
                     "compression ratio: raw / gzip bytes (higher = more repetitive); "
                     "Self-BLEU: each sampled text against the others (higher = more alike); "
                     "per-label distinct-1: distinct-1 within each label, averaged.",
                     "In the featurizer's embedding space (docs/measures.md): Vendi, the "
                     "effective number of different texts (1 to n; per label: mean over "
                     "labels); cosine diversity, 1 - the mean pairwise cosine similarity; "
                     "closer to R-train, the share of texts nearer R-train than an equally "
                     "sized real holdout (R-test), about 0.5 for text drawn like both; "
                     "semantic near-dup.: the share whose nearest other text (self) or "
                     "nearest R-test text is more similar than "
                     f"{a.near_dup_quantile:g} of real texts' nearest neighbours "
                     "(params analyses.near_dup_quantile).",
                     "The reference_n row is the real-vs-real ceiling: the same measures for "
                     "real R-train texts of the synthetic size that the other side does not "
                     "hold (two-sample AUC: against R-train; closer to R-train: outside its "
                     "side) — read each dataset's value against it, not against 0.5 or 0.",
                     f"leakage: '{FLAG}' at an R-test share ≥ {a.leak_flag:g} "
                     "(params analyses.leak_flag). — where the metrics file has no value."])
    for r in sorted(run.rows, key=_key(params)):
        t.rows.append([r["domain"], r["model"], "—" if r["kind"] == "reference"
                       else r["decoding"]] + [r.get(k, float("nan")) for k, _ in LEAK_COLUMNS]
                      + [leak_flag(r, params)])
    return t


# ---------------------------------------------------------------- label quality
def label_quality_table(run: RunData, params: Params) -> Table:
    """Faithfulness beside the label-issue rate, complexity beside the data map's regions, per
    dataset; the reference_n row is real text of the synthetic size (the ceiling)."""
    keys = ["faithfulness", "label_issue_rate", "complexity", "map_easy", "map_ambiguous",
            "map_hard", "map_confidence", "map_variability"]
    t = Table("table_label_quality", "Mislabelled or restyled? Label issues beside "
              "faithfulness, the data map beside complexity",
              ["domain", "model", "decoding", "faithfulness", "label issues", "complexity",
               "easy", "ambiguous", "hard", "confidence", "variability"],
              keys=["domain", "model", "decoding"] + keys,
              notes=["label issues: share of samples whose label cleanlab's confident learning "
                     "flags, from out-of-sample (cross-validated) probabilities of a TF-IDF "
                     "classifier trained on the dataset itself; low faithfulness with few "
                     "label issues reads as text written in another style than R-train, with "
                     "many as mislabelled samples.",
                     "easy / ambiguous / hard: data-map regions (dataset cartography) from a "
                     "softmax head trained for "
                     f"{params.analyses.data_map_epochs} epochs on the featurizer's "
                     "embeddings: ambiguous at a variability of the own-label probability "
                     "over epochs ≥ 0.2, else easy at a mean (confidence) ≥ 0.5, else hard. "
                     "High complexity with many hard samples reads as noise, with many "
                     "ambiguous ones as hard examples.",
                     "The reference_n row: real R-train text of the synthetic size."],
              empty_note="no metrics file of this run has label-quality numbers (written by "
                         "evaluate with params analyses)")
    for r in sorted(run.rows, key=_key(params)):
        if r["kind"] not in ("synthetic", "reference_sized", "template", "mixture"):
            continue
        values = [r.get(k, float("nan")) for k in keys]
        if all(isinstance(v, float) and math.isnan(v) for v in values[1:2] + values[3:6]):
            continue
        t.rows.append([r["domain"], r["model"], r["decoding"]] + values)
    return t


# ---------------------------------------------------------------- per label
def per_label_table(run: RunData, params: Params) -> Table:
    t = Table("table_per_label", "Faithfulness per label and what the reference classifier "
              "took each label's samples for",
              ["domain", "model", "decoding", "label asked for", "faithfulness", "Vendi",
               "samples", "classified as"],
              keys=["domain", "model", "decoding", "label", "faithfulness", "vendi", "samples",
                    "classified_as"],
              notes=["One row per dataset and label asked for. faithfulness: share of that "
                     "label's samples the reference (R-train) classifier assigns to it; "
                     "classified as: the confusion-matrix row, predicted label: count. "
                     "Vendi: the effective number of different texts among that label's "
                     "samples (embedding space; table_leakage)."],
              empty_note="no metrics file of this run has per-label faithfulness or a "
                         "confusion matrix (written by evaluate with params analyses)")
    without = []
    for r in sorted(run.synthetic(), key=_key(params)):
        faith, confusion = run.nested(r, "faithfulness_by_label"), run.nested(r, "confusion")
        vendi = run.nested(r, "vendi_by_label")  # keyed by the label's index
        if not faith and not confusion:
            without.append(f"{r['domain']}/{r['model']}/{r['decoding']}")
            continue
        spec = params.domains.get(r["domain"])
        order = list(spec.labels) if spec else []
        labels = order + sorted((set(faith) | set(confusion)) - set(order))
        for label in labels:
            row = confusion.get(label) or {}
            counts = {k: v for k, v in row.items() if isinstance(v, (int, float))}
            f = faith.get(label)
            v = vendi.get(str(order.index(label))) if label in order else None
            t.rows.append([r["domain"], r["model"], r["decoding"], label,
                           float(f) if isinstance(f, (int, float)) else float("nan"),
                           float(v) if isinstance(v, (int, float)) else float("nan"),
                           int(sum(counts.values())) if counts else float("nan"),
                           " · ".join(f"{k}: {int(v)}" for k, v in counts.items()) or "—"])
    if without and t.rows:
        t.notes.append(f"no per-label numbers in {len(without)} dataset(s): " +
                       ", ".join(without[:10]) + (", …" if len(without) > 10 else ""))
    return t


# ---------------------------------------------------------------- all of it
def build_all(run: RunData, params: Params) -> list[tuple[str, Table]]:
    """(section of index.html, table) for every table of this module."""
    return ([("Robustness", t) for t in robustness_tables(run, params)] +
            [("Leakage", leakage_table(run, params)),
             ("Label quality", label_quality_table(run, params)),
             ("Per label", per_label_table(run, params))])


def write_figures(run: RunData, out: Path) -> list[Artefact]:
    """figure_correlations and figure_diversity_measures (PNG + PDF); one Artefact per PNG."""
    arts = []
    m = beyond.correlation_figure(run.rows, out / "figure_correlations.png",
                                  keys=tuple(CHARACTERISTICS))
    arts.append(Artefact("figure_correlations.png", "Characteristic correlations", "figure",
                         f"Spearman correlations of the characteristics (n = {m.n})",
                         m.message))
    m = beyond.diversity_ranking_figure(run.rows, out / "figure_diversity_measures.png")
    arts.append(Artefact("figure_diversity_measures.png", "Diversity measures", "figure",
                         f"How the diversity measures rank the datasets (n = {m.n})",
                         m.message))
    return arts
