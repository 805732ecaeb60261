"""The real pipeline, end to end through DVC, on a micro params file, in a real git repository
holding the project's files: the README's "change a parameter and rerun" walk-through."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, load_builtin_params

CHARACTERISTICS = ("diversity", "mauve", "faithfulness", "complexity", "performance")


def micro_params() -> dict:
    """The shipped params.yaml on the builtin fixture (conftest.builtin_fixture: no stop
    strings), cut down to a micro grid: gpt2-mini on the builtin reviews domain and a two-file
    local domain."""
    params = load_builtin_params()
    params["domains"]["reviews"].update(n_train=80, n_test=40)
    params["grid"] = {"models": ["gpt2-mini"], "domains": ["reviews", "questions"],
                      "decodings": ["t1_0", "p0_9"]}
    params["train_generator"].update(domains=["reviews", "questions"], n_layer=1, n_embd=32,
                                     vocab_size=400, epochs=1)
    params["convert_generator"]["models"] = []
    # a local domain that comes as two files, one per split (written by the fixture)
    params["domains"]["questions"]["path"] = {"train": "data/raw/questions_train.csv",
                                              "test": "data/raw/questions_test.csv"}
    del params["domains"]["questions"]["test_ratio"]
    params["generate"].update(samples_per_label=6, max_new_tokens=12, batch_size=8,
                              shard_size=8)
    params["classifier"].update(epochs=1, batch_size=16, max_length=32)
    params["evaluate"].update(diversity_tokens=40, mauve_samples=16, mauve_seeds=[0])
    return params


def dvc(cwd, *args, check=True):
    """dvc ARGS in cwd, its stages running the package copied into cwd/src (PYTHONPATH: ahead of
    the venv's editable install), so an edit of that copy is the code that runs."""
    env = {**os.environ, "PYTHONPATH": str(Path(cwd) / "src")}
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "dvc"), *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=900)
    if check and result.returncode != 0:
        raise AssertionError(f"dvc {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def git(cwd, *args):
    return subprocess.run(["git", "-c", "user.name=synthlens-test", "-c",
                           "user.email=test@synthlens.invalid", *args], cwd=cwd, check=True,
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """The project's pipeline files in a fresh git repository, run once, results committed
    (dvc.lock and the metrics files, as the project commits its default profile's)."""
    root = tmp_path_factory.mktemp("pipeline")
    for name in ("dvc.yaml", ".gitignore", ".dvcignore"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / ".dvc", root / ".dvc", ignore=shutil.ignore_patterns(
        "cache", "tmp", "config.local"))
    shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
    shutil.copytree(ROOT / "data" / "human_labels", root / "data" / "human_labels")  # an evaluate dep
    header, *rows = (ROOT / "data" / "raw" / "questions.csv").read_text().splitlines()
    cut = len(rows) * 7 // 10
    (root / "data/raw/questions_train.csv").write_text("\n".join([header, *rows[:cut]]) + "\n")
    (root / "data/raw/questions_test.csv").write_text("\n".join([header, *rows[cut:]]) + "\n")
    shutil.copytree(ROOT / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "params.yaml").write_text(yaml.safe_dump(micro_params(), sort_keys=False))
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "micro project")
    first = dvc(root, "repro")
    git(root, "add", "dvc.lock", "data/metrics", "data/probe", "data/ledger",
        "data/headline.json")
    git(root, "commit", "-qm", "results of the micro profile")
    return root, first


def test_every_cell_and_reference_has_five_characteristics(pipeline):
    root, _ = pipeline
    metrics = {p.relative_to(root).as_posix(): json.loads(p.read_text())
               for p in [*(root / "data/metrics").glob("**/*.json"),
                         *(root / "data/probe").glob("*.json")]}
    # the grid's cells, the template variant params.yaml declares for gpt2-mini, the reference
    # rows, and the contamination probe (the mixture's members are not all in this grid)
    expected = {f"data/metrics/gpt2-mini/{d}/{c}.json" for d in ("reviews", "questions")
                for c in ("t1_0", "p0_9", "t1_0~completion_b")}
    expected |= {f"data/metrics/reference/{d}/reference.json" for d in ("reviews", "questions")}
    # the reference row at the synthetic size: reviews 2 x 64 samples (the domain's own
    # samples_per_label), questions 3 x 6 (generate's)
    expected |= {"data/metrics/reference/reviews/reference_n128.json",
                 "data/metrics/reference/questions/reference_n18.json"}
    assert set(metrics) == expected | {"data/probe/gpt2-mini.json"}
    for domain in ("reviews", "questions"):
        assert 0 <= metrics["data/probe/gpt2-mini.json"][domain]["zero_shot_accuracy"] <= 1
    for path, values in metrics.items():
        if path.startswith("data/probe"):
            continue
        for name in CHARACTERISTICS:
            assert name in values, (path, name)
        for name in ("faithfulness", "complexity", "performance", "mauve"):
            assert 0.0 <= values[name] <= 1.0, (path, name, values[name])


def test_two_file_local_domain_keeps_its_own_splits(pipeline):
    root, _ = pipeline
    from synthlens.records import read_jsonl

    test = read_jsonl(root / "data/reference/questions/test.jsonl")
    text = lambda row: row.rsplit(",", 1)[0].strip('"')  # noqa: E731
    norm = lambda t: " ".join(t.lower().split())  # noqa: E731
    _, *rows = (root / "data/raw/questions_test.csv").read_text().splitlines()
    _, *train = (root / "data/raw/questions_train.csv").read_text().splitlines()
    # the test file's rows, less those that also occur in the train file (deduplicated)
    seen = {norm(text(r)) for r in train}
    kept = [text(r) for r in rows if norm(text(r)) not in seen]
    assert 0 < len(kept) < len(rows)
    assert sorted(r["text"] for r in test) == sorted(kept)


def test_report_writes_tables_and_figures(pipeline):
    root, _ = pipeline
    out = root / "paper_figures"
    for name in ("results.csv", "results.md", "figure2_diversity_vs_conformity.png",
                 "figure2_diversity_vs_faithfulness.png",
                 "figure2_faithfulness_vs_complexity.png"):
        assert (out / name).stat().st_size > 0, name
    table = (out / "results.md").read_text()
    assert "reference" in table and "gpt2-mini" in table and "questions" in table


def test_every_dataset_gets_a_shareable_folder_with_a_card(pipeline):
    """Stage cards: data/cards/<model>/<domain>/<dataset>/ holds the dataset's rows as they
    are and a Hugging Face card whose measures are the metrics file's."""
    root, _ = pipeline
    folders = sorted(p.parent for p in (root / "data/cards").glob("*/*/*/README.md"))
    datasets = sorted((root / "data/synthetic").glob("*/*/*.jsonl"))
    assert len(folders) == len(datasets) == 6      # 2 domains x (2 decodings + 1 template)
    for dataset in datasets:
        model, domain, name = dataset.parts[-3], dataset.parts[-2], dataset.stem
        folder = root / "data/cards" / model / domain / name
        assert (folder / "data.jsonl").read_text() == dataset.read_text()
        text = (folder / "README.md").read_text()
        meta = yaml.safe_load(text.split("---\n")[1])
        assert meta["configs"][0]["data_files"] == "data.jsonl"
        metrics = json.loads((root / "data/metrics" / model / domain / f"{name}.json").read_text())
        assert f"{metrics['mauve']:.3f}" in text


def test_dvc_plots_and_the_headline_metrics(pipeline, tmp_path):
    """`dvc plots show` renders the declared plots (a confusion matrix and a learning curve per
    dataset); `dvc metrics show` lists the headline file only, a screenful of numbers."""
    root, _ = pipeline
    out = tmp_path / "plots"
    dvc(root, "plots", "show", "--json", "-o", str(out))
    shown = dvc(root, "plots", "show", "--json").stdout
    assert "plots/confusion/reviews--gpt2-mini--t1_0.csv" in shown
    assert "plots/learning_curves/reviews--gpt2-mini--t1_0.csv" in shown
    metrics = json.loads(dvc(root, "metrics", "show", "--json").stdout)
    files = {f for rev in metrics.values() for f in rev.get("data", {})}
    assert files == {"data/headline.json"}
    headline = json.loads((root / "data/headline.json").read_text())
    assert sum(headline["claims"].values()) == 6 and set(headline["mean"]) <= set(CHARACTERISTICS)
    assert len(json.dumps(headline)) < 600


def test_a_pushed_run_is_pulled_and_rescored_without_its_models(pipeline, tmp_path):
    """make push / make rescore: a clone pulls the datasets from a local DVC remote and
    recomputes every measure without the generators (their weights are never pulled and no
    generation stage runs); the metrics are the original run's."""
    root, _ = pipeline
    remote = tmp_path / "remote"
    dvc(root, "remote", "add", "--local", "--force", "shared", str(remote))
    dvc(root, "push", "--remote", "shared")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(root), str(clone))
    dvc(clone, "remote", "add", "--local", "--force", "shared", str(remote))
    env = {**os.environ, "PYTHONPATH": str(clone / "src"),
           "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "synthlens", "rescore",
                             "--remote", "shared"], cwd=clone, env=env, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rescore: generate" not in result.stdout
    assert not (clone / "data/generators/gpt2-mini").exists()
    original = sorted(p.relative_to(root) for p in (root / "data/metrics").glob("**/*.json"))
    assert original == sorted(p.relative_to(clone) for p in (clone / "data/metrics").glob(
        "**/*.json"))
    for path in original:
        before, after = (json.loads((base / path).read_text()) for base in (root, clone))
        for key in CHARACTERISTICS:
            assert after[key] == before[key], (path, key)


