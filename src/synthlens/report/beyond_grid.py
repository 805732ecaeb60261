"""The report's numbers and tables beyond the paper's grid (issue 10): prompt sensitivity (the
spread of a model's characteristics across its prompt templates vs across the grid's
decodings), the generators' contamination probe next to their faithfulness and performance,
learning curves with the R-train size each synthetic dataset is worth, and human labels.
Mixtures join Table 2 and the trade-off figures (tables.py, figures.py); the figures of this
module are drawn by beyond_grid_figures.py.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..config import Params
from ..metrics.learning_curve import samples_worth as interpolate
from .rundata import (CHARACTERISTICS, LABELS, RunData, average_over_domains,
                      closest_to_default)
from .tabular import Table, is_number

# index.html section -> the sentence that says how to read it (README.md repeats it)
INTRO = {
    "Prompt sensitivity": "How much does the prompt wording move a characteristic? Per model, "
                          "the spread (max − min, and std) of each characteristic across its "
                          "prompts at one decoding, next to the spread across the grid's "
                          "decodings with its own prompt: a prompt spread as large as the "
                          "decoding spread means the prompt matters as much as the whole "
                          "temperature / top-p sweep.",
    "Contamination": "Has the generator seen the test set? Its own zero-shot accuracy on R-test "
                     "(the probe) next to the majority-label share and to the faithfulness and "
                     "performance of its datasets: a zero-shot accuracy far above the majority "
                     "share says the model already solves the task, which may flatter its "
                     "datasets.",
    "Learning curves": "Accuracy on R-test of a classifier trained on n samples of each dataset, "
                       "the real curve (R-train) in black; 'R-train worth' is the number of real "
                       "samples that reach the same accuracy (interpolated on the real curve): "
                       "below n means a synthetic sample is worth less than a real one.",
    "Human labels": "People's labels of synthetic samples: the share equal to the label the "
                    "sample was written for (label accuracy) and to the reference classifier's "
                    "prediction (agreement), next to faithfulness, which asks the classifier "
                    "alone.",
}
NAN = float("nan")


def _num(row: dict, key: str) -> float:
    v = row.get(key, NAN)
    return float(v) if is_number(v) else NAN


# ---------------------------------------------------------------- prompt sensitivity
def spread(values: list[float]) -> tuple[float, float]:
    """(max − min, sample std with ddof 1) of the values that are numbers; NaN for fewer
    than two."""
    vals = [v for v in values if is_number(v)]
    if len(vals) < 2:
        return NAN, NAN
    # rounded: means of equal values differ in the last bits, which is no spread
    return round(max(vals) - min(vals), 12), round(float(np.std(vals, ddof=1)), 12)


@dataclass
class Spread:
    """One model, template decoding and characteristic: the values per prompt at that
    decoding and per grid decoding with the model's own prompt (means over domains)."""
    model: str
    decoding: str
    characteristic: str
    prompts: dict[str, float]
    decodings: dict[str, float]

    @property
    def prompt_spread(self) -> tuple[float, float]:
        return spread(list(self.prompts.values()))

    @property
    def decoding_spread(self) -> tuple[float, float]:
        return spread(list(self.decodings.values()))


def template_spreads(run: RunData, params: Params) -> list[Spread]:
    """A Spread per model with template variants, decoding they were run at and
    characteristic; the model's own prompt is the grid cell at that decoding."""
    variants = average_over_domains(run.templates())
    own = average_over_domains([r for r in run.synthetic()
                                if r["model"] in {v["model"] for v in variants}])
    out = []
    for model in params.grid.models:
        mine = [v for v in variants if v["model"] == model]
        grid = {r["decoding"]: r for r in own if r["model"] == model}
        ordered = [d for d in params.grid.decodings if d in grid]
        for decoding in dict.fromkeys(v["base_decoding"] for v in mine):
            at = [grid[decoding]] if decoding in grid else []
            at += [v for v in mine if v["base_decoding"] == decoding]
            for c in CHARACTERISTICS:
                out.append(Spread(model, decoding, c,
                                  {r["prompt_id"] or r["decoding"]: _num(r, c) for r in at},
                                  {d: _num(grid[d], c) for d in ordered}))
    return out


def _values_text(values: dict[str, float]) -> str:
    return " · ".join(f"{k}: {v:.3f}" if is_number(v) else f"{k}: —" for k, v in values.items())


