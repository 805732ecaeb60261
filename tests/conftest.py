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


@pytest.fixture
def mini_params() -> dict:
    """The shipped params.yaml as a dict, for tests to modify; the contamination probe is off
    (it scores R-test, which most of these tests do not prepare; tests/test_probe.py and the
    end-to-end pipeline test run it)."""
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
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
