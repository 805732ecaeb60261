"""The report's outputs beyond the paper's five numbers (issue 9) on a fake run with known
numbers: the leakage flag of Table 2, bootstrap intervals in the tables, the trade-off figures'
error bars and the claims, the robustness table, the new files and sections, and metrics files
written before the analyses existed."""
import csv
import json
from pathlib import Path

import pytest
from matplotlib.container import ErrorbarContainer

from synthlens.report.figures import tradeoffs
from synthlens.stages import report, verify
from test_report import DECODINGS, DOMAINS, make_params, write_metrics

MODELS = ["llama-7b", "llama-2-7b", "llama-2-7b-chat"]
LEAKY = ("llama-2-7b", "sst2", "t1_0")          # repeats R-test in every sample
OLD = "llama-7b"                                 # its files predate the analyses: no new keys
PER_LABEL = ("llama-2-7b-chat", "sst2", "t1_0")
CONFUSION = {"negative": {"negative": 60, "positive": 4},
             "positive": {"negative": 16, "positive": 48}}
HW = {"diversity": 0.01, "mauve": 0.5, "faithfulness": 0.01, "complexity": 0.01,
      "performance": 0.01}   # half-width of every interval: MAUVE's overlap, the rest do not
NEW_FILES = ([f"{t}.{e}" for t in ("table_robustness", "table_robustness_verdicts",
                                   "table_leakage", "table_per_label") for e in ("csv", "md", "tex")]
             + [f"{f}.{e}" for f in ("figure_correlations", "figure_diversity_measures")
                for e in ("png", "pdf")])
SECTIONS = ["robustness", "leakage", "characteristic-correlations", "diversity-measures",
            "per-label"]


def add_analyses(metrics: Path, written: dict) -> None:
    """Give every metrics file but OLD's the keys evaluate writes with params analyses."""
    for (model, domain, decoding), m in written.items():
        if model == OLD:
            continue
        m.update({f"{c}_2": m[c] for c in ("faithfulness", "complexity", "performance", "mauve")})
        m.update({f"{c}_ci_low": m[c] - h for c, h in HW.items()})
        m.update({f"{c}_ci_high": m[c] + h for c, h in HW.items()})
        m.update({k: 0.0 for k in ("leak_exact_train", "leak_exact_test", "leak_near_train",
                                   "leak_near_test", "self_exact", "self_near",
                                   "refused_fraction", "cut_off_fraction")})
        m.update(classifier_accuracy=0.9, classifier_accuracy_2=0.85, two_sample_auc=0.7,
                 compression_ratio=2.0 - m["diversity"], self_bleu=0.5 - m["diversity"] / 2,
                 diversity_per_label=m["diversity"] + 0.1, refused_fraction=0.25)
        if (model, domain, decoding) == LEAKY:
            m["leak_exact_test"] = 1.0
        if (model, domain, decoding) == PER_LABEL:
            m["confusion"] = CONFUSION
            m["faithfulness_by_label"] = {"negative": 60 / 64, "positive": 48 / 64}
        path = (metrics / "reference" / domain / "reference.json" if model == "reference" else
                metrics / model / domain / f"{decoding}.json")
        path.write_text(json.dumps(m))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("beyond")
    params = make_params(models=MODELS)
    written = write_metrics(tmp / "metrics", params)
    add_analyses(tmp / "metrics", written)
    manifest = report.run(params, tmp / "out", tmp / "metrics")
    assert verify.run(params, tmp / "metrics", tmp / "out") == 0
    return params, written, manifest, tmp / "out"


def read_csv(path: Path) -> list[dict]:
    with path.open() as f:
        return list(csv.DictReader(f))


def test_table2_flags_the_dataset_that_copies_r_test_and_no_other(run):
    _, _, _, out = run
    rows = {(r["model"], r["decoding"]): r for r in read_csv(out / "table2_models.csv")}
    flagged = {k for k, r in rows.items() if r["leakage"]}
    assert flagged == {("llama-2-7b", "t1_0")}   # one domain of two suffices
    assert rows[("llama-2-7b", "t1_0")]["leakage"] == "copies R-test"
    assert float(rows[("llama-2-7b", "t1_0")]["classifier_accuracy"]) == pytest.approx(0.9)
    assert float(rows[("llama-2-7b", "t1_0")]["refused_fraction"]) == pytest.approx(0.25)
    md = (out / "table2_models.md").read_text()
    assert "| classifier acc. |" in md and "copies R-test" in md


