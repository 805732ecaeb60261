import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("DVC_NO_ANALYTICS", "1")
# Every test runs on an explicit device: the CPU unless SYNTHLENS_DEVICE says otherwise
# (SYNTHLENS_DEVICE=cuda make test runs the suite, GPU profiles included, on a GPU).
os.environ.setdefault("SYNTHLENS_DEVICE", "cpu")
# dvc stages call `python -m synthlens`: make that the interpreter running the tests
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


BUILTIN_DOMAINS = ["reviews", "news"]


def builtin_fixture(params: dict) -> dict:
    """params (the shipped params.yaml or profiles/mini.yaml, as a dict) with the grid on the
    builtin fixture the tests were written for, changed in place and returned.

    The shipped default grid runs on real text (sst2, ag_news: files in data/raw) with longer
    generations; the test suite's end-to-end runs keep the builtin template domains (reviews,
    news: domains/builtin.py), which are fast and need no files, and the generation settings of
    that grid: 20 new tokens, batches and shards of 64, no stop strings, and the temperatures
    0.5, 0.75, 1.0, 1.5 (decoding t1_5, which some tests name) and top-p 0.9, and SmolLM2's
    attributed-prompt variant (instruction_attr), which the default run leaves out for its time
    budget. Tests that check a property of the shipped params themselves read the file as it
    is instead."""
    params["grid"]["domains"] = list(BUILTIN_DOMAINS)
    params["train_generator"]["domains"] = list(BUILTIN_DOMAINS)
    params["decodings"]["t1_5"] = {"temperature": 1.5}
    params["grid"]["decodings"] = ["t0_5", "t0_75", "t1_0", "t1_5", "p0_9"]
    params["generate"].update(max_new_tokens=20, batch_size=64, shard_size=64)
    params["generate"].pop("cleaning", None)  # no stop strings
    params["templates"]["models"]["smollm2-135m-instruct"] = ["instruction_attr"]
    return params


def load_builtin_params(path: Path = ROOT / "params.yaml") -> dict:
    """The params file at path (default: the shipped params.yaml) as a dict, on the builtin
    fixture (builtin_fixture)."""
    return builtin_fixture(yaml.safe_load(Path(path).read_text()))


@pytest.fixture
def mini_params() -> dict:
    """The shipped params.yaml as a dict on the builtin fixture (builtin_fixture), for tests to
    modify; the contamination probe is off (it scores R-test, which most of these tests do not
    prepare; tests/test_probe.py and the end-to-end pipeline test run it)."""
    params = load_builtin_params()
    params["probe"]["enabled"] = False
    return params


@pytest.fixture
def write_params(tmp_path):
    def _write(params: dict, name: str = "params.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(params, sort_keys=False))
        return path
    return _write


def run_cli(*args, cwd=None, timeout=120, env=None):
    """python -m synthlens ARGS in a subprocess, as dvc would run it."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "synthlens", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def project(tmp_path):
    """A scratch copy of the project's pipeline definition and raw data."""
    shutil.copy(ROOT / "dvc.yaml", tmp_path / "dvc.yaml")
    shutil.copytree(ROOT / "data" / "raw", tmp_path / "data" / "raw")
    shutil.copytree(ROOT / "data" / "human_labels", tmp_path / "data" / "human_labels")  # an evaluate dep
    # dvc deps name the source files; link them so the stage definitions resolve
    (tmp_path / "src").symlink_to(ROOT / "src")
    return tmp_path
