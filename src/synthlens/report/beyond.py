"""Report pieces beyond the paper's five numbers (docs/measures.md, the same heading), read
from flat rows (one dict per dataset, NaN where absent): do the characteristics rank datasets
alike under a second classifier backbone and featurizer (robustness table, claim verdicts under
each), how the characteristics correlate (heat map), whether the diversity measures agree
(heat map), and leakage / two-sample / confidence-interval numbers per dataset (table).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .figures import _no_data, _plt, _save
from .rundata import CHARACTERISTICS, LABELS
from .tabular import Table, is_number, to_markdown

# each characteristic computed twice: main key -> second key, and what differs
SECOND = {"faithfulness": ("faithfulness_2", "classifier backbone"),
          "complexity": ("complexity_2", "classifier backbone"),
          "performance": ("performance_2", "classifier backbone"),
          "mauve": ("mauve_2", "featurizer")}
EXTRA_KEYS = ["leak_exact_train", "leak_exact_test", "leak_near_train", "leak_near_test",
              "self_exact", "self_near", "two_sample_auc", "compression_ratio", "self_bleu",
              "diversity_per_label", "classifier_accuracy", "classifier_accuracy_2"]
CI_KEYS = [k for c in CHARACTERISTICS for k in (f"{c}_ci_low", f"{c}_ci_high")]
# diversity measures as (key, sign, label): the sign turns each into 'higher = more varied'
DIVERSITY_MEASURES = [("diversity", 1, "distinct-1"), ("distinct_2", 1, "distinct-2"),
                      ("distinct_3", 1, "distinct-3"),
                      ("compression_ratio", -1, "compression ratio (negated)"),
                      ("self_bleu", -1, "Self-BLEU (negated)"),
                      ("diversity_per_label", 1, "per-label distinct-1 (mean)"),
                      ("vendi", 1, "Vendi (embeddings)"),
                      ("cosine_diversity", 1, "cosine diversity (embeddings)")]
MIN_N = 3


@dataclass
class Matrix:
    """A Spearman matrix: names of the rows/columns, the values, and the datasets behind it."""
    names: list[str]
    values: np.ndarray
    n: int
    message: str | None = None  # why there is no matrix, when there is none


def _num(row: dict, key: str) -> float:
    v = row.get(key, float("nan"))
    return float(v) if is_number(v) else float("nan")


def synthetic(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r.get("kind") == "synthetic"]


def spearman(xs, ys) -> tuple[float, int]:
    """(Spearman rho over the pairs where both are numbers, that pair count); rho is NaN with
    fewer than 3 pairs or a constant side."""
    x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    ok = ~(np.isnan(x) | np.isnan(y))
    n = int(ok.sum())
    if n < MIN_N or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
        return float("nan"), n
    from scipy import stats

    return float(stats.spearmanr(x[ok], y[ok]).statistic), n


# ---------------------------------------------------------------- robustness
def robustness(rows: list[dict]) -> list[dict]:
    """Per characteristic computed twice: Spearman rank agreement of the main and the second
    value across the synthetic rows, {'characteristic', 'second', 'swapped', 'spearman', 'n'}."""
    syn = synthetic(rows)
    out = []
    for c, (second, swapped) in SECOND.items():
        rho, n = spearman([_num(r, c) for r in syn], [_num(r, second) for r in syn])
        out.append({"characteristic": c, "second": second, "swapped": swapped,
                    "spearman": rho, "n": n})
    return out


def robustness_table(rows: list[dict]) -> Table:
    t = Table("beyond_robustness", "Do the characteristics rank the synthetic datasets alike "
              "under a second classifier backbone / featurizer?",
              ["characteristic", "second value", "what changes", "Spearman ρ", "datasets"],
              notes=["Spearman rank correlation across the synthetic datasets having both "
                     "values; 1 = the same order. — with fewer than 3 datasets or a constant "
                     "column. Second backbone: TF-IDF + logistic regression; second "
                     "featurizer: TF-IDF + truncated SVD."],
              keys=["characteristic", "second", "swapped", "spearman", "n"])
    for r in robustness(rows):
        t.rows.append([LABELS.get(r["characteristic"], r["characteristic"]), r["second"],
                       r["swapped"], r["spearman"], r["n"]])
    return t


def verdicts_table(verdicts_main: dict, verdicts_second: dict, *,
                   main_name: str = "main backbone",
                   second_name: str = "second backbone") -> Table:
    """Per claim its verdict under each backbone and whether they agree ('—' where a side has
    no verdict). Claims in the order of verdicts_main, then those only in verdicts_second."""
    claims = list(verdicts_main) + [c for c in verdicts_second if c not in verdicts_main]
    t = Table("beyond_verdicts", "Claim verdicts under each classifier backbone",
              ["claim", main_name, second_name, "same verdict"])
    for c in claims:
        a, b = verdicts_main.get(c), verdicts_second.get(c)
        same = "—" if a is None or b is None else "yes" if a == b else "no"
        t.rows.append([str(c), "—" if a is None else str(a), "—" if b is None else str(b), same])
    return t


def verdict_table(verdicts_main: dict, verdicts_second: dict, **names) -> str:
    """verdicts_table as Markdown."""
    return to_markdown(verdicts_table(verdicts_main, verdicts_second, **names))


# ---------------------------------------------------------------- heat maps
def spearman_matrix(rows: list[dict], keys: list[str], names: list[str] | None = None,
                    signs: list[int] | None = None) -> Matrix:
    """Spearman matrix of `keys` across the synthetic rows that have every key that has any
    value at all (complete cases; keys without a single value are left out). Values are
    multiplied by `signs` first; NaN entries for a constant column or fewer than 3 rows."""
    syn = synthetic(rows)
    names = names or [LABELS.get(k, k) for k in keys]
    signs = signs or [1] * len(keys)
    cols = [(k, nm, s) for k, nm, s in zip(keys, names, signs)
            if any(is_number(_num(r, k)) for r in syn)]
    if not cols:
        return Matrix([], np.zeros((0, 0)), 0, "no data: no synthetic dataset has any of "
                      + ", ".join(keys))
    data = np.array([[s * _num(r, k) for k, _, s in cols] for r in syn])
    data = data[~np.isnan(data).any(axis=1)]
    n = len(data)
    m = np.full((len(cols), len(cols)), np.nan)
    for i in range(len(cols)):
        for j in range(len(cols)):
            m[i, j] = spearman(data[:, i], data[:, j])[0]
    message = None if n >= MIN_N else (f"no data: {n} synthetic datasets have every value "
                                       f"(at least {MIN_N} needed)")
    return Matrix([nm for _, nm, _ in cols], m, n, message)


def heatmap(matrix: Matrix, title: str, path: Path) -> None:
    """The matrix as a red-blue heat map with its values printed, PNG and PDF."""
    plt = _plt()
    k = max(len(matrix.names), 1)
    fig, ax = plt.subplots(figsize=(1.2 * k + 2.4, 1.0 * k + 1.8))
    if matrix.message:
        _no_data(ax, matrix.message)
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
    _save(fig, path)


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


# ---------------------------------------------------------------- per-dataset table
def extras_table(rows: list[dict]) -> Table:
    """One row per dataset: leakage, self-duplicates, two-sample AUC, the extra diversity
    measures, the classifiers' own R-test accuracy and the characteristics' bootstrap
    intervals. Columns without a value in any row are left out (named in a note)."""
    keys = EXTRA_KEYS + CI_KEYS
    present = [k for k in keys if any(is_number(_num(r, k)) for r in rows)]
    absent = [k for k in keys if k not in present]
    notes = ["leak_*: share of synthetic samples repeating an R-train / R-test text, exactly "
             "(normalised case and spaces) or nearly (word n-gram overlap); self_*: repeating "
             "an earlier sample of the same dataset. two_sample_auc: held-out ROC AUC of a "
             "TF-IDF classifier telling R-train from S (0.5 = indistinguishable). "
             "compression_ratio: raw / gzip bytes (higher = more repetitive). *_ci_low/high: "
             "bootstrap percentile interval."]
    if absent:
        notes.append("no value in this run: " + ", ".join(absent))
    t = Table("beyond_per_dataset", "Leakage, two-sample test, extra diversity measures and "
              "confidence intervals per dataset",
              ["model", "domain", "decoding", "kind"] + present, notes=notes)
    for r in rows:
        t.rows.append([str(r.get(k, "")) for k in ("model", "domain", "decoding", "kind")]
                      + [_num(r, k) for k in present])
    return t