def test_intervals_per_domain_and_propagated_in_table2(run):
    _, written, _, out = run
    m = written[("llama-2-7b-chat", "sst2", "t1_0")]
    per_domain = read_csv(out / "table_per_domain.csv")
    row = next(r for r in per_domain if (r["model"], r["domain"], r["decoding"]) ==
               ("llama-2-7b-chat", "sst2", "t1_0"))
    assert float(row["faithfulness_ci_low"]) == pytest.approx(m["faithfulness"] - 0.01)
    assert float(row["faithfulness_ci_high"]) == pytest.approx(m["faithfulness"] + 0.01)
    assert (f"[{m['faithfulness'] - 0.01:.3f}, {m['faithfulness'] + 0.01:.3f}]"
            in (out / "table_per_domain.md").read_text())
    t2 = {(r["model"], r["decoding"]): r for r in read_csv(out / "table2_models.csv")}
    chat = t2[("llama-2-7b-chat", "t1_0")]
    # these files have intervals but no bootstrap draws: a mean over two domains gets no
    # interval rather than an average of theirs (the draws' path: tests/test_intervals.py)
    assert chat.get("faithfulness_ci_low", "") == chat.get("faithfulness_ci_high", "") == ""
    assert t2[(OLD, "t1_0")].get("faithfulness_ci_low", "") == ""   # none in its files


def test_tradeoff_figure_draws_interval_and_std_bars(tmp_path, monkeypatch):
    saved = []
    monkeypatch.setattr(tradeoffs, "save", lambda fig, path: saved.append(fig))
    rows = [{"kind": "synthetic", "model": "m", "decoding": f"t{t}", "temperature": t,
             "top_p": 1.0, "diversity": 0.2 * t, "mauve": 0.5,
             "diversity_ci_low": 0.2 * t - 0.05, "diversity_ci_high": 0.2 * t + 0.1,
             "mauve_ci_low": 0.4, "mauve_ci_high": 0.55, "mauve_std": 0.02}
            for t in (1.0, 2.0)]
    assert tradeoffs.tradeoff_figure(rows, "diversity", "mauve", "t", tmp_path / "f.png") is None
    ax = saved[0].axes[0]
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer) and c.has_xerr]
    segments = [seg.ravel().tolist() for c in bars for col in c.lines[2] for seg in col.get_segments()]
    # the asymmetric diversity interval of the T=1 point: 0.2 - 0.05 .. 0.2 + 0.1 at mauve 0.5
    assert any(s == pytest.approx([0.15, 0.5, 0.3, 0.5]) for s in segments)
    vertical = [seg.ravel().tolist() for c in ax.containers if isinstance(c, ErrorbarContainer)
                and c.has_yerr for col in c.lines[2] for seg in col.get_segments()]
    assert any(s == pytest.approx([0.2, 0.4, 0.2, 0.55]) for s in vertical)   # interval
    assert any(s == pytest.approx([0.2, 0.48, 0.2, 0.52]) for s in vertical)  # ± std
    labels = ax.get_legend_handles_labels()[1]
    assert "95% bootstrap interval (thin, capped)" in labels
    assert "± std over seeds (thick, faint)" in labels


def test_robustness_is_one_when_the_second_values_equal_the_main_ones(run):
    _, _, _, out = run
    ranks = {r["characteristic"]: r for r in read_csv(out / "table_robustness.csv")}
    assert set(ranks) == {"faithfulness", "complexity", "performance", "conformity (MAUVE)"}
    n = (len(MODELS) - 1) * len(DOMAINS) * len(DECODINGS)   # OLD has no second values
    for r in ranks.values():
        assert float(r["spearman"]) == pytest.approx(1.0) and int(r["n"]) == n
    verdicts = read_csv(out / "table_robustness_verdicts.csv")
    assert len(verdicts) == 6
    same = {r["claim"]: r["same verdict"] for r in verdicts}
    assert same["1"] == "yes", verdicts   # equal values: the verdict cannot change


