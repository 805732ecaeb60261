"""The run as DVC's own views read it: plot data for `dvc plots show` / `dvc plots diff` (the
top-level `plots:` of dvc.yaml point here) and one small headline metrics file for `dvc exp show`
and `dvc metrics show` (a dozen numbers, so a row of experiments fits a screen; every number of
every dataset stays in data/metrics/, compared by `make compare`).

Written by stage report, under paper_figures/:
- plots/confusion/<domain>--<model>--<decoding>.csv: one row per synthetic sample, `actual`
  (the label asked for) and `predicted` (the reference classifier's label): DVC's confusion
  template counts them;
- plots/learning_curves/<domain>--<model>--<decoding>.csv: `samples`, `accuracy` on R-test;
- plots/data_maps/<domain>--<model>--<decoding>.csv: each sample's `variability` and
  `confidence` (metrics/label_quality.py: dataset cartography);
and beside the metrics files, committed with them (so `dvc metrics diff` compares with the
committed run): data/headline.json, the claims' verdict counts and the grid's mean of each
characteristic.
"""
from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

from ..metrics.schema import K
from .rundata import CHARACTERISTICS, RunData, write_csv

PLOTS = "plots"
HEADLINE = "headline.json"


def _name(row: dict) -> str:
    return f"{row['domain']}--{row['model']}--{row['decoding']}".replace("/", "_")


def _write_rows(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv([dict(zip(header, r)) for r in rows], path, header)


def write_plot_data(run: RunData, out: Path) -> list[Path]:
    """The confusion and learning-curve files of every synthetic dataset that has them; the
    plots/ folder is rebuilt, so a dataset that left the grid leaves no file."""
    import shutil

    root = out / PLOTS
    if root.exists():
        shutil.rmtree(root)
    written = []
    for r in run.synthetic():
        confusion = run.nested(r, K.confusion)
        if confusion:
            pairs = [[actual, predicted] for actual, row in confusion.items()
                     for predicted, count in row.items() for _ in range(int(count))]
            path = root / K.confusion / f"{_name(r)}.csv"
            _write_rows(path, ["actual", "predicted"], pairs)
            written.append(path)
        data_map = run.nested(r, K.data_map)
        if data_map.get("confidence"):
            path = root / "data_maps" / f"{_name(r)}.csv"
            _write_rows(path, ["variability", "confidence"],
                        [list(p) for p in zip(data_map["variability"], data_map["confidence"])])
            written.append(path)
        curve = run.nested(r, K.learning_curve)
        if curve:
            points = sorted((int(n), float(acc)) for n, acc in curve.items()
                            if isinstance(acc, (int, float)))  # NaN is written as null
            path = root / "learning_curves" / f"{_name(r)}.csv"
            _write_rows(path, ["samples", "accuracy"], [[n, acc] for n, acc in points])
            written.append(path)
    return written


def headline(run: RunData, claims) -> dict:
    """The run in a dozen numbers: how many claims got each verdict, and the mean of each
    characteristic over the grid's synthetic datasets (NaN-free: a characteristic without a
    number in any dataset is left out)."""
    verdicts = Counter(c.verdict for c in claims)
    out: dict = {"claims": {v.lower().replace(" ", "_"): verdicts.get(v, 0)
                            for v in ("PASS", "FAIL", "INCONCLUSIVE", "NOT RUN")},
                 "datasets": len(run.synthetic())}
    means = {}
    for c in CHARACTERISTICS:
        values = [r[c] for r in run.synthetic()
                  if isinstance(r.get(c), (int, float)) and not math.isnan(r[c])]
        if values:
            means[c] = round(sum(values) / len(values), 4)
    out["mean"] = means
    return out


def write_headline(run: RunData, claims, path: Path) -> Path:
    path.write_text(json.dumps(headline(run, claims), indent=2, sort_keys=True) + "\n")
    return path
