"""The report's figures (PNG and PDF): trade-offs over temperature (Figure 2, mean over domains;
Figures 5/6, per domain; each point with its bootstrap interval and seed std; mixtures as
labelled diamonds) and over model size (Appendix D).

A figure without data is still written, with the reason printed across it ("no data: ..."),
and the reason is returned so the manifest and index.html can say so too.
"""
from __future__ import annotations

from pathlib import Path

from ..config import Params
from .manifest import Artefact
from .rundata import CHARACTERISTICS, LABELS, TRADEOFFS, RunData, closest_to_default, family_line
from .tabular import is_number

PER_DOMAIN_DIR = "per_domain"
NO_SIZE = "no data: this run has no models with size_b"
MIXTURE_LABEL = "mixture (name beside it)"


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _styles(models: list[str], rows: list[dict]) -> dict[str, dict]:
    """A stable colour per model; dashed lines for instruct models, dotted for few-shot."""
    plt = _plt()
    cmap = plt.get_cmap("tab10" if len(models) <= 10 else "tab20")
    meta = {r["model"]: r for r in rows}
    styles = {}
    for i, model in enumerate(models):
        r = meta.get(model, {})
        ls = ":" if r.get("shots") else "--" if r.get("family") == "instruct" else "-"
        styles[model] = {"color": cmap(i % cmap.N), "linestyle": ls}
    return styles


def _no_data(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True, fontsize=11,
            color="darkred", transform=ax.transAxes,
            bbox={"boxstyle": "round", "facecolor": "mistyrose", "edgecolor": "darkred"})
    ax.set_xticks([])
    ax.set_yticks([])


def _save(fig, path: Path) -> None:
    fig.savefig(path, dpi=130, bbox_inches="tight")
    fig.savefig(path.with_suffix(".pdf"), bbox_inches="tight")
    _plt().close(fig)


def no_data_figure(path: Path, title: str, message: str) -> str:
    """A figure that says why it has no data (the file still exists for dvc and index.html);
    returns the message."""
    fig, ax = _plt().subplots(figsize=(7.2, 3.0))
    _no_data(ax, message)
    ax.set_title(title, fontsize=10)
    _save(fig, path)
    return message


def _axis_label(name: str) -> str:
    return LABELS.get(name, name)


def _bars(r: dict, c: str) -> tuple[list[list[float]] | None, float | None]:
    """(asymmetric interval bar [[below], [above]] or None, seed std or None) of r's c; a bar
    end on the wrong side of the estimate is clipped to 0."""
    lo, hi, std = r.get(f"{c}_ci_low"), r.get(f"{c}_ci_high"), r.get(f"{c}_std")
    ci = [[max(0.0, r[c] - lo)], [max(0.0, hi - r[c])]] if is_number(lo, hi) else None
    return ci, std if is_number(std) and std > 0 else None


def _error_bars(ax, pts: list[dict], x: str, y: str, color) -> tuple[bool, bool]:
    """Bootstrap intervals as thin capped bars and seed stds as thick faint bars on each point;
    returns (an interval drawn, a std drawn)."""
    any_ci = any_std = False
    for r in pts:
        (xci, xsd), (yci, ysd) = _bars(r, x), _bars(r, y)
        if xci or yci:
            ax.errorbar(r[x], r[y], xerr=xci, yerr=yci, fmt="none", ecolor=color,
                        elinewidth=0.8, capsize=2.5, alpha=0.7, zorder=2)
            any_ci = True
        if xsd or ysd:
            ax.errorbar(r[x], r[y], xerr=xsd, yerr=ysd, fmt="none", ecolor=color,
                        elinewidth=4, capsize=0, alpha=0.25, zorder=1)
            any_std = True
    return any_ci, any_std


