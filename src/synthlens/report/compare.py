"""`make compare`: this workspace's results against the committed ones, number by number.

It only speaks about a reproduction. It refuses (exit 2, one line) unless the workspace's
metrics were computed here (data/.computed-here: `make reproduce` cleared the committed copy)
and are up to date with this checkout's code and params (`dvc status` lists no changed stage
that writes them). Then it compares every number of every metrics file and probe file
(data/metrics/**.json, data/probe/*.json) as committed at REV (git) and as in the workspace,
each within max(absolute, relative x |committed value|) (params compare.tolerance, with
per-key overrides), and lists what it did not compare: strings and flags (provenance, ids,
hashes). Exit 0 when everything is within tolerance, 1 when anything is not.
"""
from __future__ import annotations

import json
import math
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..config import Params

RESULT_DIRS = ("data/metrics", "data/probe")
COMPUTED_HERE = Path("data/.computed-here")
# stages whose outputs compare reads: when dvc status lists one, the files are stale
RESULT_STAGES = ("generate", "evaluate", "evaluate_reference", "evaluate_mixtures")


class NotAReproduction(Exception):
    """The workspace holds no results computed here from this checkout: nothing to compare."""


@dataclass(frozen=True)
class Verdict:
    file: str                                  # e.g. data/metrics/reviews/gpt2-mini/t1_0.json
    compared: int                              # numbers compared
    problems: tuple[str, ...]                  # empty = reproduced within tolerance

    @property
    def ok(self) -> bool:
        return not self.problems


def flatten(obj, prefix: str = "") -> dict[str, object]:
    """Nested JSON as {dotted.key[i]: leaf}."""
    if isinstance(obj, dict):
        out: dict[str, object] = {}
        for key, value in obj.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(obj, list):
        out = {}
        for i, value in enumerate(obj):
            out.update(flatten(value, f"{prefix}[{i}]"))
        return out
    return {prefix: obj}


def _leaf_name(key: str) -> str:
    """info.temperature -> temperature; learning_curve.points[3].accuracy -> accuracy"""
    return key.rsplit(".", 1)[-1].split("[", 1)[0]


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def allowed(value: float, key: str, tolerance: dict) -> float:
    """How far a number may move: max(absolute, relative x |value|), per-key overrides first."""
    spec = {**tolerance, **(tolerance.get("keys") or {}).get(_leaf_name(key), {})}
    return max(spec["absolute"], spec["relative"] * abs(value))


def compare_file(committed: dict | None, current: dict | None,
                 tolerance: dict) -> tuple[int, list[str], set[str]]:
    """(numbers compared, problems, names of the leaves not compared) for one file."""
    if committed is None:
        return 0, ["not in the committed results (a new dataset?)"], set()
    if current is None:
        return 0, ["not computed in this run"], set()
    old, new = flatten(committed), flatten(current)
    problems, skipped, compared = [], set(), 0
    for key in sorted(set(old) | set(new)):
        if key not in new or key not in old:
            problems.append(f"{key}: only in the {'committed' if key in old else 'new'} file")
            continue
        a, b = old[key], new[key]
        nan_a = a is None or (_is_number(a) and math.isnan(a))
        nan_b = b is None or (_is_number(b) and math.isnan(b))
        if nan_a and nan_b:
            continue  # NaN (null in the JSON) on both sides agrees
        if _is_number(a) and _is_number(b) and not (nan_a or nan_b):
            compared += 1
            limit = allowed(a, key, tolerance)
            if abs(a - b) > limit + 1e-12:
                problems.append(f"{key}: {a:.4g} -> {b:.4g} (moved {b - a:+.3g}, allowed "
                                f"±{limit:.3g})")
        elif nan_a or nan_b:  # a value on one side only
            problems.append(f"{key}: {a} -> {b}")
        else:
            skipped.add(_leaf_name(key))
    return compared, problems, skipped


def compare_results(committed: dict[str, dict], current: dict[str, dict],
                    tolerance: dict) -> tuple[list[Verdict], set[str]]:
    verdicts, skipped = [], set()
    for path in sorted(set(committed) | set(current)):
        n, problems, names = compare_file(committed.get(path), current.get(path), tolerance)
        verdicts.append(Verdict(path, n, tuple(problems)))
        skipped |= names
    return verdicts, skipped


def format_report(verdicts: list[Verdict], skipped: set[str], rev: str) -> str:
    lines = [f"committed ({rev}) -> this run, every number within max(absolute, relative x "
             "|value|) (params compare.tolerance)"]
    width = max([len(v.file) for v in verdicts] + [4])
    for v in verdicts:
        lines.append(f"{v.file:<{width}}  {v.compared:4d} numbers  {'ok' if v.ok else 'DIFFERS'}")
        lines.extend(f"{'':<{width}}    - {p}" for p in v.problems)
    bad = sum(not v.ok for v in verdicts)
    numbers = sum(v.compared for v in verdicts)
    lines += ["", f"not compared (not numbers): {', '.join(sorted(skipped)) or 'nothing'}",
              f"results reproduced: {'yes' if not bad else 'no'} - {len(verdicts) - bad} of "
              f"{len(verdicts)} files within tolerance ({numbers} numbers compared)"]
    return "\n".join(lines)


def _git(*args: str) -> str:
    out = subprocess.run(["git", *args], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise NotAReproduction(f"git {' '.join(args)} failed: {out.stderr.strip()}")
    return out.stdout


def committed_results(rev: str) -> dict[str, dict]:
    names = _git("ls-tree", "-r", "--name-only", rev, "--", *RESULT_DIRS).split()
    return {n: json.loads(_git("show", f"{rev}:{n}")) for n in names if n.endswith(".json")}


def workspace_results() -> dict[str, dict]:
    return {p.as_posix(): json.loads(p.read_text()) for d in RESULT_DIRS
            for p in sorted(Path(d).glob("**/*.json"))}


def stale_stages() -> list[str]:
    """Stages that write results and that `dvc status` finds changed (code, params, data)."""
    from dvc.repo import Repo

    with Repo(".") as repo:
        status = repo.status()
    return sorted(s for s in status if s.split("@")[0].split(":")[-1] in RESULT_STAGES)


def check_reproduction() -> None:
    """Raise NotAReproduction unless the workspace's results were computed here and are up to
    date with this checkout."""
    if not COMPUTED_HERE.is_file():
        raise NotAReproduction(
            "NOT RUN: this workspace's metrics are the committed ones, not computed here; "
            "run `make reproduce` first, then `make compare`")
    stale = stale_stages()
    if stale:
        raise NotAReproduction(
            f"NOT RUN: the metrics here are not up to date with this checkout ({len(stale)} "
            f"stale stage(s): {', '.join(stale[:4])}{' ...' if len(stale) > 4 else ''}); "
            "finish `make reproduce` first")


def run(params: Params, rev: str = "HEAD") -> int:
    try:
        check_reproduction()
        committed = committed_results(rev)
    except NotAReproduction as e:
        print(e)
        return 2
    if not committed:
        print(f"NOT RUN: {rev} holds no results (commit dvc.lock, data/metrics and data/probe "
              "after a run to have something to compare against)")
        return 2
    verdicts, skipped = compare_results(committed, workspace_results(),
                                        params.compare.tolerance.model_dump())
    print(format_report(verdicts, skipped, rev))
    return 0 if all(v.ok for v in verdicts) else 1
