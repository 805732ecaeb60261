"""make gpu-check (bench/gpu_check.py), the parts a machine without a GPU can check: the command
line needs no `make setup`, it refuses without CUDA in one line having run nothing, the wheels
it carries fit 60 MB, match requirements.lock and install offline into its own folder only, the
gpu-marked tests are collected from the files it selects, and it reads every test's outcome."""
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from conftest import ROOT

spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "bench" / "gpu_check.py")
gpu_check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gpu_check)

no_gpu = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the machine without a GPU")


def make(*args: str, **env: str) -> subprocess.CompletedProcess:
    # not a sub-make of `make test`: that one would print "make[1]: Entering directory"
    clean = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.run(["make", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**clean, **env})


def test_the_command_line_is_one_python_call_without_setup(tmp_path):
    planned = make("-n", "gpu-check")
    assert planned.returncode == 0, planned.stderr
    assert planned.stdout.strip() == ".venv/bin/python bench/gpu_check.py"
    # a bare GPU machine: no venv in the checkout, the Python on PATH
    bare = make("-n", "gpu-check", f"VENV={tmp_path / 'none'}", "PYTHON=python3")
    assert bare.stdout.strip() == "python3 bench/gpu_check.py"
    assert not (tmp_path / "none").exists()


@no_gpu
def test_without_cuda_it_exits_2_in_one_line_and_runs_nothing(tmp_path):
    out = tmp_path / "gpu-check.json"
    direct = subprocess.run([sys.executable, str(ROOT / "bench" / "gpu_check.py"), "--out",
                             str(out)], capture_output=True, text=True, timeout=120)
    assert direct.returncode == 2
    assert direct.stdout == ""
    assert len(direct.stderr.strip().splitlines()) == 1
    assert "CUDA" in direct.stderr and "nothing was run" in direct.stderr
    assert not out.exists()
    # through make: the same one line, then make's own "***" line
    through = make("gpu-check")
    assert through.returncode == 2
    ours = [line for line in through.stderr.splitlines() if not line.startswith("make: ***")]
    assert ours == direct.stderr.strip().splitlines()


def test_without_torch_it_exits_2_in_one_line(tmp_path):
    (tmp_path / "torch.py").write_text("raise ImportError('no torch here')\n")
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "gpu_check.py")],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "torch is not importable" in proc.stderr


def locked() -> dict[str, str]:
    """requirements.lock's pins, read here without the module's helper."""
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line.strip())
        if m:
            pins[re.sub(r"[-_.]+", "_", m.group(1)).lower()] = m.group(2)
    return pins


WHEELS = ROOT / "bench" / "gpu-wheels"
needs_wheels = pytest.mark.skipif(not WHEELS.is_dir(),
                                  reason="no bench/gpu-wheels: `make gpu-wheels` fetches them")


@needs_wheels
def test_the_carried_wheels_fit_60_mb_and_are_the_locked_versions():
    wheels = sorted(WHEELS.glob("*.whl"))
    size = sum(w.stat().st_size for w in wheels)
    assert 0 < size <= 60 * 2 ** 20, f"{size / 2 ** 20:.1f} MB"
    assert {p.name for p in WHEELS.iterdir()} == {w.name for w in wheels}  # wheels only
    pins = locked()
    found = {}
    for w in wheels:
        name, version, *_, python, abi, plat = w.stem.split("-")
        assert pins[name.lower()] == version, f"{w.name}: requirements.lock pins {pins[name]}"
        found.setdefault(name.lower(), set()).add((python, plat))
    # what the GPU code paths import, beyond torch, transformers, scikit-learn and pytest
    assert set(found) == {"pydantic", "pydantic_core", "annotated_types", "typing_inspection",
                          "typing_extensions", "accelerate", "psutil", "mauve_text", "faiss_cpu"}
    for arch in ("x86_64", "aarch64"):
        for py in ("cp311", "cp312", "cp313"):
            assert any(p == py and arch in plat for p, plat in found["pydantic_core"]), (py, arch)
        for name in ("psutil", "faiss_cpu"):  # abi3: one wheel a platform
            assert any(arch in plat for _, plat in found[name]), (name, arch)


