"""The prompt-sensitivity figure (figure_templates, PNG and PDF): per model, the spread of each
characteristic across its prompts next to the spread across the grid's decodings, grouped bars.
The numbers come from tables/prompt_sensitivity.py. Exports the builder (figure_templates); its
section is the table's.
"""
from __future__ import annotations

from pathlib import Path

from ...config import Params
from ..manifest import Drawn
from ..rundata import CHARACTERISTICS, LABELS, RunData
from ..tables.prompt_sensitivity import Spread, template_spreads
from ..tabular import is_number
from .plotting import no_data_figure, pyplot, save

NO_TEMPLATES = "no data: this run has no template variants (params templates) with metrics"


def templates_figure(spreads: list[Spread], path: Path) -> str | None:
    """One panel per (model, template decoding): per characteristic a bar for the range
    (max − min) across the prompts and one for the range across the grid's decodings.
    Returns the no-data message, or None."""
    plt = pyplot()
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
    save(fig, path)
    return None


def figure_templates(run: RunData, params: Params, out: Path) -> list[Drawn]:
    msg = templates_figure(template_spreads(run, params), out / "figure_templates.png")
    return [Drawn("figure_templates.png",
                  "Spread across prompts vs across decodings, per characteristic", msg)]
