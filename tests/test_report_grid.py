"""The report beyond the paper's grid (issue 10) on a fake run with known numbers: template
variants in table_templates (not in the claims or Table 2), mixtures in Table 2 and the
trade-off figures, the prompt-vs-decoding spread, learning curves and the R-train size a
synthetic dataset is worth, the contamination probe, human labels, and older runs."""
import csv
import json
import math
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from synthlens.config import Params
from synthlens.report.figures import tradeoffs
from synthlens.report.tables import learning_curves, prompt_sensitivity
from synthlens.report.claim_checks import evaluate_claims
from synthlens.report.rundata import domain_means, load_run
from synthlens.stages import report
from test_report import DOMAIN_SHIFT, DOMAINS, write_metrics

MODELS = ["llama-2-7b", "llama-2-7b-chat", "llama-2-13b"]
CHAT = "llama-2-7b-chat"
MIX = "mix-a"
MEMBERS = ["llama-2-7b/t1_0", "llama-2-7b-chat/t1_0"]
# the chat model's prompts at t1_0, mean over domains: its own (grid cell) 0.7, these two more
TEMPLATE_FAITH = {"instruction_b": 0.8, "instruction_attr": 0.5}
MIX_VALUES = {"diversity": 0.5, "mauve": 0.6, "faithfulness": 0.65, "complexity": 0.3,
              "performance": 0.6}
REAL_CURVE = {"100": 0.5, "200": 0.6, "400": 0.7, "800": 0.8}
CHAT_CURVE = {"100": 0.55, "200": 0.7, "400": 0.9}
PROBE = {"sst2": {"zero_shot_accuracy": 0.88, "majority_share": 0.5, "n": 872}}
HUMAN = {"sst2": (0.8, 0.7, 50), "ag_news": (0.6, 0.5, 150)}   # label acc., agreement, n
SECTIONS = ["prompt-sensitivity", "contamination", "learning-curves", "human-labels"]
NEW_FILES = ([f"{t}.{e}" for t in ("table_templates", "table_contamination",
                                   "table_learning_curves", "table_human_labels")
              for e in ("csv", "md", "tex")] +
             [f"{f}.{e}" for f in ("figure_templates", "figure_learning_curves")
              for e in ("png", "pdf")])


def make_params(templates=True, mixtures=True) -> Params:
    raw = yaml.safe_load((ROOT / "profiles" / "paper.yaml").read_text())
    raw["grid"] = {"models": MODELS, "domains": DOMAINS,
                   "decodings": ["t0_5", "t1_0", "t1_5", "p0_9"]}
    raw["templates"] = ({"decodings": ["t1_0"],
                         "models": {CHAT: list(TEMPLATE_FAITH)}} if templates else {})
    raw["mixtures"] = ({MIX: {"members": [{"model": m.split("/")[0], "decoding": "t1_0"}
                                          for m in MEMBERS]}} if mixtures else {})
    return Params.model_validate(raw)


def write_beyond(metrics: Path, written: dict) -> None:
    """Template variants and a mixture beside the grid; learning curves, human labels."""
    for domain in DOMAINS:
        shift = DOMAIN_SHIFT[domain]
        own = written[(CHAT, domain, "t1_0")]
        for prompt, faith in TEMPLATE_FAITH.items():
            name = f"t1_0~{prompt}"
            m = {**own, "faithfulness": faith + shift,
                 "info": {**own["info"], "decoding": name, "base_decoding": "t1_0",
                          "kind": "template", "prompt_id": prompt}}
            (metrics / CHAT / domain / f"{name}.json").write_text(json.dumps(m))
        mix = {**{k: v + shift for k, v in MIX_VALUES.items()}, "temperature": None,
               "top_p": None, "n_samples": 1000, "learning_curve": {"100": 0.52},
               "info": {"model": MIX, "domain": domain, "decoding": "mixture",
                        "family": "mixture", "kind": "mixture", "shots": 0,
                        "members": MEMBERS}}
        (metrics / "mixtures" / domain).mkdir(parents=True, exist_ok=True)
        (metrics / "mixtures" / domain / f"{MIX}.json").write_text(json.dumps(mix))
        ref = metrics / "reference" / domain / "reference.json"
        ref.write_text(json.dumps({**json.loads(ref.read_text()), "learning_curve": REAL_CURVE}))
        acc, agree, n = HUMAN[domain]
        own.update(learning_curve=CHAT_CURVE, label_accuracy=acc, classifier_agreement=agree,
                   n_human_labels=n)
        (metrics / CHAT / domain / "t1_0.json").write_text(json.dumps(own))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grid")
    params = make_params()
    written = write_metrics(tmp / "metrics", params)
    write_beyond(tmp / "metrics", written)
    (tmp / "probe").mkdir()
    (tmp / "probe" / f"{CHAT}.json").write_text(json.dumps(PROBE))
    manifest = report.run(params, tmp / "out", tmp / "metrics")   # probes: tmp/probe
    return params, tmp, manifest, tmp / "out"


