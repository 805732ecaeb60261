"""Like-for-like rows: the reference row at the synthetic size is drawn stratified, without
replacement; a classifier that predicts one class is measured and flagged in Table 2."""
import math
from collections import Counter

import numpy as np
import pytest

from synthlens.metrics.characteristics import stratified_subsample
from synthlens.metrics.complexity import top_class_share


def test_stratified_subsample_keeps_label_shares_exactly_n_without_replacement():
    labels = [0] * 200 + [1] * 150 + [2] * 50        # shares 1/2, 3/8, 1/8
    drawn = stratified_subsample(labels, 128, seed=0)
    assert len(drawn) == len(set(drawn)) == 128
    assert Counter(labels[i] for i in drawn) == {0: 64, 1: 48, 2: 16}
    # 10 of 3 equal labels: 3.33 each, the one extra goes to one label
    assert sorted(Counter([0, 1, 2] * 10)[y] for y in (0, 1, 2)) == [10, 10, 10]
    ten = stratified_subsample([0, 1, 2] * 10, 10, seed=0)
    assert sorted(Counter([0, 1, 2][i % 3] for i in ten).values()) == [3, 3, 4]


def test_stratified_subsample_depends_on_the_seed_and_refuses_too_many():
    labels = [0, 1] * 100
    assert stratified_subsample(labels, 20, 0) == stratified_subsample(labels, 20, 0)
    assert stratified_subsample(labels, 20, 0) != stratified_subsample(labels, 20, 1)
    with pytest.raises(ValueError, match="cannot draw"):
        stratified_subsample(labels, 201, 0)


def test_top_class_share():
    assert top_class_share(np.array([1, 1, 1, 0])) == 0.75
    assert top_class_share(np.array([2] * 10)) == 1.0
    assert math.isnan(top_class_share(np.array([], dtype=int)))


def _row(kind, model, share, **extra):
    row = {"kind": kind, "model": model, "family": kind, "decoding": "t1_0", "shots": 0,
           "size_b": float("nan"), "temperature": 1.0, "top_p": 1.0, "n_samples": 128,
           "classifier_accuracy": 0.8, "empty_fraction": 0.0, "refused_fraction": 0.0,
           "cut_off_fraction": 0.0, "leak_test_max": 0.0, "n_domains": 2,
           "performance_top_class_share": share}
    for c in ("diversity", "mauve", "faithfulness", "complexity", "performance"):
        row.update({c: 0.5, f"{c}_std": 0.0, f"{c}_ci_low": float("nan"),
                    f"{c}_ci_high": float("nan")})
    row.update(extra)
    return row


def test_table2_flags_one_class_classifiers_and_shows_the_sized_reference_row():
    import yaml

    from conftest import ROOT
    from synthlens.config import Params
    from synthlens.report.tables.paper import table2

    params = Params(**yaml.safe_load((ROOT / "params.yaml").read_text()))
    model = params.grid.models[0]
    table = table2([_row("synthetic", model, 0.95), _row("synthetic", model, 0.6,
                                                         decoding="p0_9"),
                    _row("reference_sized", "reference", 0.55, decoding="reference_n128"),
                    _row("reference", "reference", 0.5, decoding="reference")], params)
    col = table.columns.index("one class")
    by_name = [(r[0], r[4], r[col]) for r in table.rows]
    assert by_name[0][0] == "reference" and by_name[1][0] == "reference (n=128)"
    flags = {decoding: flag for name, decoding, flag in by_name if name == model}
    assert flags == {"t1_0": "yes (95%)", "p0_9": ""}
