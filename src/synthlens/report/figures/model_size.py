"""The figures over model size (Appendix D, PNG and PDF): each trade-off over model size, one
curve per model line at the decoding closest to T = 1, top-p = 1 (means over domains), and
each characteristic against size. Exports the two builders (size_tradeoff,
characteristics_over_size) and their section.
"""
from __future__ import annotations

from pathlib import Path

from ...config import Params
from ...metrics.schema import K
from ..manifest import Drawn, Section
from ..rundata import (CHARACTERISTICS, TRADEOFFS, RunData, closest_to_default, domain_means,
                       family_line)
from ..tabular import is_number
from .plotting import axis_label, draw_no_data, model_styles, no_data_figure, pyplot, save

APPENDIX_D = Section("Appendix D", "The trade-offs over model size instead of temperature: one "
                     "curve per model line (e.g. llama-2 vanilla: 7B → 13B), at the decoding "
                     "closest to T = 1, top-p = 1.")
NO_SIZE = "no data: this run has no models with size_b"


def _size_lines(rows: list[dict]) -> dict[str, list[dict]]:
    """Synthetic rows with a size, grouped into lines: model line x family x shots."""
    lines: dict[str, list[dict]] = {}
    for r in rows:
        if r["kind"] != "synthetic" or not is_number(r.get("size_b")):
            continue
        key = f"{family_line(r['model'])} {r['family']}" + (
            f" {r['shots']}-shot" if r.get("shots") else "")
        lines.setdefault(key, []).append(r)
    return {k: sorted(v, key=lambda r: r["size_b"]) for k, v in sorted(lines.items())}


def size_tradeoff_figure(rows: list[dict], x: str, y: str, title: str, path: Path) -> str | None:
    """A trade-off over model size: one curve per model line (ordered by size_b, each point
    annotated with its size), at the decoding closest to T = 1, top-p = 1."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.2, 4.6))
    chosen = closest_to_default(rows)
    at = [r for r in rows if chosen and r["kind"] == "synthetic" and r["decoding"] == chosen[0]]
    lines = _size_lines(at)
    plotted = False
    message = None
    if not any(is_number(r.get("size_b")) for r in rows if r["kind"] == "synthetic"):
        message = NO_SIZE
    else:
        styles = model_styles(list(lines), [])
        for i, (key, members) in enumerate(lines.items()):
            pts = [r for r in members if is_number(r[x], r[y])]
            if not pts:
                continue
            ls = ":" if "shot" in key else "--" if " instruct" in key else "-"
            ax.plot([r[x] for r in pts], [r[y] for r in pts], marker="o", linestyle=ls,
                    color=styles[key]["color"], label=key)
            for r in pts:
                ax.annotate(f"{r['size_b']:g}B", (r[x], r[y]), fontsize=7, xytext=(3, 3),
                            textcoords="offset points", color=styles[key]["color"])
            plotted = True
        if not plotted:
            message = (f"no data: no model with size_b has both {axis_label(x)} and "
                       f"{axis_label(y)} at {chosen[0] if chosen else 'any decoding'}")
    if plotted:
        for i, r in enumerate(r for r in rows if r["kind"] == "reference" and is_number(r[x], r[y])):
            ax.plot(r[x], r[y], "*", color="black", markersize=15, zorder=5,
                    label="reference" if i == 0 else None)
        if (x, y) == (K.complexity, K.faithfulness):
            ax.plot([0, 1], [1, 0], ":", color="grey", label="faithfulness = 1 - complexity")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    else:
        draw_no_data(ax, message)
    ax.set_xlabel(axis_label(x))
    ax.set_ylabel(axis_label(y))
    where = (f"decoding {chosen[0]}: T={chosen[1]:g}, top-p={chosen[2]:g}" if chosen
             else "no decoding")
    ax.set_title(f"{title} over model size ({where}; mean over domains)", fontsize=10)
    save(fig, path)
    return message


def size_characteristics_figure(rows: list[dict], path: Path) -> str | None:
    """Each characteristic against size_b (log axis), one curve per model line."""
    plt = pyplot()
    chosen = closest_to_default(rows)
    at = [r for r in rows if chosen and r["kind"] == "synthetic" and r["decoding"] == chosen[0]]
    lines = _size_lines(at)
    has_size = any(is_number(r.get("size_b")) for r in rows if r["kind"] == "synthetic")
    if not has_size:
        return no_data_figure(path, "Characteristics over model size (Appendix D)", NO_SIZE)
    fig, axes = plt.subplots(1, len(CHARACTERISTICS), figsize=(16, 3.6), sharex=True)
    styles = model_styles(list(lines), [])
    plotted = False
    for ax, c in zip(axes, CHARACTERISTICS):
        for key, members in lines.items():
            pts = [r for r in members if is_number(r[c])]
            if pts:
                ls = ":" if "shot" in key else "--" if " instruct" in key else "-"
                ax.plot([r["size_b"] for r in pts], [r[c] for r in pts], marker="o",
                        linestyle=ls, color=styles[key]["color"], label=key)
                plotted = True
        for r in rows:
            if r["kind"] == "reference" and is_number(r[c]):
                ax.axhline(r[c], color="black", linestyle=":", linewidth=1)
        sizes = sorted({r["size_b"] for m in lines.values() for r in m})
        ax.set_xscale("log")
        ax.minorticks_off()
        ax.set_xticks(sizes, [f"{v:g}" for v in sizes])
        ax.set_xlabel("size (billions of parameters)")
        ax.set_title(axis_label(c), fontsize=10)
        ax.grid(alpha=0.3)
    message = None
    if plotted:
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, fontsize=7, loc="lower center", ncol=min(6, len(labels)),
                   bbox_to_anchor=(0.5, -0.12), frameon=False)
    else:
        message = f"no data: no model with size_b has a value at {chosen[0]}"
        draw_no_data(axes[len(axes) // 2], message)
    fig.suptitle(f"Characteristics over model size at {chosen[0]} (T={chosen[1]:g}, "
                 f"top-p={chosen[2]:g}); mean over domains; dotted black line: reference",
                 fontsize=10)
    fig.tight_layout()
    save(fig, path)
    return message


def size_tradeoff(stem: str, run: RunData, params: Params, out: Path) -> list[Drawn]:
    """figure_appendixD_size_<stem>.png: the trade-off `stem` (rundata.TRADEOFFS) over size."""
    x, y, title = next((x, y, title) for x, y, s, title in TRADEOFFS if s == stem)
    name = f"figure_appendixD_size_{stem}.png"
    msg = size_tradeoff_figure(domain_means(run), x, y, title, out / name)
    return [Drawn(name, f"{title} over model size", msg)]


def characteristics_over_size(run: RunData, params: Params, out: Path) -> list[Drawn]:
    """figure_appendixD_size_characteristics.png: each characteristic against size."""
    name = "figure_appendixD_size_characteristics.png"
    msg = size_characteristics_figure(domain_means(run), out / name)
    return [Drawn(name, "Characteristics over model size", msg)]
