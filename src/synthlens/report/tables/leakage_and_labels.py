"""The tables of what a dataset repeats and how its labels hold up, one row per dataset (or per
dataset and label): table_leakage (overlap with R-train / R-test and with itself, the
two-sample test, further diversity measures and the embedding-space ones), table_label_quality
(label issues beside faithfulness, the data map beside complexity) and table_per_label
(faithfulness per label and what the reference classifier took each label's samples for).
Exports the three builders (table_leakage, table_label_quality, table_per_label) and their
sections.
"""
from __future__ import annotations

import math

from ...config import Params
from ...metrics.schema import K
from ..manifest import Section
from ..rundata import LABELS, RunData
from ..tabular import Table
from .paper import FLAG, leak_flag

LEAKAGE = Section("Leakage", "Per dataset, the share of samples repeating R-train / R-test or "
                  "an earlier sample (exactly or nearly), the two-sample AUC next to MAUVE (0.5 "
                  "= real and synthetic indistinguishable) and the other diversity measures; a "
                  "high R-test share flatters faithfulness and performance. In the featurizer's "
                  "embedding space: Vendi and cosine diversity, the share nearer R-train than a "
                  "real holdout, semantic near duplicates; the reference_n row is real text of "
                  "the same size, the ceiling to read each value against.")
LABEL_QUALITY = Section("Label quality", "Is low faithfulness mislabelling or another style, is "
                        "high complexity noise or hard examples? Label issues by confident "
                        "learning (cleanlab) beside faithfulness; the data map's easy / "
                        "ambiguous / hard shares beside complexity.")
PER_LABEL = Section("Per label", "Faithfulness per label and, per dataset and label asked for, "
                    "what the reference classifier took the samples for: which labels a "
                    "generator writes badly and what they read like instead.")


def _key(params: Params):
    """Sort rows by domain, reference first, then grid order of model and decoding."""
    pos = {name: {v: i for i, v in enumerate(vals)} for name, vals in
           (("domain", params.grid.domains), ("model", params.grid.models),
            ("decoding", params.grid.decodings))}
    return lambda r: (pos["domain"].get(r["domain"], 99), r["kind"] != "reference",
                      pos["model"].get(r["model"], 99), pos["decoding"].get(r["decoding"], 99))


LEAK_COLUMNS = [(K.leak_exact_train, "R-train exact"), (K.leak_exact_test, "R-test exact"),
                (K.leak_near_train, "R-train near"), (K.leak_near_test, "R-test near"),
                (K.self_exact, "self exact"), (K.self_near, "self near"),
                (K.mauve, LABELS[K.mauve]), (K.two_sample_auc, "two-sample AUC"),
                (K.compression_ratio, "compression ratio"), (K.self_bleu, "Self-BLEU"),
                (K.diversity, "distinct-1"), (K.diversity_per_label, "per-label distinct-1"),
                (K.vendi, "Vendi"), (K.vendi_per_label, "per-label Vendi"),
                (K.cosine_diversity, "cosine diversity"),
                (K.closer_to_train, "closer to R-train"),
                (K.near_dup_self, "semantic self near-dup."),
                (K.near_dup_test, "semantic R-test near-dup.")]


def table_leakage(run: RunData, params: Params) -> Table:
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
def table_label_quality(run: RunData, params: Params) -> Table:
    """Faithfulness beside the label-issue rate, complexity beside the data map's regions, per
    dataset; the reference_n row is real text of the synthetic size (the ceiling)."""
    keys = [K.faithfulness, K.label_issue_rate, K.complexity, K.map_easy, K.map_ambiguous,
            K.map_hard, K.map_confidence, K.map_variability]
    t = Table("table_label_quality", "Mislabelled or restyled? Label issues beside "
              "faithfulness, the data map beside complexity",
              ["domain", "model", "decoding", K.faithfulness, "label issues", K.complexity,
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
def table_per_label(run: RunData, params: Params) -> Table:
    t = Table("table_per_label", "Faithfulness per label and what the reference classifier "
              "took each label's samples for",
              ["domain", "model", "decoding", "label asked for", K.faithfulness, "Vendi",
               "samples", "classified as"],
              keys=["domain", "model", "decoding", "label", K.faithfulness, K.vendi, "samples",
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
        faith, confusion = run.nested(r, K.faithfulness_by_label), run.nested(r, K.confusion)
        vendi = run.nested(r, K.vendi_by_label)  # keyed by the label's index
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