def table_templates(run: RunData, params: Params) -> Table:
    t = Table("table_templates", "Prompt sensitivity: the spread of each characteristic across "
              "a model's prompts vs across the grid's decodings (mean over domains)",
              ["model", "decoding", "characteristic", "prompts", "prompt range",
               "prompt std", "per prompt", "decodings", "decoding range", "decoding std",
               "per decoding", "prompt / decoding range"],
              keys=["model", "decoding", "characteristic", "n_prompts", "prompt_range",
                    "prompt_std", "per_prompt", "n_decodings", "decoding_range",
                    "decoding_std", "per_decoding", "range_ratio"],
              notes=["prompts: the model's own prompt (its grid cell at that decoding) and "
                     "the templates of params templates, each at that decoding; decodings: "
                     "the grid's decodings with the model's own prompt. range = max − min, "
                     "std = sample std (ddof 1), over the values that exist (— with fewer "
                     "than two). Values are means over domains, as in Table 2.",
                     "prompt / decoding range above 1: the wording of the prompt moves the "
                     "characteristic more than the whole decoding sweep."],
              empty_note="this run has no template variants (params templates) with metrics")
    for s in template_spreads(run, params):
        (pr, ps), (dr, ds) = s.prompt_spread, s.decoding_spread
        ratio = pr / dr if is_number(pr, dr) and dr > 0 else NAN
        t.rows.append([s.model, s.decoding, LABELS[s.characteristic], len(s.prompts), pr, ps,
                       _values_text(s.prompts), len(s.decodings), dr, ds,
                       _values_text(s.decodings), ratio])
    return t


# ---------------------------------------------------------------- contamination
def table_contamination(run: RunData, params: Params) -> Table:
    t = Table("table_contamination", "Contamination probe: the generator's own zero-shot "
              "accuracy on R-test next to its datasets' faithfulness and performance",
              ["model", "domain", "zero-shot acc. (probe)", "majority share", "probe n",
               "faithfulness", "performance", "decodings", "probe note"],
              keys=["model", "domain", "zero_shot_accuracy", "majority_share", "probe_n",
                    "faithfulness", "performance", "n_decodings", "probe_note"],
              notes=["zero-shot acc.: the generator asked to label R-test itself (data/probe/"
                     "<model>.json); majority share: accuracy of always answering the most "
                     "frequent label, the floor to compare with. faithfulness and performance: "
                     "mean over the model's grid decodings in that domain ('decodings' of them)."],
              empty_note="no grid dataset of this run has metrics")
    if not run.probes:
        t.notes.append("No contamination probe in this run (no data/probe/<model>.json): the "
                       "probe columns are —.")
    for model in params.grid.models:
        probe = run.probes.get(model, {})
        for domain in params.grid.domains:
            cells = [r for r in run.synthetic() if r["model"] == model and r["domain"] == domain]
            p = probe.get(domain, {})
            if not cells and not p:
                continue
            means = []
            for c in ("faithfulness", "performance"):
                vals = [_num(r, c) for r in cells if is_number(_num(r, c))]
                means.append(sum(vals) / len(vals) if vals else NAN)
            n = p.get("n")
            t.rows.append([model, domain, _num(p, "zero_shot_accuracy"), _num(p, "majority_share"),
                           int(n) if is_number(n) else NAN, *means, len(cells),
                           str(p.get("note") or "")])
    return t


# ---------------------------------------------------------------- learning curves
def curve_of(run: RunData, row: dict) -> dict[int, float]:
    """The row's learning curve {size: accuracy} from its metrics file, sizes ascending,
    points without an accuracy (a size larger than the dataset) left out; {} when absent."""
    out = {}
    for k, v in run.nested(row, "learning_curve").items():
        try:
            size = float(k)
        except ValueError:
            continue
        if is_number(v) and size > 0 and size.is_integer():
            out[int(size)] = float(v)
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class Worth:
    """How many real samples a synthetic size is worth: `size`, or with bound '<' fewer than
    the smallest size of the real curve (every real point is more accurate), '>' more than
    its largest (no real point is as accurate); then `size` is that bound."""
    size: float
    bound: str = ""

    def cell(self):
        if self.bound:
            return f"{self.bound} {self.size:g}"
        return int(round(self.size)) if is_number(self.size) else NAN


def samples_worth(curve_synthetic: dict[int, float],
                  curve_real: dict[int, float]) -> dict[int, Worth]:
    """For each synthetic size, the R-train size reaching the same accuracy
    (metrics.learning_curve.samples_worth: linear between neighbouring real points, the
    smallest such size where the real curve is not monotone), with the side named where the
    accuracy lies outside the real curve's range."""
    real = {n: a for n, a in curve_real.items() if is_number(a)}
    values = interpolate({str(n): a for n, a in curve_synthetic.items()},
                         {str(n): a for n, a in real.items()})
    out = {}
    for n, acc in curve_synthetic.items():
        v = values.get(str(n), NAN)
        if is_number(v) or not real or not is_number(acc):
            out[n] = Worth(v)
        elif acc < min(real.values()):
            out[n] = Worth(min(real), "<")
        else:
            out[n] = Worth(max(real), ">")
    return out