@needs_wheels
def test_the_wheels_install_offline_into_their_own_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(gpu_check, "DEPS", tmp_path / "deps")
    groups = list(gpu_check.CARRIED)
    proc = subprocess.run(gpu_check.install_command(groups), capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PIP_CONSTRAINT": ""})
    assert proc.returncode == 0, proc.stderr[-2000:]
    probe = ("import pydantic, accelerate, faiss; from mauve.compute_mauve import "
             "get_features_from_input; print(pydantic.VERSION, pydantic.__file__, "
             "accelerate.__version__, faiss.__file__)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "PYTHONPATH": str(tmp_path / "deps")})
    assert out.returncode == 0, out.stderr[-2000:]
    version, pyd_file, acc_version, faiss_file = out.stdout.split()
    pins = locked()
    assert version == pins["pydantic"] and acc_version == pins["accelerate"]
    assert pyd_file.startswith(str(tmp_path / "deps")) and faiss_file.startswith(
        str(tmp_path / "deps"))


def test_only_what_the_python_lacks_is_installed(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name: None if name in ("mauve", "faiss") else object())
    assert gpu_check.missing_groups() == ["mauve", "faiss"]
    cmd = gpu_check.install_command(gpu_check.missing_groups())
    assert cmd[-2:] == [f"mauve-text=={locked()['mauve_text']}",
                        f"faiss-cpu=={locked()['faiss_cpu']}"]
    assert "--no-index" in cmd and "--no-deps" in cmd and "--target" in cmd


def test_the_gpu_tests_are_collected_from_the_files_it_runs():
    """pytest's own selection over the whole suite (-m gpu) against gpu-check's files."""
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "gpu",
                           "-p", "no:cacheprovider", "tests"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    ids = [line for line in proc.stdout.splitlines() if "::" in line]
    selected = {str(f.relative_to(ROOT)) for f in gpu_check.gpu_test_files()}
    assert {i.split("::")[0] for i in ids} == selected
    for expected in ("test_one_dataset_end_to_end_on_the_gpu",
                     "test_generator_weights_and_cache_are_on_the_gpu_in_bf16",
                     "test_classifier_trains_and_predicts_on_the_gpu"):
        assert f"tests/test_gpu_paths.py::{expected}" in ids


GPU = "pytest.mark." + "gpu"  # spelled apart: this file itself marks no test gpu
WRITTEN = f'''import pytest

pytestmark = {GPU}


def test_passes():
    assert True


def test_fails():
    assert 1 == 2, "one is not two"


@pytest.mark.skip(reason="not here")
def test_skipped():
    pass


def test_not_gpu_marked_is_deselected():
    pass
'''


def test_every_tests_outcome_is_read_and_ok_needs_a_pass_and_no_failure(tmp_path, monkeypatch):
    monkeypatch.setattr(gpu_check, "ROOT", tmp_path)
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_sample.py").write_text(WRITTEN.replace(
        "def test_not_gpu_marked_is_deselected", "@pytest.mark.skipif(False, reason='')\n"
        "def test_also_gpu"))
    files = gpu_check.gpu_test_files(tests)
    assert files == [tests / "test_sample.py"]
    env = {**os.environ, "PYTHONPATH": ""}
    result = gpu_check.run_tests(files, env, tmp_path / "junit.xml", limit=120)
    outcomes = {t["test"].rsplit("::", 1)[-1]: t["outcome"] for t in result["tests"]}
    assert outcomes == {"test_passes": "passed", "test_fails": "failed",
                        "test_skipped": "skipped", "test_also_gpu": "passed"}
    assert (result["passed"], result["failed"], result["skipped"]) == (2, 1, 1)
    assert not result["ok"]
    failed = next(t for t in result["tests"] if t["outcome"] == "failed")
    assert "one is not two" in failed["message"]
    (tests / "test_sample.py").write_text("import pytest\n\n@pytest.mark.skip(reason='x')\n"
                                          f"@{GPU}\ndef test_s():\n    pass\n")
    only_skips = gpu_check.run_tests(files, env, tmp_path / "junit.xml", limit=120)
    assert only_skips["skipped"] == 1 and not only_skips["ok"]  # nothing ran: not a pass


def test_bench_gpu_short_measures_the_7b_llama_only(tmp_path):
    out = tmp_path / "short.json"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_gpu.py"), "--device",
                           "cpu", "--tiny", "--short", "--out", str(out)], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(out.read_text())
    assert results["short"] is True
    assert [g["model"] for g in results["generators"]] == ["llama-7b"]
    assert results["dry_run"]["tokens_per_second_7b"] == round(
        results["generators"][0]["tokens_per_s"])
    assert gpu_check.bench_command(Path("x.json"))[-3:] == ["--short", "--out", "x.json"]


def test_one_json_holds_the_machine_the_tests_and_the_bench(tmp_path, monkeypatch):
    """main() end to end with the CUDA check passed over: a real pytest run of a gpu-marked
    file and the bench's CPU code path (--device cpu --tiny) stand in for the GPU's."""
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_ok.py").write_text(f"import pytest\n\n@{GPU}\ndef test_ok():\n    pass\n")
    monkeypatch.setattr(gpu_check, "refuse_without_cuda", lambda: torch)
    monkeypatch.setattr(gpu_check, "gpu_test_files", lambda: [tests / "test_ok.py"])
    monkeypatch.setattr(gpu_check, "ROOT", tmp_path)
    monkeypatch.setattr(gpu_check, "RESULTS", tmp_path / "results")
    real_bench = gpu_check.bench_command
    monkeypatch.setattr(gpu_check, "bench_command",
                        lambda out: [*real_bench(out), "--device", "cpu", "--tiny"])
    out = tmp_path / "gpu-check.json"
    assert gpu_check.main(["--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["ok"] is True
    assert report["machine"]["torch"] == torch.__version__
    assert [t["test"].rsplit("::", 1)[-1] for t in report["tests"]["tests"]] == ["test_ok"]
    assert report["tests"]["passed"] == 1 and report["bench"]["ok"]
    assert [g["model"] for g in report["bench"]["results"]["generators"]] == ["llama-7b"]
    assert report["installed"]["missing"] == []  # this venv has every package
