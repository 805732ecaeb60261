"""Score a run's generations on another machine (`make rescore`, `python -m synthlens rescore`):
pull the synthetic datasets that a run pushed to a DVC remote (`make push`; the remote
`shared` of .dvc/config, a local directory by default), then recompute every measure from
them: each stage that is not generation runs again, and generation runs never (no model is
downloaded or loaded; a reviewer without a GPU scores a GPU run's datasets).

How: `dvc pull` of the generate stages' outputs (data/synthetic, the probes), the measures of
the checkout removed (data/metrics, data/cards: evaluate would otherwise keep files whose
inputs hash the same), then `dvc repro --single-item --force` of every other stage but the
generators', in the order `dvc repro` runs them, so DVC never looks upstream of them for
the model weights.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from ..config import Params
from ..layout import DATA

GENERATION = ("generate", "train_generator", "convert_generator", "describe_generator")


def _dvc(*args: str) -> str:
    dvc = Path(sys.executable).with_name("dvc")
    result = subprocess.run([str(dvc) if dvc.exists() else "dvc", *args], text=True,
                            capture_output=True)
    if result.returncode != 0:
        raise SystemExit(f"synthlens rescore: dvc {' '.join(args)} failed:\n"
                         f"{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return result.stdout


def scoring_stages(stage_names: list[str]) -> list[str]:
    """The stages to rerun: every stage (in the order `dvc repro` runs them) except the
    generators' and generate's, which need the models."""
    return [s for s in stage_names if s.split("@")[0] not in GENERATION]


def pipeline_order() -> list[str]:
    """Every stage in the order `dvc repro` runs them (each after what it needs), read from a
    forced dry run: dvc.yaml's own listing is not an order (evaluate is listed before
    generate so that each model is scored right after its own generation)."""
    out = _dvc("repro", "--dry", "--force")
    return [line.split("'")[1] for line in out.splitlines() if line.startswith("Running stage")]


def run(params: Params, remote: str | None = None) -> list[str]:
    stages = pipeline_order()
    generate = [s for s in stages if s.split("@")[0] == "generate"]
    print(f"rescore: pulling {len(generate)} generate stage(s)' outputs "
          f"(remote {remote or 'default'}) ...", flush=True)
    _dvc("pull", *(["--remote", remote] if remote else []), *generate)
    for path in (DATA / "metrics", DATA / "cards"):
        if path.exists():
            shutil.rmtree(path)
    todo = scoring_stages(stages)
    print(f"rescore: recomputing {len(todo)} stage(s) from the pulled datasets: "
          f"{', '.join(todo)}", flush=True)
    for stage in todo:  # one at a time, in order, so progress shows and a failure names it
        print(f"rescore: {stage}", flush=True)
        _dvc("repro", "--single-item", "--force", stage)
    print(f"rescore: done; {len(params.grid.models)} models' datasets scored "
          "(paper_figures/, data/metrics/)")
    return todo
