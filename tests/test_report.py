"""The report stage (tables, figures, index.html) and the verify stage (the paper's claims) on
a synthetic metrics directory with known numbers; no model, no pipeline, a few seconds."""
import csv
import json
import math
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from synthlens.config import Params
from synthlens.report import claim_curves, rundata
from synthlens.stages import report, verify

DOMAINS = ["sst2", "ag_news"]
DECODINGS = {"t0_5": (0.5, 1.0), "t1_0": (1.0, 1.0), "t1_5": (1.5, 1.0), "p0_9": (1.0, 0.9)}
# vanilla llama-7b / llama-2 7b+13b, their -chat, a few-shot chat variant
MODELS = ["llama-7b", "llama-2-7b", "llama-2-7b-chat", "llama-2-13b", "llama-2-13b-chat",
          "llama-2-7b-chat-fewshot"]
DOMAIN_SHIFT = {"sst2": +0.05, "ag_news": -0.05}   # the domain mean is the formula's value
ENV = {"git_commit": "abc123", "packages": {"torch": "2.13.0", "numpy": "2.4.6"},
       "device": "cpu:x86_64", "python": "3.11.2"}
ARTEFACTS = (
    ["results.csv", "results.md", "tradeoffs.csv", "tradeoffs_diversity_vs_faithfulness.csv",
     "tradeoffs_faithfulness_vs_complexity.csv", "provenance.md", "index.html"] +
    [f"{t}.{e}" for t in ("table2_models", "table_per_domain", "table5_prompts",
                          "table9_reference", "table_fewshot", "table_correlations")
     for e in ("csv", "md", "tex")] +
    [f"{f}.{e}" for f in ("figure2_diversity_vs_conformity", "figure2_diversity_vs_faithfulness",
                          "figure2_faithfulness_vs_complexity",
                          "figure_appendixD_size_diversity_vs_conformity",
                          "figure_appendixD_size_diversity_vs_faithfulness",
                          "figure_appendixD_size_faithfulness_vs_complexity",
                          "figure_appendixD_size_characteristics")
     for e in ("png", "pdf")] +
    [f"per_domain/figure5_{d}_{t}.{e}" for d in DOMAINS
     for t in ("diversity_vs_conformity", "diversity_vs_faithfulness",
               "faithfulness_vs_complexity") for e in ("png", "pdf")])

# figures of the datasets beyond the grid: without data in a run that has none of them
BEYOND_GRID_FIGURES = {"figure_templates.png", "figure_learning_curves.png"}


def make_params(models=MODELS, drop_size=False) -> Params:
    raw = yaml.safe_load((ROOT / "profiles" / "paper.yaml").read_text())
    raw["grid"] = {"models": list(models), "domains": DOMAINS, "decodings": list(DECODINGS)}
    if drop_size:
        for spec in raw["models"].values():
            spec.pop("size_b", None)
    return Params.model_validate(raw)


def values(model: str, temperature: float, top_p: float, instruct_more_diverse=False) -> dict:
    """The mean over domains of each characteristic (the fixture's ground truth).

    Instruct models: more faithful, less diverse, less conform (claim 1 true). Conformity is
    an inverted U in diversity (claim 6 true). The top-p point sits on the T curve (claim 5).
    llama-2-7b is *less* conform than llama-7b (claim 3 false)."""
    instruct = "chat" in model
    size = 13 if "13b" in model else 7
    t = temperature if top_p == 1.0 else 0.95   # top-p 0.9 behaves like T=0.95
    div = (0.20 if instruct else 0.30) + 0.2 * t + 0.01 * (size == 13)
    if instruct and instruct_more_diverse:
        div += 0.3
    if "fewshot" in model:
        div += 0.05
    mauve = 0.9 - 4 * (div - 0.5) ** 2 - (0.2 if instruct else 0.0)
    if model == "llama-7b":
        mauve += 0.05
    faith = (0.8 if instruct else 0.6) - 0.1 * t
    cx = 1 - faith - 0.05
    perf = 0.5 + 0.2 * faith
    return {"diversity": div, "mauve": mauve, "faithfulness": faith, "complexity": cx,
            "performance": perf}


