"""The trade-off figures over temperature (PNG and PDF): Figure 2 (one figure per trade-off,
means over domains) and Figures 5 and 6 (the same per domain, in per_domain/). A curve per
model, top-p points as open squares, the reference as a star, mixtures as labelled diamonds;
each point with its bootstrap interval and its seed std. Exports the two builders
(figure2, per_domain_figures) and their sections.
"""
from __future__ import annotations

from pathlib import Path

from ...config import Params
from ...metrics.schema import K
from ..manifest import Drawn, Section
from ..rundata import TRADEOFFS, RunData, domain_means
from ..tabular import is_number
from .plotting import axis_label, draw_no_data, model_styles, pyplot, save

FIGURE_2 = Section("Figure 2", "Trade-offs over temperature, mean over domains: one curve per "
                   "model (solid: vanilla, dashed: instruct, dotted: few-shot), top-p points as "
                   "open squares, the reference as a star, mixtures of several models' datasets "
                   "as grey diamonds with their name; thin capped bars: bootstrap intervals, "
                   "thick faint bars: ± std over seeds.")
FIGURES_5_6 = Section("Figures 5 and 6", "The same trade-offs per domain, and the per-domain "
                      "numbers with their bootstrap intervals [low, high].")
PER_DOMAIN_DIR = "per_domain"
MIXTURE_LABEL = "mixture (name beside it)"


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
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.2, 4.6))
    synthetic = [r for r in rows if r["kind"] == "synthetic"]
    models = sorted({r["model"] for r in synthetic})
    styles = styles or model_styles(models, synthetic)
    plotted, topp_shown, ci_shown, std_shown = False, False, False, False
    for model in models:
        mine = [r for r in synthetic if r["model"] == model]
        st = styles[model]
        curve = sorted((r for r in mine if r[K.top_p] == 1.0 and is_number(r[x], r[y])),
                       key=lambda r: r[K.temperature])
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
            if r[K.top_p] < 1.0 and is_number(r[x], r[y]):
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
        message = (f"no data: no dataset of this run has both {axis_label(x)} and "
                   f"{axis_label(y)}")
        draw_no_data(ax, message)
    else:
        if (x, y) == (K.complexity, K.faithfulness):
            ax.plot([0, 1], [1, 0], ":", color="grey", label="faithfulness = 1 - complexity")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    ax.set_xlabel(axis_label(x))
    ax.set_ylabel(axis_label(y))
    ax.set_title(title, fontsize=10)
    save(fig, path)
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


def _tradeoff(stem: str) -> tuple[str, str, str]:
    """(x, y, title) of the trade-off whose file stem is `stem` (rundata.TRADEOFFS)."""
    return next((x, y, title) for x, y, s, title in TRADEOFFS if s == stem)


def figure2(stem: str, run: RunData, params: Params, out: Path) -> list[Drawn]:
    """figure2_<stem>.png: the trade-off `stem` over temperature, means over domains."""
    x, y, title = _tradeoff(stem)
    styles = model_styles(list(params.grid.models), run.rows)
    name = f"figure2_{stem}.png"
    msg = tradeoff_figure(domain_means(run), x, y,
                          f"{title} over temperature (mean over domains)", out / name, styles,
                          params.analyses.bootstrap_level)
    return [Drawn(name, title, msg)]


def per_domain_figures(run: RunData, params: Params, out: Path) -> list[Drawn]:
    """per_domain/figure5_<domain>_<stem>.png: every trade-off per domain of the grid; the
    folder's older figures are removed first, so a domain dropped from the grid leaves none."""
    styles = model_styles(list(params.grid.models), run.rows)
    per_domain = out / PER_DOMAIN_DIR
    per_domain.mkdir(exist_ok=True)
    for old in list(per_domain.glob("figure5_*.png")) + list(per_domain.glob("figure5_*.pdf")):
        old.unlink()
    drawn = []
    for domain in params.grid.domains:
        rows = [r for r in run.rows if r["domain"] == domain]
        for x, y, stem, title in TRADEOFFS:
            name = f"{PER_DOMAIN_DIR}/figure5_{domain}_{stem}.png"
            msg = tradeoff_figure(rows, x, y, f"{title} over temperature: {domain}",
                                  out / name, styles, params.analyses.bootstrap_level)
            drawn.append(Drawn(name, f"{title}: {domain}", msg))
    return drawn
