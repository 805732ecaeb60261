"""Report pieces beyond the paper's five numbers (report/tables/robustness.py,
report/figures/heatmaps.py), on flat rows whose answers are known."""
import math

import numpy as np
import pytest

from synthlens.report.figures import heatmaps
from synthlens.report.tables import robustness
from synthlens.report.tabular import to_markdown

NAN = float("nan")


def rows(n=6):
    """Synthetic rows where every second value is a monotone function of the main one."""
    out = []
    for i in range(n):
        x = (i + 1) / (n + 1)
        out.append({"model": f"m{i}", "domain": "sst2", "decoding": "t1", "kind": "synthetic",
                    "diversity": x, "mauve": x ** 2, "faithfulness": 1 - x,
                    "complexity": x, "performance": 0.5,
                    "faithfulness_2": (1 - x) ** 3, "complexity_2": 1 - x,
                    "performance_2": 0.6, "mauve_2": x ** 0.5,
                    "distinct_2": x, "compression_ratio": 2 - x, "self_bleu": NAN,
                    "leak_exact_test": 0.1 * i, "two_sample_auc": 0.5 + x / 2,
                    "faithfulness_ci_low": 0.9 - x, "faithfulness_ci_high": 1.1 - x})
    out.append({"model": "reference", "domain": "sst2", "decoding": "—", "kind": "reference",
                "diversity": 9.0, "mauve": -9.0, "faithfulness": 9.0, "complexity": 9.0,
                "performance": 0.9, "faithfulness_2": -9.0, "complexity_2": 9.0,
                "mauve_2": 9.0})
    return out


def test_robustness_ranks_agree_disagree_or_cannot_tell():
    by = {r["characteristic"]: r for r in robustness.robustness(rows())}
    assert by["faithfulness"]["spearman"] == pytest.approx(1.0)  # the reference row is ignored
    assert by["mauve"]["spearman"] == pytest.approx(1.0)
    assert by["complexity"]["spearman"] == pytest.approx(-1.0)
    assert math.isnan(by["performance"]["spearman"])  # constant: no ranking to compare
    assert by["faithfulness"]["n"] == 6 and by["mauve"]["swapped"] == "featurizer"
    few = rows(6)
    for r in few[2:6]:
        r["mauve_2"] = NAN
    by = {r["characteristic"]: r for r in robustness.robustness(few)}
    assert by["mauve"]["n"] == 2 and math.isnan(by["mauve"]["spearman"])
    md = to_markdown(robustness.robustness_table(rows()))
    assert "| faithfulness | faithfulness_2 | classifier backbone | 1.000 | 6 |" in md


def test_verdicts_table_lays_out_each_claim_under_both_backbones():
    t = robustness.verdicts_table({1: "PASS", 2: "FAIL", 3: "PASS"},
                                  {1: "PASS", 2: "PASS", 4: "FAIL"})
    assert t.name == "table_robustness_verdicts"
    lines = to_markdown(t).splitlines()
    assert ("| claim | main backbone + featurizer | second backbone + featurizer | same verdict |"
            in lines)
    assert "| 1 | PASS | PASS | yes |" in lines and "| 2 | FAIL | PASS | no |" in lines
    assert "| 3 | PASS | — | — |" in lines and "| 4 | — | FAIL | — |" in lines
    assert lines.index("| 3 | PASS | — | — |") < lines.index("| 4 | — | FAIL | — |")


def test_correlation_heat_map_has_the_known_matrix_and_both_files(tmp_path):
    path = tmp_path / "corr.png"
    m = heatmaps.correlation_figure(rows(), path)
    assert m.n == 6 and m.message is None
    idx = {name: i for i, name in enumerate(m.names)}
    div, mauve, faith = idx["diversity"], idx["conformity (MAUVE)"], idx["faithfulness"]
    assert m.values[div, mauve] == pytest.approx(1.0)
    assert m.values[div, faith] == pytest.approx(-1.0)
    assert math.isnan(m.values[idx["performance"], div])
    assert path.stat().st_size > 0 and path.with_suffix(".pdf").stat().st_size > 0


def test_too_few_datasets_draw_a_no_data_figure(tmp_path):
    m = heatmaps.correlation_figure(rows(2), tmp_path / "c.png")
    assert m.n == 2 and "at least 3" in m.message
    assert (tmp_path / "c.png").is_file() and (tmp_path / "c.pdf").is_file()
    m = heatmaps.diversity_ranking_figure([], tmp_path / "d.png")
    assert m.message.startswith("no data") and (tmp_path / "d.pdf").is_file()


def test_diversity_ranking_turns_every_measure_to_higher_is_more_varied(tmp_path):
    m = heatmaps.diversity_ranking_figure(rows(), tmp_path / "div.png")
    # self_bleu and the per-label mean have no value anywhere: left out
    assert m.names == ["distinct-1", "distinct-2", "compression ratio (negated)"]
    assert np.allclose(m.values, 1.0)  # compression 2 - x, negated, ranks like x
    assert (tmp_path / "div.pdf").is_file()