def write_metrics(metrics: Path, params: Params, instruct_more_diverse=False,
                  skip=(), diversity_std=None) -> dict:
    """The metrics files of the grid; returns {(model, domain, decoding): metrics dict}.
    diversity_std: a seed std of diversity too (the claims need an uncertainty for it)."""
    written = {}
    for i, domain in enumerate(DOMAINS):
        ref = {"diversity": 0.4, "mauve": 0.95 + 0.01 * i, "mauve_std": 0.01,
               "faithfulness": 0.9, "faithfulness_std": 0.01, "complexity": 0.1,
               "complexity_std": 0.02, "performance": 0.9, "performance_std": 0.01,
               "distinct_1": 0.4, "distinct_2": 0.7, "distinct_3": 0.9, "n_samples": 1000,
               "mean_words": 20.0, "empty_fraction": 0.0, "mauve_n": 500,
               "info": {"model": "reference", "domain": domain, "decoding": "reference",
                        "family": "reference", "kind": "reference"},
               "provenance": {**ENV, "params_sha256": f"ref{i}",
                              "models": {"classifier": "distilbert"}}}
        path = metrics / "reference" / domain / "reference.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(ref))
        written[("reference", domain, "reference")] = ref
    for model in params.grid.models:
        spec = params.models[model]
        for domain in DOMAINS:
            for decoding, (temperature, top_p) in DECODINGS.items():
                if (model, domain, decoding) in skip:
                    continue
                v = values(model, temperature, top_p, instruct_more_diverse)
                m = {k: x + DOMAIN_SHIFT[domain] for k, x in v.items()}
                m.update({f"{k}_std": 0.01 * (1 + (domain == "ag_news"))
                          for k in ("mauve", "faithfulness", "complexity", "performance")})
                if diversity_std is not None:
                    m["diversity_std"] = diversity_std
                m.update({"distinct_1": m["diversity"], "distinct_2": 0.5, "distinct_3": 0.7,
                          "mauve_n": 500, "n_samples": 1000, "empty_fraction": 0.0,
                          "mean_words": 15.0, "temperature": temperature, "top_p": top_p,
                          "info": {"model": model, "domain": domain, "decoding": decoding,
                                   "family": spec.family, "kind": "synthetic",
                                   "shots": spec.shots, "size_b": spec.size_b,
                                   "prompt_id": spec.prompt, "model_revision": "r1"}})
                if model != "llama-7b":   # llama-7b: an older file, no provenance
                    m["provenance"] = {**ENV, "params_sha256": f"{model}{domain}{decoding}",
                                       "models": {"generator": model}}
                path = metrics / model / domain / f"{decoding}.json"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(m))
                written[(model, domain, decoding)] = m
    return written