def test_leakage_and_per_label_tables(run):
    _, _, _, out = run
    leak = read_csv(out / "table_leakage.csv")
    row = next(r for r in leak if (r["model"], r["domain"], r["decoding"]) == LEAKY)
    assert float(row["leak_exact_test"]) == 1.0 and row["leakage"] == "copies R-test"
    old = next(r for r in leak if r["model"] == OLD)
    assert old["two_sample_auc"] == "" and old["leakage"] == ""
    per_label = read_csv(out / "table_per_label.csv")
    assert [(r["label"], r["samples"], r["classified_as"]) for r in per_label] == [
        ("negative", "64", "negative: 60 · positive: 4"),
        ("positive", "64", "negative: 16 · positive: 48")]
    assert float(per_label[1]["faithfulness"]) == pytest.approx(0.75)


def test_every_new_file_is_written_and_has_its_section(run):
    _, _, manifest, out = run
    for name in NEW_FILES:
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert {"figure_correlations.png", "figure_diversity_measures.png"} <= set(manifest.files())
    # this run has no template variants or learning curves (issue 10): only those say so
    assert set(manifest.no_data()) == {"figure_templates.png", "figure_learning_curves.png"}
    page = (out / "index.html").read_text()
    for section in SECTIONS:
        assert f'<section id="{section}">' in page, section
    for table in ("table_robustness", "table_robustness_verdicts", "table_leakage",
                  "table_per_label"):
        assert f'id="{table}"' in page
    assert 'src="figure_correlations.png"' in page
    readme = (Path(__file__).parent.parent / "paper_figures" / "README.md").read_text()
    for name in ("table_robustness", "table_leakage", "table_per_label", "figure_correlations",
                 "figure_diversity_measures"):
        assert f"`{name}" in readme, name


def test_claims_say_where_their_uncertainty_comes_from_and_show_the_second_backbone(run):
    _, _, _, out = run
    claims = (out / "claims.md").read_text()
    section = claims.split("## Claim 1")[1].split("## Claim 2")[0]
    assert "**Tests.**" in section and "z-test on the mean of 4 difference(s)" in section
    # 3 models × 4 decodings = 12 datasets; each characteristic's sources add up to 12
    uncertainty = section.split("**Uncertainty.**")[1].split("\n")[0]
    for label in ("faithfulness", "diversity", "conformity (MAUVE)"):
        counts = uncertainty.split(f"{label}: ")[1].split(";")[0].split(".")[0]
        assert sum(int(part.split(" of ")[0]) for part in counts.split(", ")) == 12, counts
    # the second values equal the main ones, but OLD (llama-7b) has none: claim 3, which
    # rests on llama-7b, cannot be run with the second models, and the disagreement is named
    assert "| # | main | second | agree |" in claims and "| 3 | FAIL | NOT RUN | no |" in claims
    assert "claim 3 is FAIL with the main models but NOT RUN with the second ones" in claims
    assert "Bootstrap intervals." in (out / "index.html").read_text()


def test_metrics_without_the_new_keys_still_report(tmp_path):
    params = make_params(models=["llama-2-7b", "llama-2-7b-chat"])
    write_metrics(tmp_path / "metrics", params)
    report.run(params, tmp_path / "out", tmp_path / "metrics")
    out = tmp_path / "out"
    t2 = read_csv(out / "table2_models.csv")
    assert all(r["classifier_accuracy"] == "" and r["leakage"] == "" for r in t2)
    assert "faithfulness_ci_low" not in t2[0]     # no interval anywhere: no interval columns
    assert "| — |" in (out / "table_leakage.md").read_text()
    assert all(r["spearman"] == "" for r in read_csv(out / "table_robustness.csv"))
    assert "no metrics file of this run has per-label" in (out / "table_per_label.md").read_text()
    assert verify.run(params, tmp_path / "metrics", out) == 0
    assert "has no bootstrap interval and no seed spread" in (out / "claims.md").read_text()
