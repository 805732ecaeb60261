"""The figures beyond the paper's grid (issue 10), PNG and PDF: figure_templates (per model, the
spread of each characteristic across its prompts vs across the grid's decodings, grouped bars)
and figure_learning_curves (per domain, accuracy on R-test over training size: the real curve
and the synthetic datasets'). The numbers come from beyond_grid.py.
"""
from __future__ import annotations

from pathlib import Path

from ..config import Params
from .beyond_grid import Spread, curve_rows, dataset_name, template_spreads
from .figures import _plt, _save, _styles, no_data_figure
from .manifest import Artefact
from .rundata import CHARACTERISTICS, LABELS, RunData
from .tabular import is_number

NO_TEMPLATES = "no data: this run has no template variants (params templates) with metrics"
NO_CURVES = "no data: no metrics file of this run has a learning curve (learning_curve)"


def templates_figure(spreads: list[Spread], path: Path) -> str | None:
    """One panel per (model, template decoding): per characteristic a bar for the range
    (max − min) across the prompts and one for the range across the grid's decodings.
    Returns the no-data message, or None."""
    plt = _plt()
    panels = list(dict.fromkeys((s.model, s.decoding) for s in spreads))
    bars = [s for s in spreads if is_number(s.prompt_spread[0]) or
            is_number(s.decoding_spread[0])]
    if not bars:
        return no_data_figure(path, "Prompt sensitivity", NO_TEMPLATES)
    fig, axes = plt.subplots(1, len(panels), figsize=(4.4 * len(panels), 3.8), sharey=True,
                             squeeze=False)
    width = 0.38
    for ax, (model, decoding) in zip(axes[0], panels):
        by = {s.characteristic: s for s in spreads if (s.model, s.decoding) == (model, decoding)}
        xs = range(len(CHARACTERISTICS))
        prompt = [by[c].prompt_spread[0] if c in by else float("nan") for c in CHARACTERISTICS]
        grid = [by[c].decoding_spread[0] if c in by else float("nan") for c in CHARACTERISTICS]
        n_p = max((len(s.prompts) for s in by.values()), default=0)
        n_d = max((len(s.decodings) for s in by.values()), default=0)
        ax.bar([x - width / 2 for x in xs], [v if is_number(v) else 0 for v in prompt], width,
               color="tab:orange", label=f"across {n_p} prompts at {decoding}")
        ax.bar([x + width / 2 for x in xs], [v if is_number(v) else 0 for v in grid], width,
               color="tab:blue", hatch="//", edgecolor="white",
               label=f"across {n_d} decodings, own prompt")
        ax.set_xticks(list(xs), [LABELS[c] for c in CHARACTERISTICS], rotation=30, ha="right",
                      fontsize=8)
        ax.set_title(f"{model} ({decoding})", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=7, frameon=False)
    axes[0][0].set_ylabel("range (max − min), mean over domains")
    fig.suptitle("Prompt sensitivity: spread across prompts vs across decodings", fontsize=10)
    fig.tight_layout()
    _save(fig, path)
    return None


def learning_curves_figure(run: RunData, params: Params, path: Path) -> str | None:
    """One panel per domain: accuracy on R-test over training size (log axis), R-train's
    curve in black, each grid model's (at the decoding closest to T = 1) in its colour,
    mixtures grey and dash-dotted. Returns the no-data message, or None."""
    plt = _plt()
    shown = curve_rows(run, params)
    domains = [d for d in params.grid.domains if any(s[0] == d for s in shown)]
    if not domains:
        return no_data_figure(path, "Learning curves", NO_CURVES)
    styles = _styles(list(params.grid.models), run.rows)
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
    _save(fig, path)
    return None


def write_figures(run: RunData, params: Params, out: Path) -> list[Artefact]:
    """figure_templates and figure_learning_curves (PNG + PDF); one Artefact per PNG."""
    msg = templates_figure(template_spreads(run, params), out / "figure_templates.png")
    arts = [Artefact("figure_templates.png", "Prompt sensitivity", "figure",
                     "Spread across prompts vs across decodings, per characteristic", msg)]
    msg = learning_curves_figure(run, params, out / "figure_learning_curves.png")
    arts.append(Artefact("figure_learning_curves.png", "Learning curves", "figure",
                         "Accuracy on R-test over training size, real and synthetic", msg))
    return arts
