"""The real pipeline, end to end through DVC, on a micro params file in a scratch directory."""
import json
import shutil
import subprocess

import pytest
import yaml

from conftest import ROOT

CHARACTERISTICS = ("diversity", "mauve", "faithfulness", "complexity", "performance")


def micro_params() -> dict:
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["domains"]["reviews"].update(n_train=80, n_test=40)
    params["grid"] = {"models": ["gpt2-mini"], "domains": ["reviews", "questions"],
                      "decodings": ["t1_0", "p0_9"]}
    params["train_generator"].update(domains=["reviews", "questions"], n_layer=1, n_embd=32,
                                     vocab_size=400, epochs=1)
    params["convert_generator"]["models"] = []
    params["generate"].update(samples_per_label=6, max_new_tokens=12, batch_size=8,
                              shard_size=8)
    params["classifier"].update(epochs=1, batch_size=16, max_length=32)
    params["evaluate"].update(diversity_tokens=40, mauve_samples=16, mauve_seeds=[0])
    return params


def dvc(cwd, *args, check=True):
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "dvc"), *args], cwd=cwd,
                            capture_output=True, text=True, timeout=900)
    if check and result.returncode != 0:
        raise AssertionError(f"dvc {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    root = tmp_path_factory.mktemp("pipeline")
    shutil.copy(ROOT / "dvc.yaml", root / "dvc.yaml")
    shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
    shutil.copytree(ROOT / "src", root / "src")  # dvc hashes the stage's source deps
    (root / "params.yaml").write_text(yaml.safe_dump(micro_params(), sort_keys=False))
    dvc(root, "init", "--no-scm", "-q")
    first = dvc(root, "repro")
    return root, first


def test_every_cell_and_reference_has_five_characteristics(pipeline):
    root, _ = pipeline
    shown = json.loads(dvc(root, "metrics", "show", "--json").stdout)
    # {revision: {"data": {path: {"data": {...}}}}}; the workspace revision is "" without git
    metrics = {path: body["data"] for entry in shown.values()
               for path, body in entry["data"].items()}
    expected = {f"data/metrics/gpt2-mini/{d}/{c}.json" for d in ("reviews", "questions")
                for c in ("t1_0", "p0_9")}
    expected |= {f"data/metrics/reference/{d}.json" for d in ("reviews", "questions")}
    assert set(metrics) == expected
    for path, values in metrics.items():
        for name in CHARACTERISTICS:
            assert name in values, (path, name)
        for name in ("faithfulness", "complexity", "performance", "mauve"):
            assert 0.0 <= values[name] <= 1.0, (path, name, values[name])


def test_report_writes_tables_and_figures(pipeline):
    root, _ = pipeline
    out = root / "paper_figures"
    for name in ("results.csv", "results.md", "figure2_diversity_vs_conformity.png",
                 "figure2_diversity_vs_faithfulness.png",
                 "figure2_faithfulness_vs_complexity.png"):
        assert (out / name).stat().st_size > 0, name
    table = (out / "results.md").read_text()
    assert "reference" in table and "gpt2-mini" in table and "questions" in table


def test_noop_repro_does_nothing(pipeline):
    root, _ = pipeline
    again = dvc(root, "repro")
    assert "Running stage" not in again.stdout
    assert "up to date" in again.stdout


def test_changing_one_decoding_reruns_only_its_cells(pipeline):
    root, _ = pipeline
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["decodings"]["p0_9"]["top_p"] = 0.8
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    out = dvc(root, "repro").stdout
    ran = {line.split("'")[1] for line in out.splitlines() if line.startswith("Running stage")}
    assert ran == {"generate@gpt2-mini-reviews-p0_9", "generate@gpt2-mini-questions-p0_9",
                   "evaluate@gpt2-mini-reviews-p0_9", "evaluate@gpt2-mini-questions-p0_9",
                   "report", "verify"}


def test_synthetic_labels_shuffled_give_near_chance_faithfulness(pipeline):
    """Faithfulness with random labels: the reference classifier agrees about 1/L of the time."""
    import random

    from synthlens import classifier
    from synthlens.records import read_jsonl

    root, _ = pipeline
    model, tok = classifier.load(root / "data/classifiers/questions/seed-0")
    rows = read_jsonl(root / "data/reference/questions/train.jsonl")
    rng = random.Random(0)
    texts = [r["text"] for r in rows]
    true_acc = classifier.accuracy(model, tok, texts, [r["label"] for r in rows], 32)
    random_acc = classifier.accuracy(model, tok, texts, [rng.randrange(3) for _ in rows], 32)
    assert random_acc == pytest.approx(1 / 3, abs=0.1)
    assert true_acc > random_acc + 0.2
