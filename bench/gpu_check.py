"""make gpu-check: the first thing to run on a GPU machine, in one command and a few minutes.

It needs only torch (a CUDA build), transformers, scikit-learn and pytest on the machine, not
`make setup`: the few packages the GPU code paths also import (pydantic, accelerate and psutil,
mauve-text and faiss-cpu for the featurizer comparison) come from bench/gpu-wheels/ (`make
gpu-wheels` fills it on a machine with a package index; about 42 MB) and are installed, only when
missing, into bench/results/gpu-check-deps with `pip install --no-index --no-deps --target`:
nothing of the machine's own Python is changed. Then

  1. the tests marked `gpu` (pytest -m gpu, SYNTHLENS_DEVICE=cuda) in the test files that have
     any: device placement, bf16 batch independence, OOM halving, the featurizer against
     mauve-text on CUDA, one tiny dataset end to end;
  2. a short bench-gpu (bench/bench_gpu.py --short: the 7B Llama architecture with random
     weights, the classifier and the featurizer);

and writes one JSON, bench/results/gpu-check.json: the machine (GPU, driver, torch, CUDA), what
was installed, every test's outcome, the bench figures, the time of each step. Exit 0 when every
gpu test passed and the bench ran, 1 otherwise, 2 (one line on stderr, nothing run) without a
usable CUDA device.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WHEELS = ROOT / "bench" / "gpu-wheels"
RESULTS = ROOT / "bench" / "results"
DEPS = RESULTS / "gpu-check-deps"
BENCH_GPU = ROOT / "bench" / "bench_gpu.py"
WHEELS_BUDGET_MB = 60

# What the GPU tests and bench-gpu import beyond torch, transformers, scikit-learn and pytest:
# {module that must import: the distributions (requirements.lock names) that provide it}.
CARRIED = {
    "pydantic": ["pydantic", "pydantic_core", "annotated-types", "typing-inspection",
                 "typing_extensions"],
    "accelerate": ["accelerate", "psutil"],  # transformers' device_map= needs it (hf backend)
    "mauve": ["mauve-text"],  # the featurizer's reference (tests/test_mauve_features.py)
    "faiss": ["faiss-cpu"],   # mauve.compute_mauve imports it at the top
}
# Wheels with compiled code: one per Python and platform (abi3: one per platform).
PYTHONS = ("3.11", "3.12", "3.13")
ARCHES = ("x86_64", "aarch64")
PER_PYTHON = {"pydantic_core"}
PER_PLATFORM = {"psutil", "faiss-cpu"}

# Time limits of the steps, seconds: 8 minutes in all, the first CUDA start included.
TEST_LIMIT = 300
BENCH_LIMIT = 150


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(lock: Path = ROOT / "requirements.lock") -> dict[str, str]:
    """{normalized name: version} of requirements.lock's `name==version` lines."""
    out = {}
    for line in lock.read_text().splitlines():
        name, sep, version = line.split("#")[0].strip().partition("==")
        if sep:
            out[normalize(name)] = version.strip()
    return out


def carried_pins(groups=None) -> list[str]:
    """`name==version` of every carried distribution (of `groups`, default all), at the version
    requirements.lock pins: what the image and `make setup` install too."""
    locked = locked_versions()
    names = [d for g in (groups or CARRIED) for d in CARRIED[g]]
    missing = [d for d in names if normalize(d) not in locked]
    if missing:
        raise SystemExit(f"gpu-check: requirements.lock pins no version of {missing}")
    return [f"{d}=={locked[normalize(d)]}" for d in names]


def missing_groups() -> list[str]:
    """The CARRIED modules this Python cannot import."""
    return [m for m in CARRIED if importlib.util.find_spec(m) is None]


def install_command(groups: list[str], python: str = sys.executable) -> list[str]:
    return [python, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps",
            "--find-links", str(WHEELS), "--target", str(DEPS), "--upgrade",
            *carried_pins(groups)]


def fetch_commands(python: str = sys.executable) -> list[list[str]]:
    """pip download of every carried wheel for PYTHONS x ARCHES (needs a package index)."""
    base = [python, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
            "--dest", str(WHEELS)]
    pins = carried_pins()
    pure = [p for p in pins if p.split("==")[0] not in PER_PYTHON | PER_PLATFORM]
    commands = [base + pure]
    for arch in ARCHES:
        platforms = [a for tag in ("manylinux2014", "manylinux_2_17", "manylinux_2_28")
                     for a in ("--platform", f"{tag}_{arch}")]
        for p in pins:
            name = p.split("==")[0]
            if name in PER_PYTHON:
                commands += [base + platforms + ["--python-version", v, p] for v in PYTHONS]
            elif name in PER_PLATFORM:
                commands.append(base + platforms + ["--python-version", PYTHONS[0], p])
    return commands