def tradeoff_figure(rows: list[dict], x: str, y: str, title: str, path: Path,
                    styles: dict | None = None, level: float = 0.95) -> str | None:
    """One trade-off over temperature: a curve per model (top-p = 1 points, ordered by T),
    top-p < 1 points as open squares in the model's colour, the reference as a black star,
    each mixture (kind "mixture") as a grey diamond labelled with its name.
    Each point carries its bootstrap interval (`<c>_ci_low/high`, thin capped bars, at
    `level`) and its seed std (`<c>_std`, thick faint bars) where the row has them. Returns the
    no-data message, or None when something was plotted."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.2, 4.6))
    synthetic = [r for r in rows if r["kind"] == "synthetic"]
    models = sorted({r["model"] for r in synthetic})
    styles = styles or _styles(models, synthetic)
    plotted, topp_shown, ci_shown, std_shown = False, False, False, False
    for model in models:
        mine = [r for r in synthetic if r["model"] == model]
        st = styles[model]
        curve = sorted((r for r in mine if r["top_p"] == 1.0 and is_number(r[x], r[y])),
                       key=lambda r: r["temperature"])
        if curve:
            ax.plot([r[x] for r in curve], [r[y] for r in curve], marker="o", label=model,
                    color=st["color"], linestyle=st["linestyle"])
            for r in curve:
                ax.annotate(f"T={r['temperature']:g}", (r[x], r[y]), fontsize=7,
                            xytext=(3, 3), textcoords="offset points", color=st["color"])
            plotted = True
        drawn = _error_bars(ax, [r for r in mine if is_number(r[x], r[y])], x, y, st["color"])
        ci_shown, std_shown = ci_shown or drawn[0], std_shown or drawn[1]
        for r in mine:
            if r["top_p"] < 1.0 and is_number(r[x], r[y]):
                ax.plot(r[x], r[y], "s", color=st["color"], markerfacecolor="none",
                        markersize=9, markeredgewidth=1.5,
                        label=None if curve else f"{model} (top-p only)")
                ax.annotate(f"p={r['top_p']:g}", (r[x], r[y]), fontsize=7, xytext=(3, -9),
                            textcoords="offset points", color=st["color"])
                plotted = topp_shown = True
    if topp_shown:
        ax.plot([], [], "s", color="grey", markerfacecolor="none", markersize=9,
                label="top-p < 1 (T=1)")
    plotted = _mixture_points(ax, rows, x, y) or plotted
    refs = [r for r in rows if r["kind"] == "reference" and is_number(r[x], r[y])]
    for i, r in enumerate(refs):
        ax.plot(r[x], r[y], "*", color="black", markersize=15, zorder=5,
                label="reference" if i == 0 else None)
        drawn = _error_bars(ax, [r], x, y, "black")
        ci_shown, std_shown = ci_shown or drawn[0], std_shown or drawn[1]
        plotted = True
    if ci_shown:
        ax.errorbar([], [], xerr=[], fmt="none", ecolor="grey", elinewidth=0.8, capsize=2.5,
                    label=f"{level:.0%} bootstrap interval (thin, capped)")
    if std_shown:
        ax.errorbar([], [], xerr=[], fmt="none", ecolor="grey", elinewidth=4, alpha=0.25,
                    label="± std over seeds (thick, faint)")
    omitted = sorted(f"{r['model']} {r['decoding']}" for r in synthetic if not is_number(r[x], r[y]))
    if omitted and plotted:
        fig.text(0.01, -0.02, "not plotted (no value; a mean over domains has none if one "
                 "domain lacks it): " + ", ".join(omitted), fontsize=7, color="dimgrey",
                 ha="left", va="top", wrap=True)
    message = None
    if not plotted:
        message = (f"no data: no dataset of this run has both {_axis_label(x)} and "
                   f"{_axis_label(y)}")
        _no_data(ax, message)
    else:
        if (x, y) == ("complexity", "faithfulness"):
            ax.plot([0, 1], [1, 0], ":", color="grey", label="faithfulness = 1 - complexity")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    ax.set_xlabel(_axis_label(x))
    ax.set_ylabel(_axis_label(y))
    ax.set_title(title, fontsize=10)
    _save(fig, path)
    return message


def _mixture_points(ax, rows: list[dict], x: str, y: str) -> bool:
    """Each mixture (params mixtures) as a grey diamond with its name beside it and its
    interval / std bars; True when one was drawn."""
    mixtures = [r for r in rows if r["kind"] == "mixture" and is_number(r[x], r[y])]
    for i, r in enumerate(mixtures):
        ax.plot(r[x], r[y], "D", color="dimgrey", markeredgecolor="black", markersize=8,
                zorder=4, label=MIXTURE_LABEL if i == 0 else None)
        ax.annotate(r["model"], (r[x], r[y]), fontsize=7, xytext=(4, -10),
                    textcoords="offset points", color="dimgrey")
        _error_bars(ax, [r], x, y, "dimgrey")
    return bool(mixtures)


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
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.2, 4.6))
    chosen = closest_to_default(rows)
    at = [r for r in rows if chosen and r["kind"] == "synthetic" and r["decoding"] == chosen[0]]
    lines = _size_lines(at)
    plotted = False
    message = None
    if not any(is_number(r.get("size_b")) for r in rows if r["kind"] == "synthetic"):
        message = NO_SIZE
    else:
        styles = _styles(list(lines), [])
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
            message = (f"no data: no model with size_b has both {_axis_label(x)} and "
                       f"{_axis_label(y)} at {chosen[0] if chosen else 'any decoding'}")
    if plotted:
        for i, r in enumerate(r for r in rows if r["kind"] == "reference" and is_number(r[x], r[y])):
            ax.plot(r[x], r[y], "*", color="black", markersize=15, zorder=5,
                    label="reference" if i == 0 else None)
        if (x, y) == ("complexity", "faithfulness"):
            ax.plot([0, 1], [1, 0], ":", color="grey", label="faithfulness = 1 - complexity")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    else:
        _no_data(ax, message)
    ax.set_xlabel(_axis_label(x))
    ax.set_ylabel(_axis_label(y))
    where = (f"decoding {chosen[0]}: T={chosen[1]:g}, top-p={chosen[2]:g}" if chosen
             else "no decoding")
    ax.set_title(f"{title} over model size ({where}; mean over domains)", fontsize=10)
    _save(fig, path)
    return message


def size_characteristics_figure(rows: list[dict], path: Path) -> str | None:
    """Each characteristic against size_b (log axis), one curve per model line."""
    plt = _plt()
    chosen = closest_to_default(rows)
    at = [r for r in rows if chosen and r["kind"] == "synthetic" and r["decoding"] == chosen[0]]
    lines = _size_lines(at)
    has_size = any(is_number(r.get("size_b")) for r in rows if r["kind"] == "synthetic")
    if not has_size:
        return no_data_figure(path, "Characteristics over model size (Appendix D)", NO_SIZE)
    fig, axes = plt.subplots(1, len(CHARACTERISTICS), figsize=(16, 3.6), sharex=True)
    styles = _styles(list(lines), [])
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
        ax.set_title(_axis_label(c), fontsize=10)
        ax.grid(alpha=0.3)
    message = None
    if plotted:
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, fontsize=7, loc="lower center", ncol=min(6, len(labels)),
                   bbox_to_anchor=(0.5, -0.12), frameon=False)
    else:
        message = f"no data: no model with size_b has a value at {chosen[0]}"
        _no_data(axes[len(axes) // 2], message)
    fig.suptitle(f"Characteristics over model size at {chosen[0]} (T={chosen[1]:g}, "
                 f"top-p={chosen[2]:g}); mean over domains; dotted black line: reference",
                 fontsize=10)
    fig.tight_layout()
    _save(fig, path)
    return message


def write_all(run: RunData, means: list[dict], params: Params, out: Path) -> list[Artefact]:
    """Every figure of the report; returns one Artefact per PNG (the PDF sits beside it)."""
    arts = []
    models = list(params.grid.models)
    styles = _styles(models, run.rows)
    level = params.analyses.bootstrap_level
    for x, y, stem, title in TRADEOFFS:
        name = f"figure2_{stem}.png"
        msg = tradeoff_figure(means, x, y, f"{title} over temperature (mean over domains)",
                              out / name, styles, level)
        arts.append(Artefact(name, "Figure 2", "figure", title, msg))
    per_domain = out / PER_DOMAIN_DIR
    per_domain.mkdir(exist_ok=True)
    for old in list(per_domain.glob("figure5_*.png")) + list(per_domain.glob("figure5_*.pdf")):
        old.unlink()  # a domain dropped from the grid leaves no stale figure behind
    for domain in params.grid.domains:
        rows = [r for r in run.rows if r["domain"] == domain]
        for x, y, stem, title in TRADEOFFS:
            name = f"{PER_DOMAIN_DIR}/figure5_{domain}_{stem}.png"
            msg = tradeoff_figure(rows, x, y, f"{title} over temperature: {domain}",
                                  out / name, styles, level)
            arts.append(Artefact(name, "Figures 5 and 6", "figure", f"{title}: {domain}", msg))
    for x, y, stem, title in TRADEOFFS:
        name = f"figure_appendixD_size_{stem}.png"
        msg = size_tradeoff_figure(means, x, y, title, out / name)
        arts.append(Artefact(name, "Appendix D", "figure", f"{title} over model size", msg))
    name = "figure_appendixD_size_characteristics.png"
    msg = size_characteristics_figure(means, out / name)
    arts.append(Artefact(name, "Appendix D", "figure", "Characteristics over model size", msg))
    return arts