def curve_rows(run: RunData, params: Params) -> list[tuple[str, dict, dict[int, float]]]:
    """(domain, row, curve) of the rows with a learning curve that the table and figure show:
    per domain the reference, the grid cells at the decoding closest to T = 1, top-p = 1, and
    the mixtures."""
    chosen = closest_to_default(run.synthetic())
    out = []
    for domain in params.grid.domains:
        rows = ([r for r in run.reference() if r["domain"] == domain] +
                [r for m in params.grid.models for r in run.synthetic() if r["model"] == m
                 and r["domain"] == domain and chosen and r["decoding"] == chosen[0]] +
                [r for r in run.mixtures() if r["domain"] == domain])
        out += [(domain, r, c) for r in rows if (c := curve_of(run, r))]
    return out


def dataset_name(row: dict) -> str:
    return ("R-train (real)" if row["kind"] == "reference" else row["model"]
            if row["kind"] == "mixture" else f"{row['model']}/{row['decoding']}")


def table_learning_curves(run: RunData, params: Params) -> Table:
    shown = curve_rows(run, params)
    sizes = sorted({n for _, _, c in shown for n in c})
    t = Table("table_learning_curves", "Learning curves: accuracy on R-test after training on "
              "n samples, and the R-train size each synthetic dataset is worth",
              ["domain", "dataset", "kind"] + [h for s in sizes for h in
                                               (f"acc. n={s}", f"R-train worth n={s}")],
              keys=["domain", "dataset", "kind"] + [k for s in sizes for k in
                                                    (f"accuracy_{s}", f"worth_{s}")],
              notes=["acc.: accuracy on R-test of the classifier trained on n samples of the "
                     "dataset (learning_curve in its metrics file). R-train worth: the number "
                     "of R-train samples reaching the same accuracy on the real curve "
                     "(R-train's), interpolated linearly between its neighbouring points, the "
                     "smallest such number where the real curve is not monotone; '< m' / "
                     "'> m' when the accuracy lies below / above every point of the real curve.",
                     "Shown: R-train, the grid's datasets at the decoding closest to T = 1, "
                     "top-p = 1, and the mixtures."],
              empty_note="no metrics file of this run has a learning curve (learning_curve)")
    for domain in params.grid.domains:
        mine = [(r, c) for d, r, c in shown if d == domain]
        real = next((c for r, c in mine if r["kind"] == "reference"), {})
        for r, c in mine:
            worth = (samples_worth(c, real) if r["kind"] != "reference" and real else {})
            cells = []
            for s in sizes:
                w = worth.get(s)
                cells += [c.get(s, NAN), w.cell() if w else NAN]
            t.rows.append([domain, dataset_name(r), r["kind"]] + cells)
    if shown and not any(r["kind"] == "reference" for _, r, _ in shown):
        t.notes.append("No reference (R-train) learning curve in this run: no R-train worth.")
    return t


# ---------------------------------------------------------------- human labels
def table_human_labels(run: RunData, params: Params) -> Table:
    t = Table("table_human_labels", "Human labels per dataset: label accuracy and agreement "
              "with the reference classifier",
              ["domain", "model", "decoding", "kind", "human labels", "label accuracy",
               "classifier agreement", "faithfulness"],
              keys=["domain", "model", "decoding", "kind", "n_human_labels", "label_accuracy",
                    "classifier_agreement", "faithfulness"],
              notes=["label accuracy: share of the human labels equal to the label the sample "
                     "was written for; classifier agreement: equal to the reference "
                     "classifier's prediction; faithfulness: the classifier's own share on "
                     "every sample of the dataset (make label-export / label-import)."],
              empty_note="no dataset of this run has human labels (make label-import)")
    domains = {d: i for i, d in enumerate(params.grid.domains)}
    rows = [r for r in run.rows if r["kind"] != "reference" and
            (is_number(_num(r, "label_accuracy")) or is_number(_num(r, "n_human_labels")))]
    for r in sorted(rows, key=lambda r: (domains.get(r["domain"], 99), r["model"],
                                         r["decoding"])):
        n = _num(r, "n_human_labels")
        t.rows.append([r["domain"], r["model"], r["decoding"], r["kind"],
                       int(n) if is_number(n) else NAN, _num(r, "label_accuracy"),
                       _num(r, "classifier_agreement"), _num(r, "faithfulness")])
    return t


def build_all(run: RunData, params: Params) -> list[tuple[str, Table]]:
    """(section of index.html, table) for every table of this module."""
    return [("Prompt sensitivity", table_templates(run, params)),
            ("Contamination", table_contamination(run, params)),
            ("Learning curves", table_learning_curves(run, params)),
            ("Human labels", table_human_labels(run, params))]