def read_csv(path: Path) -> list[dict]:
    with path.open() as f:
        return list(csv.DictReader(f))


def test_template_variants_are_in_their_table_not_in_table2_or_the_claims(run):
    params, tmp, _, out = run
    data = load_run(params, tmp / "metrics")
    assert {r["decoding"] for r in data.templates()} == {f"t1_0~{p}" for p in TEMPLATE_FAITH}
    assert all(r["kind"] == "synthetic" for r in data.synthetic())
    assert not any("~" in r["decoding"] for r in read_csv(out / "table2_models.csv"))
    assert not any("~" in r["decoding"] for r in read_csv(out / "table_per_domain.csv"))
    rows = read_csv(out / "table_templates.csv")
    faith = next(r for r in rows if (r["model"], r["characteristic"]) == (CHAT, "faithfulness"))
    assert faith["n_prompts"] == "3" and "instruction_attr: 0.500" in faith["per_prompt"]
    # the same metrics without the datasets beyond the grid give the same verdicts and numbers
    plain = make_params(templates=False, mixtures=False)
    assert ([(c.verdict, c.reason) for c in evaluate_claims(data, params)] ==
            [(c.verdict, c.reason) for c in evaluate_claims(load_run(plain, tmp / "metrics"),
                                                             plain)])


def test_template_spread_on_known_numbers(run):
    _, _, _, out = run
    rows = read_csv(out / "table_templates.csv")
    faith = next(r for r in rows if (r["model"], r["characteristic"]) == (CHAT, "faithfulness"))
    # prompts at t1_0: 0.7 (own), 0.8, 0.5; decodings: 0.75, 0.7, 0.65 and top-p 0.705
    assert float(faith["prompt_range"]) == pytest.approx(0.3)
    assert float(faith["prompt_std"]) == pytest.approx(math.sqrt(0.07 / 3))
    assert float(faith["decoding_range"]) == pytest.approx(0.1)
    assert float(faith["range_ratio"]) == pytest.approx(3.0)
    assert {r["model"] for r in rows} == {CHAT}        # only the model with templates
    div = next(r for r in rows if (r["model"], r["characteristic"]) == (CHAT, "diversity"))
    assert float(div["prompt_range"]) == pytest.approx(0.0)   # its variants copy diversity
    assert prompt_sensitivity.spread([1.0, 3.0, float("nan")]) == pytest.approx((2.0, math.sqrt(2)))
    assert all(math.isnan(v) for v in prompt_sensitivity.spread([1.0]))


def test_mixture_in_table2_after_its_members_with_them_listed(run):
    _, _, _, out = run
    rows = read_csv(out / "table2_models.csv")
    order = [(r["model"], r["decoding"]) for r in rows]
    at = order.index((MIX, "mixture"))
    assert order[at - 1][0] == CHAT and order[at + 1][0] == "llama-2-13b"
    mix = rows[at]
    assert mix["family"] == "mixture" and mix["members"] == " + ".join(MEMBERS)
    assert float(mix["faithfulness"]) == pytest.approx(0.65)       # shifts cancel in the mean
    assert all(r["members"] == "" for r in rows if r["model"] != MIX)
    assert MIX in {r["model"] for r in read_csv(out / "tradeoffs.csv")}


def test_mixture_is_a_labelled_diamond_in_the_tradeoff_figure(run, tmp_path, monkeypatch):
    params, tmp, _, _ = run
    saved = []
    monkeypatch.setattr(tradeoffs, "save", lambda fig, path: saved.append(fig))
    means = domain_means(load_run(params, tmp / "metrics"))
    tradeoffs.tradeoff_figure(means, "diversity", "faithfulness", "t", tmp_path / "f.png")
    ax = saved[0].axes[0]
    diamonds = [ln for ln in ax.lines if ln.get_marker() == "D"]
    assert [(ln.get_xdata()[0], ln.get_ydata()[0]) for ln in diamonds] == [
        pytest.approx((0.5, 0.65))]
    assert diamonds[0].get_label() == tradeoffs.MIXTURE_LABEL
    assert MIX in [t.get_text() for t in ax.texts]


def test_samples_worth_on_hand_made_curves():
    real = {100: 0.5, 200: 0.6, 400: 0.7, 800: 0.8}
    worth = learning_curves.samples_worth({50: 0.4, 100: 0.55, 200: 0.7, 400: 0.9}, real)
    assert worth[50].cell() == "< 100"                      # below every real point
    assert worth[100].size == pytest.approx(150)            # halfway from 100 to 200
    assert worth[200].cell() == 400
    assert worth[400].cell() == "> 800"                     # no real point is as accurate
    # a dip in the real curve: the smallest real size that reaches the accuracy counts
    dip = {100: 0.5, 200: 0.7, 400: 0.65, 800: 0.8}
    worth = learning_curves.samples_worth({1: 0.68, 2: 0.75}, dip)
    assert worth[1].size == pytest.approx(190)
    assert worth[2].size == pytest.approx(400 + 400 * 0.1 / 0.15)