def test_noop_repro_does_nothing(pipeline):
    root, _ = pipeline
    again = dvc(root, "repro")
    assert "Running stage" not in again.stdout
    assert "up to date" in again.stdout


def test_committed_results_are_tracked_by_git(pipeline):
    root, _ = pipeline
    tracked = git(root, "ls-files").stdout.split()
    assert "dvc.lock" in tracked
    assert "data/metrics/gpt2-mini/reviews/t1_0.json" in tracked
    # the datasets, models and features stay out of git
    assert not [t for t in tracked if t.startswith(("data/synthetic", "data/generators",
                                                    "data/features", "data/classifiers"))]
    assert git(root, "status", "--porcelain").stdout == ""


def test_readme_walkthrough_edit_one_temperature(pipeline):
    """Edit decodings.t1_0.temperature, dvc repro: the model's generate stage and each domain's
    evaluate stage rerun, but only that decoding's datasets are generated and evaluated again
    (the others are kept, byte for byte); dvc metrics diff shows the headline numbers moving."""
    root, _ = pipeline
    kept = {p: p.read_bytes() for p in (root / "data/synthetic").glob("**/p0_9.jsonl")}
    kept |= {p: p.read_bytes() for p in (root / "data/metrics").glob("**/p0_9.json")}
    assert len(kept) == 4  # p0_9: 2 datasets and 2 metrics files
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["decodings"]["t1_0"]["temperature"] = 1.3
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    result = dvc(root, "repro")
    out = result.stdout + result.stderr
    ran = {line.split("'")[1] for line in out.splitlines() if line.startswith("Running stage")}
    # mix reads every synthetic dataset (no model: a second), so it reruns too; its output
    # (no mixture is active in this grid) did not change, so evaluate_mixtures does not; the
    # reference rows depend on no generator
    assert ran == {"generate@gpt2-mini", "mix", "evaluate@gpt2-mini", "cards", "report",
                   "verify"}
    # t1_0 and its template variant t1_0~completion_b, in both domains
    assert "generate gpt2-mini: 4 cells generated, 2 kept" in out
    assert "evaluate: 4 datasets evaluated, 2 kept" in out  # evaluate@gpt2-mini
    assert all(p.read_bytes() == body for p, body in kept.items())
    diff = json.loads(dvc(root, "metrics", "diff", "--json").stdout)
    changed = {path: values for path, values in diff.get("diff", diff).items() if values}
    assert set(changed) == {"data/headline.json"}, changed   # the one metrics file
    assert any(key.startswith("mean.") for key in changed["data/headline.json"]), changed
    params_diff = json.loads(dvc(root, "params", "diff", "--json").stdout)
    change = params_diff["params.yaml"]["decodings.t1_0.temperature"]
    assert change["old"] == pytest.approx(1.0) and change["new"] == pytest.approx(1.3)


