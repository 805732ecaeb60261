"""What a metrics file was computed from: code version, the params it used and their hash,
packages, encoders, device; and the hash of the code behind a cached result (code_sha256)."""
from __future__ import annotations

import hashlib
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from .config import Params
from .incremental import canonical_sha256

PACKAGES = ("torch", "transformers", "datasets", "mauve-text", "dvc", "numpy", "synthlens")
PACKAGE_DIR = Path(__file__).resolve().parent  # src/synthlens
# What "+dirty" means: the code (not the results a run rewrites) differs from the commit.
CODE_PATHS = ("src", "pyproject.toml", "requirements.lock")


def code_sha256(*parts: str) -> str:
    """sha256 over the source files of src/synthlens/<part> (a module or a whole room), path and
    content, in a fixed order. A cached result keyed by it is recomputed when that code
    changes. The parts are the code deps dvc.yaml declares for the stage (tests check both
    agree), so the stage reruns exactly when its keys change."""
    digest = hashlib.sha256()
    for part in sorted(parts):
        path = PACKAGE_DIR / part
        if not path.exists():
            raise FileNotFoundError(f"code_sha256: no {path}")
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(file.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()[:16]


def git_commit() -> str:
    """HEAD, with "+dirty" when the code (CODE_PATHS) differs from it; "unknown" without git
    (the container: code_sha256 in each result identifies the code there)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5)
        commit = out.stdout.strip() if out.returncode == 0 else "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                                *CODE_PATHS], capture_output=True, text=True,
                               timeout=5).stdout.strip()
        return commit + ("+dirty" if dirty and commit != "unknown" else "")
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def params_hash(used: dict) -> str:
    """sha256 of the params this result depends on, canonical JSON."""
    return canonical_sha256(used, 16)


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
