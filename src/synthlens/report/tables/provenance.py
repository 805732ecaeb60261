"""Where this run's metrics come from: the distinct environments (git commit, package versions,
device, Python) of the metrics files and every file with its environment and models, as two
tables for index.html and as provenance.md. Not in the registry: the report stage writes
provenance.md itself and the page shows the tables under "Provenance".
"""
from __future__ import annotations

import json
from collections import defaultdict

from ..rundata import RunData
from ..tabular import Table, to_markdown

ENV_KEYS = ("git_commit", "device", "python")


def _environment(p: dict) -> str:
    """The part of a provenance record shared by a whole run: code, packages, machine."""
    return json.dumps({**{k: p.get(k) for k in ENV_KEYS}, "packages": p.get("packages")},
                      sort_keys=True)


def provenance_groups(run: RunData) -> tuple[list[tuple[dict, list[str]]], list[str]]:
    """Distinct environments (git commit, packages, device, python) with their files, and the
    files that carry no provenance (metrics written before provenance was recorded)."""
    groups: dict[str, list[str]] = defaultdict(list)
    bare = []
    for path, p in run.provenance:
        if isinstance(p, dict):
            groups[_environment(p)].append(path)
        else:
            bare.append(path)
    return [(json.loads(k), v) for k, v in groups.items()], bare


def provenance_tables(run: RunData) -> list[Table]:
    """The distinct environments, and every metrics file with its environment and models."""
    envs, bare = provenance_groups(run)
    packages = sorted({k for env, _ in envs for k in (env.get("packages") or {})})
    t_env = Table("provenance_environments", "Environments (identical ones listed once)",
                  ["env", "files", "git commit", "device", "python"] + packages,
                  empty_note="no metrics file of this run records its provenance")
    index = {}
    for i, (env, files) in enumerate(envs, 1):
        index[_environment(env)] = f"E{i}"
        pk = env.get("packages") or {}
        t_env.rows.append([f"E{i}", len(files), str(env.get("git_commit")),
                           str(env.get("device")), str(env.get("python"))] +
                          [str(pk.get(k) or "—") for k in packages])
    t_env.keys = ["env", "files", "git_commit", "device", "python"] + packages
    if len(envs) > 1:
        t_env.notes.append("Warning: the metrics come from more than one environment; the "
                           "tables mix results of different code or package versions.")
    t_files = Table("provenance_files", "Metrics files",
                    ["metrics file", "env", "params sha256", "models"],
                    keys=["metrics_file", "env", "params_sha256", "models"])
    for path, p in run.provenance:
        if not isinstance(p, dict):
            t_files.rows.append([path, "—", "—", "no provenance recorded (older metrics file)"])
            continue
        models = p.get("models") or {}
        desc = "; ".join(f"{k}: {v}" for k, v in sorted(models.items()) if v)
        t_files.rows.append([path, index[_environment(p)], str(p.get("params_sha256", "—")),
                             desc or "—"])
    if bare:
        t_files.notes.append(f"{len(bare)} file(s) carry no provenance: written before "
                             "evaluate recorded it; rerun `dvc repro` to refresh them.")
    return [t_env, t_files]


def provenance_markdown(run: RunData) -> str:
    envs, _ = provenance_groups(run)
    head = ["# Provenance of this run's metrics", "",
            f"{len(run.provenance)} metrics files; {len(envs)} distinct environment(s) (git "
            "commit, package versions, device, Python). The params sha256 of a file hashes the "
            "params that file depends on, so it differs between cells by design.", ""]
    return "\n".join(head) + "\n" + "\n".join(to_markdown(t) for t in provenance_tables(run))
