"""Where a generator loads from: the pipeline's own directories (trained or converted), a hub
id or local directory, or an API endpoint; and a stand-in revision for local weights."""
from __future__ import annotations

from pathlib import Path

from ..config import Params
from ..layout import generator_dir


def generator_location(params: Params, model_name: str, domain: str) -> tuple[str, str | None]:
    """(path or hub id, revision) to load a generator from."""
    spec = params.model(model_name)
    if spec.source == "pipeline":
        return str(generator_dir(model_name) / domain), None
    if spec.source == "gguf":
        return str(generator_dir(model_name) / "weights"), None
    if spec.source == "api":
        return spec.api.base_url, spec.api.model
    return spec.path, spec.revision


def check_local(params: Params, model_name: str, path: str) -> None:
    source = params.model(model_name).source
    if source in ("pipeline", "gguf", "local") and not Path(path).is_dir():
        stage = {"pipeline": "train_generator", "gguf": "convert_generator"}.get(source)
        hint = f"run `dvc repro {stage}` first" if stage else f"check models.{model_name}.path"
        raise FileNotFoundError(f"generator '{model_name}' not found at {path}: {hint}")


def local_revision(path: str) -> str:
    """Short hash of a local model's file names and sizes, a stand-in for a hub revision."""
    import hashlib

    h = hashlib.sha256()
    for f in sorted(Path(path).glob("*")):
        if f.is_file():
            h.update(f"{f.name}:{f.stat().st_size}".encode())
    return "local-" + h.hexdigest()[:12]