def wheels_mb(folder: Path = WHEELS) -> float:
    return sum(p.stat().st_size for p in folder.glob("*.whl")) / 2 ** 20


def gpu_test_files(tests: Path = ROOT / "tests") -> list[Path]:
    """The test files that mark any test `gpu` (pytest.mark.gpu, also in a pytestmark): only
    these are collected, so a file that imports what a bare machine lacks (dvc, datasets)
    cannot stop the check."""
    marked = re.compile(r"^\s*(@pytest\.mark\.gpu\b|pytestmark\s*=.*\bpytest\.mark\.gpu\b)",
                        re.M)
    return sorted(p for p in tests.glob("test_*.py") if marked.search(p.read_text()))


def pytest_command(files: list[Path], junit: Path, python: str = sys.executable) -> list[str]:
    return [python, "-m", "pytest", "-m", "gpu", "-q", "-rA", "-p", "no:cacheprovider",
            f"--junitxml={junit}", *[str(f.relative_to(ROOT)) for f in files]]


def bench_command(out: Path, python: str = sys.executable) -> list[str]:
    return [python, str(BENCH_GPU), "--short", "--out", str(out)]


def read_junit(path: Path) -> list[dict]:
    """[{test, outcome (passed, failed, error, skipped), seconds, message}] from pytest's XML."""
    if not path.is_file():
        return []
    rows = []
    for case in ET.parse(path).getroot().iter("testcase"):
        outcome, message = "passed", ""
        for kind in ("failure", "error", "skipped"):
            found = case.find(kind)
            if found is not None:
                outcome = {"failure": "failed"}.get(kind, kind)
                message = (found.get("message") or found.text or "").strip().splitlines()[:1]
                message = message[0][:300] if message else ""
                break
        name = f"{case.get('classname', '')}::{case.get('name', '')}".lstrip(":")
        rows.append({"test": name, "outcome": outcome,
                     "seconds": round(float(case.get("time") or 0), 3), "message": message})
    return rows


def run_tests(files: list[Path], env: dict, junit: Path, limit: int = TEST_LIMIT) -> dict:
    """pytest -m gpu over `files`; the outcome of every test, and ok only when at least one
    test ran and none failed or errored."""
    junit.unlink(missing_ok=True)
    start = time.monotonic()
    try:
        proc = subprocess.run(pytest_command(files, junit), cwd=ROOT, env=env, timeout=limit,
                              capture_output=True, text=True)
        rc, tail = proc.returncode, (proc.stdout + proc.stderr)[-4000:]
    except subprocess.TimeoutExpired as e:
        rc, tail = "timeout", f"pytest ran past {limit} s\n" + str(e.stdout or "")[-4000:]
    tests = read_junit(junit)
    counts = {k: sum(t["outcome"] == k for t in tests)
              for k in ("passed", "failed", "error", "skipped")}
    ok = rc == 0 and counts["passed"] > 0 and not counts["failed"] and not counts["error"]
    return {"ok": ok, "exit_code": rc, "files": [str(f.relative_to(ROOT)) for f in files],
            **counts, "seconds": round(time.monotonic() - start, 1), "tests": tests,
            "output_tail": tail}


def run_bench(env: dict, out: Path, limit: int = BENCH_LIMIT) -> dict:
    start = time.monotonic()
    out.unlink(missing_ok=True)
    try:
        proc = subprocess.run(bench_command(out), cwd=ROOT, env=env, timeout=limit,
                              capture_output=True, text=True)
        rc, tail = proc.returncode, (proc.stdout + proc.stderr)[-3000:]
    except subprocess.TimeoutExpired as e:
        rc = "timeout"
        tail = f"bench-gpu --short ran past {limit} s\n" + str(e.stdout or "")[-3000:]
    figures = json.loads(out.read_text()) if rc == 0 and out.is_file() else None
    return {"ok": figures is not None, "exit_code": rc,
            "seconds": round(time.monotonic() - start, 1),
            "results": figures, "output_tail": tail if figures is None else tail[-1500:]}


