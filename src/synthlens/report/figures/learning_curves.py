"""The learning-curves figure (figure_learning_curves, PNG and PDF): per domain, accuracy on
R-test over training size, the real curve (R-train) and the synthetic datasets'. The curves
come from tables/learning_curves.py. Exports the builder (figure_learning_curves); its section
is the table's.
"""
from __future__ import annotations

from pathlib import Path

from ...config import Params
from ..manifest import Drawn
from ..rundata import RunData
from ..tables.learning_curves import curve_rows, dataset_name
from .plotting import model_styles, no_data_figure, pyplot, save

NO_CURVES = "no data: no metrics file of this run has a learning curve (learning_curve)"


def learning_curves_figure(run: RunData, params: Params, path: Path) -> str | None:
    """One panel per domain: accuracy on R-test over training size (log axis), R-train's
    curve in black, each grid model's (at the decoding closest to T = 1) in its colour,
    mixtures grey and dash-dotted. Returns the no-data message, or None."""
    plt = pyplot()
    shown = curve_rows(run, params)
    domains = [d for d in params.grid.domains if any(s[0] == d for s in shown)]
    if not domains:
        return no_data_figure(path, "Learning curves", NO_CURVES)
    styles = model_styles(list(params.grid.models), run.rows)
    fig, axes = plt.subplots(1, len(domains), figsize=(5.2 * len(domains), 4.0),
                             squeeze=False)
    for ax, domain in zip(axes[0], domains):
        for _, r, curve in (s for s in shown if s[0] == domain):
            xs, ys = list(curve), list(curve.values())
            if r["kind"] == "reference":
                style = {"color": "black", "linewidth": 2.4, "marker": "*", "markersize": 10,
                         "zorder": 5}
            elif r["kind"] == "mixture":
                style = {"color": "dimgrey", "linestyle": "-.", "marker": "D"}
            else:
                style = {**styles.get(r["model"], {}), "marker": "o"}
            ax.plot(xs, ys, label=dataset_name(r), **style)
        ax.set_xscale("log")
        ax.minorticks_off()
        sizes = sorted({x for s in shown if s[0] == domain for x in s[2]})
        ax.set_xticks(sizes, [f"{x:g}" for x in sizes])
        ax.set_xlabel("training samples n")
        ax.set_title(domain, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, frameon=False)
    axes[0][0].set_ylabel("accuracy on R-test")
    fig.suptitle("Learning curves: real (R-train, black) and synthetic", fontsize=10)
    fig.tight_layout()
    save(fig, path)
    return None


def figure_learning_curves(run: RunData, params: Params, out: Path) -> list[Drawn]:
    msg = learning_curves_figure(run, params, out / "figure_learning_curves.png")
    return [Drawn("figure_learning_curves.png",
                  "Accuracy on R-test over training size, real and synthetic", msg)]
