"""make bench: wall-clock figures for the README, measured on this machine.

Runs in a scratch copy of the project so the workspace's own outputs are untouched:
  1. the pipeline from nothing (`dvc repro` of params.yaml), with per-stage times;
  2. a no-op `dvc repro` right after;
  3. how fast the error paths answer (bad params, missing file, hub id while offline);
  4. the hf backend's output tokens/s on the CPU for the mini profile's SmolLM2 generator (the
     weights the pipeline converted), next to the CPU's compute bound (roofline.py);
  5. the test suite (skip with --no-tests).
Writes bench/results/latest.json and prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "bench"))
import roofline  # noqa: E402  (bench/ is not a package)


def timed(cmd, cwd, env=None, timeout=3600):
    """Run cmd; stderr is folded into stdout so stage logs stay in order."""
    start = time.monotonic()
    result = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, timeout=timeout, env={**os.environ, **(env or {})})
    return time.monotonic() - start, result


def stage_times(log: str) -> dict[str, float]:
    """Seconds per stage, from the 'done in' line each stage logs."""
    times, current = {}, None
    for line in log.splitlines():
        m = re.match(r"Running stage '([^']+)'", line)
        if m:
            current = m.group(1)
        m = re.search(r"INFO synthlens: \S+ done in ([\d.]+)s", line)
        if m and current:
            times[current] = float(m.group(1))
    return times


# The issues' budgets are cumulative: each is measured on the shipped params with the later
# issues' switches turned off (an issue-8-only run has no analyses, templates, mixtures,
# contamination probe or learning curves).
BUDGET_VARIANTS = {
    "issue 8 (no analyses, templates, mixtures, probe or curves)": {
        "analyses": {"enabled": False}, "templates": {"decodings": [], "models": {}},
        "mixtures": {}, "probe": {"enabled": False}, "learning_curve": {"sizes": []}},
    "issues 8 + 9 (analyses on; no templates, mixtures, probe or curves)": {
        "templates": {"decodings": [], "models": {}}, "mixtures": {},
        "probe": {"enabled": False}, "learning_curve": {"sizes": []}},
}


def scratch_project(dest: Path, overrides: dict | None = None) -> Path:
    # .dvcignore keeps Python's __pycache__ out of the hash of the source directories that
    # stages depend on (src/synthlens/generation, ...)
    for name in ("dvc.yaml", "params.yaml", ".dvcignore"):
        shutil.copy(ROOT / name, dest / name)
    if overrides:
        import yaml

        params = yaml.safe_load((dest / "params.yaml").read_text())
        for key, value in overrides.items():
            if key in params and isinstance(value, dict) and isinstance(params[key], dict) \
                    and key not in ("mixtures",):
                params[key] = {**params[key], **value}
            elif key in params:
                params[key] = value
        (dest / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    shutil.copytree(ROOT / "src", dest / "src")
    shutil.copytree(ROOT / "data" / "raw", dest / "data" / "raw")
    shutil.copytree(ROOT / "data" / "human_labels", dest / "data" / "human_labels")
    subprocess.run([BIN / "dvc", "init", "--no-scm", "-q"], cwd=dest, check=True)
    return dest


def error_paths(cwd: Path) -> dict[str, float]:
    import yaml

    params = yaml.safe_load((cwd / "params.yaml").read_text())
    out = {}
    bad = dict(params, generate={**params["generate"], "batch_sise": 1})
    (cwd / "bad.yaml").write_text(yaml.safe_dump(bad))
    out["bad params key"], result = timed([sys.executable, "-m", "synthlens", "--params",
                                           "bad.yaml", "generate", "--model",
                                           params["grid"]["models"][0]], cwd)
    # the params error itself, not an argparse usage error (both exit 2)
    assert result.returncode == 2 and "generate.batch_sise" in result.stdout, result.stdout
    missing = dict(params, domains={**params["domains"], "mine": {
        "source": "local", "path": "absent.csv", "labels": ["a", "b"], "subject": "x"}})
    (cwd / "missing.yaml").write_text(yaml.safe_dump(missing))
    out["missing local file"], _ = timed([sys.executable, "-m", "synthlens", "--params",
                                          "missing.yaml", "prepare", "--domain", "mine"], cwd)
    hub = dict(params, domains={**params["domains"], "sst2": {
        "source": "hub", "path": "stanfordnlp/sst2", "labels": ["a", "b"], "subject": "x",
        "text_field": "sentence"}})
    (cwd / "hub.yaml").write_text(yaml.safe_dump(hub))
    out["hub dataset while offline"], result = timed(
        [sys.executable, "-m", "synthlens", "--params", "hub.yaml", "prepare", "--domain", "sst2"],
        cwd, env={"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
                  "HF_HOME": str(cwd / "empty-hf-home")})
    assert result.returncode == 2, result.stdout
    return out


def generator_on_cpu(params, model_name: str, model_dir: Path) -> dict:
    """Output tokens/s of the hf backend's sampling path on the CPU (fp32, as the hf backend
    loads a model there) at the profile's batch size and max_new_tokens, with the first
    domain's prompts; next to the compute bound: measured fp32 matmul FLOP/s / (2 x the
    parameters a token uses)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from synthlens.generation.prompts import model_input, render_prompt

    cpu = torch.device("cpu")
    tok = AutoTokenizer.from_pretrained(model_dir)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    spec, domain = params.model(model_name), params.domain(params.grid.domains[0])
    texts = [model_input(tok, spec, render_prompt(params.prompts[spec.prompt], domain, label))
             for label in domain.labels]
    batch = params.generate.batch_size
    prompts = (texts * -(-batch // len(texts)))[:batch]
    measured = roofline.time_sampling(model, tok, prompts,
                                      params.decoding(params.grid.decodings[0]),
                                      params.generate.max_new_tokens, cpu)
    flops = roofline.gemm_flops(cpu, torch.float32, n=1024)
    n, nbytes = roofline.weights_per_token(model)
    bound = roofline.decode_bound(n, nbytes, measured["batch"], flops)
    return {"model": model_name, "params_m": round(n / 1e6, 1), **measured,
            "gemm_gflops": flops / 1e9, **bound,
            "fraction_of_bound": measured["tokens_per_s"] / bound["bound_tokens_per_s"]}


def full_run(results: dict) -> int:
    """The full pipeline, a no-op rerun, the error paths and the CPU generator timing."""
    with tempfile.TemporaryDirectory() as tmp:
        cwd = scratch_project(Path(tmp))
        # run the scratch copy's code, not the editable install's, so edits made to the
        # workspace while the benchmark runs cannot leak into it
        os.environ["PYTHONPATH"] = str(cwd / "src")
        print("bench: full pipeline (dvc repro) in a scratch copy ...", flush=True)
        secs, result = timed([BIN / "dvc", "repro"], cwd)
        if result.returncode != 0:
            print(result.stdout[-3000:])
            return 1
        results["pipeline_s"] = round(secs, 1)
        results["stages_s"] = stage_times(result.stdout)
        # keep what the benchmarked run produced, to read its numbers next to its timings
        kept = ROOT / "bench" / "results"
        kept.mkdir(parents=True, exist_ok=True)
        shutil.copy(cwd / "paper_figures" / "results.md", kept / "results.md")
        secs, result = timed([BIN / "dvc", "repro"], cwd)
        assert "Running stage" not in result.stdout
        results["noop_repro_s"] = round(secs, 1)
        results["errors_s"] = {k: round(v, 1) for k, v in error_paths(cwd).items()}
        from synthlens.config import load_params

        params = load_params(cwd / "params.yaml")
        gguf = [m for m in params.grid.models if params.model(m).source == "gguf"]
        if gguf:
            print(f"bench: hf generation of {gguf[0]} on the CPU ...", flush=True)
            results["generator_cpu"] = generator_on_cpu(
                params, gguf[0], cwd / "data" / "generators" / gguf[0] / "weights")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-tests", action="store_true")
    parser.add_argument("--budgets", action="store_true", help="also time the pipeline with "
                        "the later issues' switches off (BUDGET_VARIANTS), each from nothing")
    parser.add_argument("--budgets-only", action="store_true", help="only the BUDGET_VARIANTS "
                        "runs (no full run, no-op, error paths or CPU generator timing)")
    args = parser.parse_args()
    args.budgets = args.budgets or args.budgets_only
    env_note = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    os.environ.update(env_note)
    # dvc stages call `python -m synthlens`: make that this interpreter
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    results = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
               "date": time.strftime("%Y-%m-%d")}
    if not args.budgets_only and full_run(results):
        return 1
    if args.budgets:
        results["budgets_s"] = ({"everything (shipped params)": results["pipeline_s"]}
                                if "pipeline_s" in results else {})
        for name, overrides in BUDGET_VARIANTS.items():
            with tempfile.TemporaryDirectory() as tmp:
                cwd = scratch_project(Path(tmp), overrides)
                os.environ["PYTHONPATH"] = str(cwd / "src")
                print(f"bench: pipeline for {name} ...", flush=True)
                secs, result = timed([BIN / "dvc", "repro"], cwd)
                if result.returncode != 0:
                    print(result.stdout[-3000:])
                    return 1
                results["budgets_s"][name] = round(secs, 1)
    if not args.no_tests:
        print("bench: test suite ...", flush=True)
        secs, result = timed([sys.executable, "-m", "pytest", "-q", "tests"], ROOT)
        results["tests_s"] = round(secs, 1)
        results["tests_summary"] = (result.stdout.strip().splitlines() or [""])[-1]
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    groups: dict[str, float] = {}
    for stage, s in results.get("stages_s", {}).items():
        groups[stage.split("@")[0]] = groups.get(stage.split("@")[0], 0) + s
    print(f"\n| measure ({results['machine']}) | seconds |\n|---|---|")
    if "pipeline_s" in results:
        print(f"| pipeline from nothing (dvc repro) | {results['pipeline_s']} |")
    for g, s in groups.items():
        print(f"| - stage {g} (sum over cells, in-process) | {s:.1f} |")
    if "noop_repro_s" in results:
        print(f"| no-op dvc repro | {results['noop_repro_s']} |")
    for k, v in results.get("errors_s", {}).items():
        print(f"| error: {k} | {v} |")
    if "generator_cpu" in results:
        g = results["generator_cpu"]
        print(f"| hf generation, {g['model']} ({g['params_m']}M, fp32, batch {g['batch']}, "
              f"{g['new_tokens']} new tokens): {g['tokens_per_s']:.0f} tokens/s; compute bound "
              f"{g['bound_tokens_per_s']:,.0f} tokens/s at {g['gemm_gflops']:.0f} GFLOP/s "
              f"({100 * g['fraction_of_bound']:.1f} %) | {g['seconds']:.1f} |")
    for name, secs in results.get("budgets_s", {}).items():
        print(f"| pipeline, {name} | {secs} |")
    if "tests_s" in results:
        print(f"| make test (pytest) | {results['tests_s']} ({results['tests_summary']}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
