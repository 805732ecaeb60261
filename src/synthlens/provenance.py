"""What a metrics file was computed from: code version, the params it used and their hash,
packages, encoders, device."""
from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from importlib import metadata

from .config import Params

PACKAGES = ("torch", "transformers", "datasets", "mauve-text", "dvc", "numpy", "synthlens")


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5)
        commit = out.stdout.strip() if out.returncode == 0 else "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return commit + ("+dirty" if dirty and commit != "unknown" else "")
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def params_hash(used: dict) -> str:
    """sha256 of the params this result depends on, canonical JSON."""
    return hashlib.sha256(json.dumps(used, sort_keys=True, default=str).encode()).hexdigest()[:16]


def record(used_params: dict, models: dict[str, str | None], device: str) -> dict:
    """Provenance of a result; device says where its models really ran (device.describe)."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"git_commit": git_commit(), "params_sha256": params_hash(used_params),
            "packages": versions, "models": models, "device": device,
            "python": platform.python_version()}


def used_params(params: Params, domain: str, model: str | None = None,
                decoding: str | None = None) -> dict:
    """The params a metrics file depends on (the synthetic ones with model and decoding)."""
    used = {"seed": params.seed, "domain": params.domain(domain).model_dump(),
            "featurizer": params.featurizer.model_dump(),
            "classifier": params.classifier.model_dump(), "evaluate": params.evaluate.model_dump(),
            "analyses": params.analyses.model_dump(),
            "learning_curve": params.learning_curve.model_dump()}
    if model:
        used.update(model=params.model(model).model_dump(), generate=params.generate.model_dump(),
                    decoding=params.decoding(decoding).model_dump(),
                    prompt=params.prompts[params.model(model).prompt])
    return used


def encoder_ids(params: Params) -> dict:
    """The featurizer and classifier backbone as name@revision."""
    return {"featurizer": f"{params.featurizer.name}@{params.featurizer.revision or 'default'}",
            "classifier": f"{params.classifier.backbone.name}@"
                          f"{params.classifier.backbone.revision or 'default'}"}
