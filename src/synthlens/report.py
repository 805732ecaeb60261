"""Stage report: every metrics file of the run as tables and the trade-off figures.

Tables: CSV and Markdown, one row per dataset (reference rows included), plus the average
over domains per model and decoding. Figures (PNG and PDF): the three trade-offs of the
paper's Figure 2, averaged over domains, one curve per model over temperature, the top-p
points and the reference marked.
"""
from __future__ import annotations

import csv
import logging
import math
from collections import defaultdict
from pathlib import Path

from .config import Params
from .layout import DATA
from .records import read_json

log = logging.getLogger(__name__)

CHARACTERISTICS = ["diversity", "mauve", "faithfulness", "complexity", "performance"]
COLUMNS = (["kind", "model", "family", "domain", "decoding", "temperature", "top_p"] +
           [c for name in CHARACTERISTICS for c in (name, f"{name}_std")] +
           ["distinct_2", "distinct_3", "n_samples", "mean_words", "empty_fraction"])
TRADEOFFS = [("diversity", "mauve", "Diversity vs conformity (MAUVE)"),
             ("diversity", "faithfulness", "Diversity vs faithfulness"),
             ("complexity", "faithfulness", "Faithfulness vs complexity")]


def collect(params: Params, metrics_dir: Path = DATA / "metrics") -> list[dict]:
    """One flat row per metrics file of the current grid, references first."""
    rows = []
    for domain in params.grid.domains:
        path = metrics_dir / "reference" / f"{domain}.json"
        if path.is_file():
            rows.append(_flatten(read_json(path)))
    for model in params.grid.models:
        for domain in params.grid.domains:
            for decoding in params.grid.decodings:
                path = metrics_dir / model / domain / f"{decoding}.json"
                if path.is_file():
                    rows.append(_flatten(read_json(path)))
                else:
                    log.warning("report: no metrics for %s/%s/%s", model, domain, decoding)
    return rows


def _flatten(m: dict) -> dict:
    info = m.get("info", {})
    row = {k: v for k, v in m.items() if k != "info"}
    row.update(kind=info.get("kind"), model=info.get("model"), family=info.get("family"),
               domain=info.get("domain"), decoding=info.get("decoding"))
    return {c: _num(row.get(c)) for c in COLUMNS}


def _num(v):
    return float("nan") if v is None else v


def average_over_domains(rows: list[dict]) -> list[dict]:
    """Mean of each characteristic per (model, decoding) over the domains it was run on."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        groups[(r["model"], r["decoding"])].append(r)
    out = []
    for (model, decoding), members in groups.items():
        avg = {k: members[0][k] for k in ("kind", "model", "family", "decoding", "temperature",
                                          "top_p")}
        avg["domain"] = "+".join(sorted({m["domain"] for m in members}))
        for c in COLUMNS:
            if c not in avg:
                vals = [m[c] for m in members if isinstance(m[c], (int, float))]
                # a domain without a value makes the mean undefined, not a mean of the rest
                avg[c] = (sum(vals) / len(vals) if len(vals) == len(members)
                          else float("nan"))
        out.append(avg)
    return out


def _fmt(v) -> str:
    if isinstance(v, float):
        return "—" if math.isnan(v) else f"{v:.3f}"
    return "" if v is None else str(v)


def write_csv(rows: list[dict], path: Path) -> None:
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({c: ("" if isinstance(r[c], float) and math.isnan(r[c]) else r[c])
                        for c in COLUMNS})


def markdown_table(rows: list[dict]) -> str:
    head = ["model", "domain", "decoding"] + CHARACTERISTICS
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [_fmt(r["model"]), _fmt(r["domain"]), _fmt(r["decoding"])]
        for c in CHARACTERISTICS:
            std = r.get(f"{c}_std")
            cell = _fmt(r[c])
            if isinstance(std, float) and not math.isnan(std) and std > 0:
                cell += f" ± {std:.3f}"
            cells.append(cell)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def tradeoff_figure(avg_rows: list[dict], x: str, y: str, title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    synthetic = [r for r in avg_rows if r["kind"] == "synthetic"]
    plotted = False
    for model in sorted({r["model"] for r in synthetic}):
        mine = [r for r in synthetic if r["model"] == model]
        curve = sorted((r for r in mine if r["top_p"] == 1.0), key=lambda r: r["temperature"])
        pts = [(r[x], r[y], r["temperature"]) for r in curve
               if not (math.isnan(r[x]) or math.isnan(r[y]))]
        if pts:
            line, = ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=model)
            for px, py, t in pts:
                ax.annotate(f"T={t:g}", (px, py), fontsize=7, xytext=(3, 3),
                            textcoords="offset points")
            plotted = True
            color = line.get_color()
        else:
            color = None
        for r in mine:
            if r["top_p"] < 1.0 and not (math.isnan(r[x]) or math.isnan(r[y])):
                ax.plot(r[x], r[y], "s", color=color, markerfacecolor="none", markersize=8,
                        label=f"{model} top-p {r['top_p']:g}")
                plotted = True
    for r in avg_rows:
        if r["kind"] == "reference" and not (math.isnan(r[x]) or math.isnan(r[y])):
            ax.plot(r[x], r[y], "*", color="black", markersize=14, label="reference")
            plotted = True
    if (x, y) == ("complexity", "faithfulness"):
        ax.plot([0, 1], [1, 0], ":", color="grey", label="faithfulness = 1 - complexity")
    if not plotted:
        ax.text(0.5, 0.5, "no data for this figure in this run", ha="center", va="center",
                transform=ax.transAxes)
    ax.set_xlabel(x)
    ax.set_ylabel("conformity (MAUVE)" if y == "mauve" else y)
    ax.set_title(title + " (mean over domains)", fontsize=10)
    ax.grid(alpha=0.3)
    if plotted:
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    fig.savefig(path.with_suffix(".pdf"))
    plt.close(fig)


def run(params: Params, out: str | Path = "paper_figures") -> None:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = collect(params)
    if not rows:
        raise FileNotFoundError("no metrics under data/metrics: run the evaluate stages first")
    reference_avg = average_over_domains([r for r in rows if r["kind"] == "reference"])
    averaged = reference_avg + average_over_domains([r for r in rows if r["kind"] != "reference"])
    write_csv(rows, out / "results.csv")
    write_csv(averaged, out / "tradeoffs.csv")
    (out / "results.md").write_text(
        "# Results of this run\n\n## Every dataset\n\n" + markdown_table(rows) +
        "\n## Mean over domains\n\n" + markdown_table(averaged))
    for x, y, title in TRADEOFFS:
        name = {"mauve": "conformity"}.get(y, y)
        stem = (f"figure2_{x}_vs_{name}" if x == "diversity" else "figure2_faithfulness_vs_complexity")
        tradeoff_figure(averaged, x, y, title, out / f"{stem}.png")
    log.info("report: %d datasets -> %s (results.md, results.csv, figure2_*.png)",
             len(rows), out.resolve())
    print(f"\nTables and figures of this run are in {out.resolve()}/")