def test_synthetic_labels_shuffled_give_near_chance_faithfulness(pipeline):
    """Faithfulness with random labels: the reference classifier agrees about 1/L of the time."""
    import random

    from synthlens.metrics import classifier
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


def _ran(result) -> set[str]:
    out = result.stdout + result.stderr
    return {line.split("'")[1] for line in out.splitlines() if line.startswith("Running stage")}


def test_metric_code_edit_rescores_every_metrics_file_and_keeps_the_datasets(pipeline):
    """Code is an input: an edit of a metric function reruns evaluate, and every metrics file
    carries the new code's numbers (none is kept from the old code); the datasets are kept."""
    root, _ = pipeline
    datasets = {p: p.read_bytes() for p in (root / "data/synthetic").glob("**/*.jsonl")}
    metrics = {p: json.loads(p.read_text()) for p in (root / "data/metrics").glob("**/*.json")}
    assert datasets and len(metrics) == 10
    source = root / "src/synthlens/metrics/characteristics.py"
    old = "return len(set(grams)) / len(grams) if grams else float(\"nan\")"
    assert old in source.read_text()
    source.write_text(source.read_text().replace(old, "return 0.5 * " + old[len("return "):]))
    result = dvc(root, "repro")
    assert not any(stage.startswith("generate") for stage in _ran(result))
    assert {"evaluate@gpt2-mini", "evaluate_reference@reviews",
            "evaluate_reference@questions"} <= _ran(result)
    for path, before in metrics.items():
        after = json.loads(path.read_text())
        assert after["inputs_sha256"] != before["inputs_sha256"], path
        if before["diversity"] is None:  # too few tokens for the budget: NaN either way
            assert after["diversity"] is None, path
        else:
            assert after["diversity"] == pytest.approx(0.5 * before["diversity"], abs=1e-9), path
    assert all(p.read_bytes() == body for p, body in datasets.items())