@pytest.fixture(scope="module")
def fixture_run(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("report")
    params = make_params()
    written = write_metrics(tmp_path / "metrics", params)
    manifest = report.run(params, tmp_path / "out", tmp_path / "metrics")
    return params, written, manifest, tmp_path / "out"


def read_csv(path: Path) -> list[dict]:
    with path.open() as f:
        return list(csv.DictReader(f))


def test_every_artefact_is_written_and_non_empty(fixture_run):
    _, _, manifest, out = fixture_run
    for name in ARTEFACTS:
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0, name
    listed = set(manifest.files())
    assert {a for a in ARTEFACTS if not a.endswith(".pdf")} <= listed
    # data for every figure of the grid; none for those of the datasets beyond it (issue 10)
    assert set(manifest.no_data()) == BEYOND_GRID_FIGURES
    for name in ("table2_models.tex", "table5_prompts.tex"):
        tex = (out / name).read_text()
        assert "\\begin{tabular}" in tex and "\\end{table}" in tex
        assert "_" not in tex.replace("\\_", "").split("\\begin{tabular}")[1].split(
            "\\end{tabular}")[0], "unescaped underscore in LaTeX"


def test_table2_numbers_are_the_means_over_domains(fixture_run):
    _, written, _, out = fixture_run
    rows = {(r["model"], r["decoding"]): r for r in read_csv(out / "table2_models.csv")}
    assert ("reference", "") in rows
    for model in MODELS:
        for decoding in DECODINGS:
            row = rows[(model, decoding)]
            a, b = written[(model, "sst2", decoding)], written[(model, "ag_news", decoding)]
            for c in ("diversity", "mauve", "faithfulness", "complexity", "performance"):
                assert float(row[c]) == pytest.approx((a[c] + b[c]) / 2), (model, decoding, c)
            # ± of a mean over two domains with seed stds 0.01 and 0.02
            assert float(row["faithfulness_std"]) == pytest.approx(math.sqrt(0.01**2 + 0.02**2) / 2)
            assert row["n_domains"] == "2"
    # one literal cell: llama-2-7b-chat at T=1: faithfulness 0.8 - 0.1 = 0.7 on average
    assert float(rows[("llama-2-7b-chat", "t1_0")]["faithfulness"]) == pytest.approx(0.7)
    md = (out / "table2_models.md").read_text()
    assert "0.700 ± 0.011" in md   # mean ± propagated std, shown in one cell


def test_fewshot_table_pairs_the_chat_model_with_its_zero_shot_counterpart(fixture_run):
    _, written, _, out = fixture_run
    rows = read_csv(out / "table_fewshot.csv")
    assert {r["zeroshot_model"] for r in rows} == {"llama-2-7b-chat"}
    assert {r["decoding"] for r in rows} == set(DECODINGS)
    r = next(r for r in rows if r["decoding"] == "t1_0")
    assert float(r["diversity_delta"]) == pytest.approx(0.05)


def test_fewshot_table_says_so_when_the_run_has_none(tmp_path):
    params = make_params(models=["llama-2-7b", "llama-2-7b-chat"])
    write_metrics(tmp_path / "metrics", params)
    report.run(params, tmp_path / "out", tmp_path / "metrics")
    for ext in ("csv", "md", "tex"):
        assert "no few-shot models" in (tmp_path / "out" / f"table_fewshot.{ext}").read_text()


def test_prompts_reference_correlations_and_provenance(fixture_run):
    _, _, _, out = fixture_run
    prompts = read_csv(out / "table5_prompts.csv")
    assert {(r["family"], r["prompt"]) for r in prompts} == {
        ("vanilla", "completion"), ("instruct", "instruction"),
        ("instruct", "instruction_fewshot")}
    example = next(r["example"] for r in prompts
                   if r["prompt"] == "instruction" and r["domain"] == "sst2")
    assert example == "Write a negative movie review. Only write the movie review, nothing else."
    refs = read_csv(out / "table9_reference.csv")
    assert [r["domain"] for r in refs] == DOMAINS
    corr = read_csv(out / "table_correlations.csv")
    pooled = [r for r in corr if r["datasets"] == "all domains"]
    assert len(pooled) == 3 and all(r["n"] == str(len(MODELS) * 2 * 4) for r in pooled)
    prov = (out / "provenance.md").read_text()
    assert "1 distinct environment" in prov          # identical environments listed once
    assert prov.count("no provenance recorded") == 2 * 4   # llama-7b's files


def test_figure_without_data_says_so(tmp_path):
    params = make_params(drop_size=True)
    write_metrics(tmp_path / "metrics", params)
    manifest = report.run(params, tmp_path / "out", tmp_path / "metrics")
    empty = manifest.no_data()
    size_figures = {f"figure_appendixD_size_{t}.png" for t in (
        "diversity_vs_conformity", "diversity_vs_faithfulness", "faithfulness_vs_complexity",
        "characteristics")}
    assert set(empty) == size_figures | BEYOND_GRID_FIGURES
    assert all(msg == "no data: this run has no models with size_b" for f, msg in empty.items()
               if f in size_figures)
    for name in size_figures:
        assert (tmp_path / "out" / name).stat().st_size > 0
    page = (tmp_path / "out" / "index.html").read_text()
    assert "no data: this run has no models with size_b" in page


def test_missing_cells_are_named_not_fatal(tmp_path):
    params = make_params()
    write_metrics(tmp_path / "metrics", params, skip={("llama-2-13b", "sst2", "t0_5")})
    report.run(params, tmp_path / "out", tmp_path / "metrics")
    rows = {(r["model"], r["decoding"]): r for r in read_csv(tmp_path / "out" / "table2_models.csv")}
    assert rows[("llama-2-13b", "t0_5")]["n_domains"] == "1"
    assert "llama-2-13b/sst2/t0_5.json" in (tmp_path / "out" / "index.html").read_text()


# ------------------------------------------------------------------------ verify
def verdicts(out: Path) -> dict[int, str]:
    text = (out / "claims.md").read_text()
    found = {}
    for line in text.splitlines():
        if line.startswith("| ") and "**" in line:
            cells = [c.strip() for c in line.strip("|").split("|")]
            found[int(cells[0])] = cells[2].strip("*")
    return found


def test_verify_pass_fail_and_not_run(tmp_path, capsys):
    params = make_params()
    write_metrics(tmp_path / "metrics", params, diversity_std=0.01)
    assert verify.run(params, tmp_path / "metrics", tmp_path / "out") == 0
    v = verdicts(tmp_path / "out")
    # seed stds 0.01 / 0.02 per domain: every effect below is several of its se's wide
    assert v[1] == "PASS"      # instruct: more faithful, less diverse, less conform
    assert v[3] == "FAIL"      # llama-2-7b is less conform than llama-7b (by 0.05)
    assert v[5] == "PASS"      # the top-p point sits on the temperature curves
    assert v[6] == "NOT RUN"   # three temperatures: no curvature test (four needed)
    assert v[2] == "NOT RUN"   # no ChatGPT in this run
    assert v[4] == "NOT RUN"   # no Falcon
    printed = capsys.readouterr().out
    assert "# The paper's claims" in printed and "How it is checked" in printed


def test_verify_fail_exits_zero(tmp_path):
    params = make_params()
    write_metrics(tmp_path / "metrics", params, instruct_more_diverse=True, diversity_std=0.01)
    assert verify.run(params, tmp_path / "metrics", tmp_path / "out") == 0
    assert verdicts(tmp_path / "out")[1] == "FAIL"
    assert "less diverse: contradicted" in (tmp_path / "out" / "claims.md").read_text()


def test_verify_without_same_base_pair_compares_the_groups(tmp_path):
    params = make_params(models=["llama-2-7b", "llama-2-13b-chat"])
    write_metrics(tmp_path / "metrics", params, diversity_std=0.01)
    assert verify.run(params, tmp_path / "metrics", tmp_path / "out") == 0
    text = (tmp_path / "out" / "claims.md").read_text()
    assert "no same-base pair" in text and verdicts(tmp_path / "out")[1] == "PASS"


def test_verify_malformed_runs_exit_nonzero(tmp_path, capsys):
    params = make_params()
    (tmp_path / "empty").mkdir()
    assert verify.run(params, tmp_path / "empty", tmp_path / "out") != 0
    assert not (tmp_path / "out" / "claims.md").exists()
    assert "no metrics files" in capsys.readouterr().err

    write_metrics(tmp_path / "bad", params)
    (tmp_path / "bad" / "llama-7b" / "sst2" / "t1_0.json").write_text("{not json")
    assert verify.run(params, tmp_path / "bad", tmp_path / "out") != 0

    write_metrics(tmp_path / "lacking", params)
    path = tmp_path / "lacking" / "llama-7b" / "sst2" / "t1_0.json"
    m = json.loads(path.read_text())
    del m["mauve"]
    path.write_text(json.dumps(m))
    assert verify.run(params, tmp_path / "lacking", tmp_path / "out") != 0
    assert "missing keys ['mauve']" in capsys.readouterr().err


def test_report_refuses_an_empty_metrics_dir(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(rundata.MalformedRun):
        report.run(make_params(), tmp_path / "out", tmp_path / "empty")


def test_claim_helpers():
    assert claim_curves.distance_to_curve([(0, 0), (1, 0)], (0.5, 0.2)) == pytest.approx(0.2)
    assert claim_curves.distance_to_curve([(0, 0), (1, 0)], (2, 0)) == pytest.approx(1.0)
    assert claim_curves.interpolate([(0, 0), (1, 1)], 0.25) == pytest.approx(0.25)
    assert claim_curves.interpolate([(0, 0), (1, 1)], 2) is None
    a, _, _ = claim_curves.quadratic([0.1, 0.3, 0.5], [0.2, 0.5, 0.3])
    assert a < 0
    assert rundata.family_line("qwen2_5-1_5b-instruct") == "qwen2_5"
    assert rundata.family_line("llama-2-13b-chat") == "llama-2"