def machine(torch) -> dict:
    info = {"python": platform.python_version(), "platform": platform.machine(),
            "torch": torch.__version__, "torch_cuda": torch.version.cuda,
            "gpus": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]}
    for module in ("transformers", "sklearn", "pytest"):
        try:
            info[module] = __import__(module).__version__
        except Exception as e:  # recorded, not fatal: pytest says what breaks
            info[module] = f"not importable: {type(e).__name__}"
    if shutil.which("nvidia-smi"):
        smi = subprocess.run(["nvidia-smi", "--query-gpu=driver_version,memory.total",
                              "--format=csv,noheader"], capture_output=True, text=True)
        info["nvidia_smi"] = smi.stdout.strip().splitlines()
    return info


def refuse_without_cuda():
    """torch, or exit 2 with one line on stderr when it has no usable CUDA device."""
    try:
        import torch
    except Exception as e:
        print(f"gpu-check: torch is not importable ({type(e).__name__}: {e}); it needs torch "
              "with CUDA, transformers, scikit-learn and pytest", file=sys.stderr)
        raise SystemExit(2)
    if not torch.cuda.is_available():
        print(f"gpu-check needs a usable CUDA device and found none (torch {torch.__version__}, "
              f"CUDA {torch.version.cuda or 'not built in'}); nothing was run", file=sys.stderr)
        raise SystemExit(2)
    return torch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(RESULTS / "gpu-check.json"))
    parser.add_argument("--fetch-wheels", action="store_true",
                        help="download the carried wheels into bench/gpu-wheels (needs a "
                        "package index) and stop")
    args = parser.parse_args(argv)
    if args.fetch_wheels:
        WHEELS.mkdir(parents=True, exist_ok=True)
        for cmd in fetch_commands():
            subprocess.run(cmd, check=True)
        size = wheels_mb()
        print(f"{len(list(WHEELS.glob('*.whl')))} wheels, {size:.1f} MB in {WHEELS}")
        return 0 if size <= WHEELS_BUDGET_MB else 1

    torch = refuse_without_cuda()
    start = time.monotonic()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(torch)}
    env = {**os.environ, "SYNTHLENS_DEVICE": "cuda", "HF_HUB_OFFLINE": "1",
           "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "TRANSFORMERS_VERBOSITY": "error", "TOKENIZERS_PARALLELISM": "false"}
    paths = [str(ROOT / "src")]
    missing = missing_groups()
    report["installed"] = {"missing": missing, "pins": carried_pins(missing) if missing else []}
    if missing:
        print(f"gpu-check: installing {', '.join(report['installed']['pins'])} from "
              f"{WHEELS} into {DEPS}", flush=True)
        proc = subprocess.run(install_command(missing), capture_output=True, text=True)
        if proc.returncode != 0:
            report["installed"]["error"] = (proc.stdout + proc.stderr)[-3000:]
            print(report["installed"]["error"], file=sys.stderr)
        paths.append(str(DEPS))
    env["PYTHONPATH"] = os.pathsep.join(paths + [p for p in [os.environ.get("PYTHONPATH")] if p])

    files = gpu_test_files()
    print(f"gpu-check: pytest -m gpu on {len(files)} files (at most {TEST_LIMIT} s)", flush=True)
    report["tests"] = run_tests(files, env, RESULTS / "gpu-check-junit.xml")
    print(f"gpu-check: tests {report['tests']['passed']} passed, {report['tests']['failed']} "
          f"failed, {report['tests']['error']} errors, {report['tests']['skipped']} skipped",
          flush=True)
    print(f"gpu-check: bench-gpu --short (at most {BENCH_LIMIT} s)", flush=True)
    report["bench"] = run_bench(env, RESULTS / "gpu-check-bench.json")
    report["seconds"] = round(time.monotonic() - start, 1)
    report["ok"] = report["tests"]["ok"] and report["bench"]["ok"]
    out.write_text(json.dumps(report, indent=2) + "\n")
    for t in report["tests"]["tests"]:
        if t["outcome"] in ("failed", "error"):
            print(f"  {t['outcome'].upper()} {t['test']}: {t['message']}")
    if not report["tests"]["tests"]:
        print(report["tests"]["output_tail"][-2000:])
    if not report["bench"]["ok"]:
        print(report["bench"]["output_tail"][-2000:])
    print(f"gpu-check: {'OK' if report['ok'] else 'FAILED'} in {report['seconds']:.0f} s -> {out}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
