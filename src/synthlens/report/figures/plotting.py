"""What every figure of the report shares: matplotlib without a display, a stable colour and
line style per model, saving a figure as PNG and PDF, and the figure without data (the file is
still written, with the reason printed across it, and the reason is returned so the manifest
and index.html can say so too).
"""
from __future__ import annotations

from pathlib import Path

from ..rundata import LABELS


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def model_styles(models: list[str], rows: list[dict]) -> dict[str, dict]:
    """A stable colour per model; dashed lines for instruct models, dotted for few-shot."""
    plt = pyplot()
    cmap = plt.get_cmap("tab10" if len(models) <= 10 else "tab20")
    meta = {r["model"]: r for r in rows}
    styles = {}
    for i, model in enumerate(models):
        r = meta.get(model, {})
        ls = ":" if r.get("shots") else "--" if r.get("family") == "instruct" else "-"
        styles[model] = {"color": cmap(i % cmap.N), "linestyle": ls}
    return styles


def draw_no_data(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True, fontsize=11,
            color="darkred", transform=ax.transAxes,
            bbox={"boxstyle": "round", "facecolor": "mistyrose", "edgecolor": "darkred"})
    ax.set_xticks([])
    ax.set_yticks([])


def save(fig, path: Path) -> None:
    fig.savefig(path, dpi=130, bbox_inches="tight")
    fig.savefig(path.with_suffix(".pdf"), bbox_inches="tight")
    pyplot().close(fig)


def no_data_figure(path: Path, title: str, message: str) -> str:
    """A figure that says why it has no data (the file still exists for dvc and index.html);
    returns the message."""
    fig, ax = pyplot().subplots(figsize=(7.2, 3.0))
    draw_no_data(ax, message)
    ax.set_title(title, fontsize=10)
    save(fig, path)
    return message


def axis_label(name: str) -> str:
    return LABELS.get(name, name)