def test_sampling_code_edit_regenerates_the_datasets(pipeline):
    """Code is an input: an edit of the sampling code regenerates every dataset of the model
    (none is kept under the old code's fingerprint); a no-op dvc repro then does nothing."""
    root, _ = pipeline
    fingerprints = root / "data/synthetic/gpt2-mini/fingerprints.json"
    before = json.loads(fingerprints.read_text())
    source = root / "src/synthlens/generation/sampling.py"
    source.write_text(source.read_text() + "\n# an edit: the code behind every sample changed\n")
    result = dvc(root, "repro")
    out = result.stdout + result.stderr
    assert "generate@gpt2-mini" in _ran(result)
    assert "generate gpt2-mini: 6 cells generated, 0 kept" in out
    after = json.loads(fingerprints.read_text())
    assert set(after) == set(before) and all(after[k] != before[k] for k in before)
    assert "Running stage" not in dvc(root, "repro").stdout


def test_dry_run_lists_every_stage_in_a_fresh_clone(tmp_path):
    """`make dry-run`'s `dvc repro --dry --force-downstream` works before anything has run
    (a plain `--dry` stops at the first stage whose inputs are not written yet) and writes
    nothing."""
    for name in ("dvc.yaml", ".gitignore", ".dvcignore"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "data" / "raw", tmp_path / "data" / "raw")
    shutil.copytree(ROOT / "data" / "human_labels", tmp_path / "data" / "human_labels")
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(micro_params(), sort_keys=False))
    git(tmp_path, "init", "-q")
    dvc(tmp_path, "init", "-q")
    out = dvc(tmp_path, "repro", "--dry", "--force-downstream").stdout
    order = [line.split("'")[1] for line in out.splitlines() if line.startswith("Running stage")]
    ran = set(order)
    assert {"prepare@reviews", "train_generator@reviews", "generate@gpt2-mini", "mix",
            "evaluate@gpt2-mini", "evaluate_reference@questions", "report", "verify"} <= ran
    # the model's generation first, its evaluation after the reference side it needs
    assert order.index("generate@gpt2-mini") < order.index("featurize@reviews") < \
        order.index("evaluate@gpt2-mini"), order
    assert not (tmp_path / "data" / "reference").exists()
