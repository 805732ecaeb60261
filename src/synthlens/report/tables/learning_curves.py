"""The learning-curves table (table_learning_curves): accuracy on R-test after training on n
samples of each dataset, and the R-train size each synthetic dataset is worth (interpolated on
the real curve). Exports the builder (table_learning_curves), its section, and the curves
figures/learning_curves.py draws.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...config import Params
from ...metrics.learning_curve import samples_worth as interpolate
from ...metrics.schema import K
from ..manifest import Section
from ..rundata import RunData, closest_to_default
from ..tabular import Table, is_number

LEARNING_CURVES = Section(
    "Learning curves", "Accuracy on R-test of a classifier trained on n samples of each "
    "dataset, the real curve (R-train) in black; 'R-train worth' is the number of real samples "
    "that reach the same accuracy (interpolated on the real curve): below n means a synthetic "
    "sample is worth less than a real one.")
NAN = float("nan")


def curve_of(run: RunData, row: dict) -> dict[int, float]:
    """The row's learning curve {size: accuracy} from its metrics file, sizes ascending,
    points without an accuracy (a size larger than the dataset) left out; {} when absent."""
    out = {}
    for k, v in run.nested(row, K.learning_curve).items():
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