def test_learning_curves_table(run):
    _, _, _, out = run
    rows = read_csv(out / "table_learning_curves.csv")
    sst2 = {r["dataset"]: r for r in rows if r["domain"] == "sst2"}
    assert list(sst2) == ["R-train (real)", f"{CHAT}/t1_0", MIX]   # t1_0 and mixtures only
    chat = sst2[f"{CHAT}/t1_0"]
    assert float(chat["accuracy_100"]) == pytest.approx(0.55)
    assert (chat["worth_100"], chat["worth_200"], chat["worth_400"]) == ("150", "400", "> 800")
    assert chat["accuracy_800"] == "" and sst2["R-train (real)"]["worth_100"] == ""
    assert sst2[MIX]["worth_100"] == "120"       # 0.52: a fifth of the way from 100 to 200


def test_contamination_table_reads_the_probe(run):
    _, _, _, out = run
    rows = {(r["model"], r["domain"]): r for r in read_csv(out / "table_contamination.csv")}
    chat = rows[(CHAT, "sst2")]
    assert (float(chat["zero_shot_accuracy"]), float(chat["majority_share"]),
            chat["probe_n"]) == (0.88, 0.5, "872")
    # faithfulness at T 0.5, 1, 1.5 and top-p 0.9 (like T 0.95), + 0.05 in sst2
    assert float(chat["faithfulness"]) == pytest.approx((0.75 + 0.7 + 0.65 + 0.705) / 4 + 0.05)
    assert rows[(CHAT, "ag_news")]["zero_shot_accuracy"] == ""
    assert rows[("llama-2-7b", "sst2")]["zero_shot_accuracy"] == ""
    assert "| — |" in (out / "table_contamination.md").read_text()


def test_human_labels_in_table2_and_their_table(run):
    _, _, _, out = run
    t2 = {(r["model"], r["decoding"]): r for r in read_csv(out / "table2_models.csv")}
    # pooled over the two labelled domains, weighted by n: (0.8·50 + 0.6·150) / 200
    assert float(t2[(CHAT, "t1_0")]["label_accuracy"]) == pytest.approx(0.65)
    assert t2[(CHAT, "t0_5")]["label_accuracy"] == ""
    assert "label acc. (human)" in (out / "table2_models.md").read_text()
    rows = read_csv(out / "table_human_labels.csv")
    assert [(r["domain"], r["n_human_labels"], r["label_accuracy"], r["classifier_agreement"])
            for r in rows] == [("sst2", "50", "0.8", "0.7"), ("ag_news", "150", "0.6", "0.5")]


def test_files_sections_readme_and_dvc_outs(run):
    _, _, manifest, out = run
    for name in NEW_FILES:
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert not manifest.no_data()
    page = (out / "index.html").read_text()
    for section in SECTIONS:
        assert f'<section id="{section}">' in page, section
    readme = (ROOT / "paper_figures" / "README.md").read_text()
    stage = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]["report"]
    outs = {next(iter(o)) if isinstance(o, dict) else o for o in stage["outs"]}
    for name in NEW_FILES:
        assert f"`{name.split('.')[0]}" in readme, name
        assert f"paper_figures/{name}" in outs, name
    assert "data/probe" in stage["deps"]
    assert {"templates", "mixtures"} <= set(stage["params"])


def test_older_runs_still_report(tmp_path):
    """Metrics without templates, mixtures, curves, labels or probes: under params that
    declare none, and under params that declare templates and a mixture never evaluated."""
    for declared in (False, True):
        params = make_params(templates=declared, mixtures=declared)
        metrics, out = tmp_path / f"m{declared}", tmp_path / f"out{declared}"
        write_metrics(metrics, params)
        manifest = report.run(params, out, metrics)
        t2 = read_csv(out / "table2_models.csv")
        assert "members" not in t2[0] and "label_accuracy" not in t2[0]
        assert "no template variants" in (out / "table_templates.md").read_text()
        assert "no metrics file of this run has a learning curve" in (
            out / "table_learning_curves.md").read_text()
        assert "No contamination probe" in (out / "table_contamination.md").read_text()
        assert {"figure_templates.png", "figure_learning_curves.png"} <= set(manifest.no_data())
        page = (out / "index.html").read_text()
        assert (f"mixtures/{DOMAINS[0]}/{MIX}.json" in page) == declared
