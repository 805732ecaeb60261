"""The two heat maps (PNG and PDF): how the five characteristics correlate across the run's
synthetic datasets (figure_correlations) and whether the diversity measures rank them alike
(figure_diversity_measures), Spearman matrices from rank_correlation.py. Exports the two
builders (figure_correlations, figure_diversity_measures) and their sections.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

from ...config import Params
from ...metrics.schema import K
from ..manifest import Drawn, Section
from ..rank_correlation import Matrix, spearman_matrix
from ..rundata import CHARACTERISTICS, RunData
from .plotting import draw_no_data, pyplot, save

CORRELATIONS = Section("Characteristic correlations", "Spearman correlation of each pair of "
                       "characteristics across the run's synthetic datasets (n in the title): "
                       "|ρ| near 1 means two characteristics say the same thing.")
DIVERSITY = Section("Diversity measures", "Spearman correlation between the diversity measures "
                    "across the synthetic datasets, each turned so that higher = more varied: "
                    "near 1 means they rank the datasets alike.")
# diversity measures as (key, sign, label): the sign turns each into 'higher = more varied'
DIVERSITY_MEASURES = [(K.diversity, 1, "distinct-1"), (K.distinct_2, 1, "distinct-2"),
                      (K.distinct_3, 1, "distinct-3"),
                      (K.compression_ratio, -1, "compression ratio (negated)"),
                      (K.self_bleu, -1, "Self-BLEU (negated)"),
                      (K.diversity_per_label, 1, "per-label distinct-1 (mean)"),
                      (K.vendi, 1, "Vendi (embeddings)"),
                      (K.cosine_diversity, 1, "cosine diversity (embeddings)")]


def heatmap(matrix: Matrix, title: str, path: Path) -> None:
    """The matrix as a red-blue heat map with its values printed, PNG and PDF."""
    plt = pyplot()
    k = max(len(matrix.names), 1)
    fig, ax = plt.subplots(figsize=(1.2 * k + 2.4, 1.0 * k + 1.8))
    if matrix.message:
        draw_no_data(ax, matrix.message)
    else:
        im = ax.imshow(matrix.values, vmin=-1, vmax=1, cmap="RdBu_r")
        ax.set_xticks(range(k), matrix.names, rotation=35, ha="right", fontsize=8)
        ax.set_yticks(range(k), matrix.names, fontsize=8)
        for i in range(k):
            for j in range(k):
                v = matrix.values[i, j]
                ax.text(j, i, "—" if math.isnan(v) else f"{v:.2f}", ha="center",
                        va="center", fontsize=8, color="white" if abs(v) > 0.6 else "black")
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="Spearman ρ")
    ax.set_title(title, fontsize=10)
    save(fig, path)


def correlation_figure(rows: list[dict], path: Path,
                       keys: Sequence[str] = tuple(CHARACTERISTICS)) -> Matrix:
    """Are the characteristics redundant? Their Spearman matrix across the synthetic
    datasets, drawn to path (.png and .pdf); the title states how many datasets."""
    m = spearman_matrix(rows, list(keys))
    heatmap(m, f"Spearman correlation of the characteristics across n = {m.n} synthetic "
               "datasets", path)
    return m


def diversity_ranking_figure(rows: list[dict], path: Path) -> Matrix:
    """Do the diversity measures rank the datasets alike? Spearman matrix of distinct-n,
    compression ratio, Self-BLEU and per-label diversity, each turned so that higher = more
    varied (compression ratio and Self-BLEU negated), drawn to path (.png and .pdf)."""
    keys, signs, names = zip(*DIVERSITY_MEASURES)
    m = spearman_matrix(rows, list(keys), list(names), list(signs))
    heatmap(m, f"How the diversity measures rank n = {m.n} synthetic datasets "
               "(Spearman; higher = more varied)", path)
    return m


def figure_correlations(run: RunData, params: Params, out: Path) -> list[Drawn]:
    m = correlation_figure(run.rows, out / "figure_correlations.png",
                           keys=tuple(CHARACTERISTICS))
    return [Drawn("figure_correlations.png",
                  f"Spearman correlations of the characteristics (n = {m.n})", m.message)]


def figure_diversity_measures(run: RunData, params: Params, out: Path) -> list[Drawn]:
    m = diversity_ranking_figure(run.rows, out / "figure_diversity_measures.png")
    return [Drawn("figure_diversity_measures.png",
                  f"How the diversity measures rank the datasets (n = {m.n})", m.message)]
