"""The paper profile's pipeline end to end through DVC, on tiny local stand-ins for its hub
models (Llama, Falcon, DistilBERT, GPT-2 featurizer) and an OpenAI-compatible server."""
import json
import shutil
import subprocess

import pytest
import yaml

from conftest import ROOT
from test_backends import FakeServer, api_model, paper_like
from tiny_models import save_causal_lm, save_classifier_backbone, save_featurizer


@pytest.fixture(scope="module")
def paper_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("paper")
    models_dir = root / "models"
    server = FakeServer()
    models = {
        "tiny-llama": {"family": "vanilla", "source": "local", "prompt": "completion",
                       "path": str(save_causal_lm("llama", models_dir / "llama")), "size_b": 7},
        "tiny-falcon-instruct": {"family": "instruct", "source": "local",
                                 "prompt": "instruction", "size_b": 7,
                                 "path": str(save_causal_lm("falcon", models_dir / "falcon",
                                                            chat=True))},
        "tiny-llama-fewshot": {"family": "vanilla", "source": "local", "shots": 2,
                               "prompt": "completion_fewshot", "size_b": 7,
                               "path": str(models_dir / "llama")},
        "api-chat": api_model(server.url, "instruct"),
    }
    params = paper_like(root, models, decodings=("p0_9",))
    params["featurizer"] = {"source": "local", "name": str(save_featurizer(models_dir / "feat"))}
    params["classifier"].update(backbone={"source": "local", "name": str(
        save_classifier_backbone(models_dir / "distilbert"))}, epochs=1, batch_size=16,
        max_length=32, seeds=[0, 1])
    params["generate"].update(samples_per_label=4, max_new_tokens=8)
    params["evaluate"].update(diversity_tokens=20, mauve_samples=8, mauve_seeds=[0, 1])
    shutil.copy(ROOT / "dvc.yaml", root / "dvc.yaml")
    shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
    shutil.copytree(ROOT / "data" / "human_labels", root / "data" / "human_labels")  # an evaluate dep
    shutil.copytree(ROOT / "src", root / "src")
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    dvc = str(ROOT / ".venv" / "bin" / "dvc")
    subprocess.run([dvc, "init", "--no-scm", "-q"], cwd=root, check=True)
    result = subprocess.run([dvc, "repro"], cwd=root, capture_output=True, text=True,
                            timeout=1200)
    server.close()
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]
    return root


def test_every_model_of_the_grid_is_scored(paper_run):
    for model in ("tiny-llama", "tiny-falcon-instruct", "tiny-llama-fewshot", "api-chat"):
        for decoding in ("p0_9",):
            m = json.loads((paper_run / f"data/metrics/{model}/questions/{decoding}.json")
                           .read_text())
            for name in ("diversity", "mauve", "faithfulness", "complexity", "performance"):
                assert name in m
            assert m["n_samples"] == 12


def test_few_shot_prompts_carry_reference_examples(paper_run):
    rows = [json.loads(line) for line in
            (paper_run / "data/synthetic/tiny-llama-fewshot/questions/p0_9.jsonl").open()]
    train = {json.loads(line)["text"] for line in
             (paper_run / "data/reference/questions/train.jsonl").open()}
    for r in rows:
        examples = [line[2:] for line in r["prompt"].splitlines() if line.startswith("- ")
                    and line[2:]]
        assert len(examples) == 2 and set(examples) <= train
        assert r["prompt_id"] == "completion_fewshot" and r["shots"] == 2


def test_records_name_their_template_and_generator(paper_run):
    row = json.loads((paper_run / "data/synthetic/tiny-falcon-instruct/questions/p0_9.jsonl")
                     .open().readline())
    assert row["prompt_id"] == "instruction" and row["backend"] == "hf"
    assert row["model_revision"].startswith("local-") and row["top_p"] == 0.9
    described = json.loads((paper_run / "data/generators/tiny-falcon-instruct/generator.json")
                           .read_text())
    assert described["family"] == "instruct"


def test_classifier_seeds_give_error_bars(paper_run):
    scores = json.loads((paper_run / "data/classifiers/questions/scores.json").read_text())
    assert [s["seed"] for s in scores["per_seed"]] == [0, 1]


def test_a_failing_generator_leaves_every_other_model_scored(paper_run):
    """Issue 16: one model's evaluation does not wait on another model's generation. The API
    model's server is gone (the fixture closed it) and it names a new served model, so its
    generation fails; tiny-llama's params change too. `dvc repro --keep-going` (what make reproduce runs)
    still rescores tiny-llama and fails at the end, naming the failed stage."""
    params = yaml.safe_load((paper_run / "params.yaml").read_text())
    # a new served model: its datasets must be requested again, from a server that is gone
    params["models"]["api-chat"]["api"].update(model="served-model-v2", retry_budget_s=0,
                                               max_retries=0, timeout_s=2)
    params["models"]["tiny-llama"]["size_b"] = 13   # scored anew (the metrics record it)
    (paper_run / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    dvc = str(ROOT / ".venv" / "bin" / "dvc")
    result = subprocess.run([dvc, "repro", "--keep-going"], cwd=paper_run, capture_output=True,
                            text=True, timeout=1200)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out[-4000:]
    assert "generate@api-chat" in out and "failed" in out.lower(), out[-4000:]
    ran = [line.split("'")[1] for line in out.splitlines() if line.startswith("Running stage")]
    assert "evaluate@tiny-llama" in ran and "evaluate@api-chat" not in ran, ran
    m = json.loads((paper_run / "data/metrics/tiny-llama/questions/p0_9.json").read_text())
    assert m["info"]["size_b"] == 13
