"""make download: fetch every hub model and dataset a profile needs into the HF cache
(HF_HOME), so the profile then runs with the offline variables set."""
from __future__ import annotations

import logging

from ..config import Params
from ..hub import MissingResource, is_offline

log = logging.getLogger(__name__)

# weights, configs and tokenizers; not the duplicate formats some repos also carry
MODEL_FILES = ["*.json", "*.safetensors", "*.model", "*.txt", "*.jinja", "tokenizer*"]


def needs(params: Params) -> list[tuple[str, str, str | None, str | None]]:
    """(kind, hub id, revision, config name) of everything the grid loads from the hub."""
    items = []
    for name in params.grid.domains:
        d = params.domain(name)
        if d.source == "hub":
            items.append(("dataset", d.path, d.revision, d.config_name))
    for name in params.grid.models:
        m = params.model(name)
        if m.source == "hub":
            items.append(("model", m.path, m.revision, None))
    for enc in (params.featurizer, params.classifier.backbone):
        if enc.source == "hub":
            items.append(("model", enc.name, enc.revision, None))
    return list(dict.fromkeys(items))


def run(params: Params, list_only: bool = False) -> list[dict]:
    items = needs(params)
    if list_only or not items:
        for kind, repo, revision, config in items:
            print(f"{kind:8} {repo}" + (f"@{revision}" if revision else "") +
                  (f" ({config})" if config else ""))
        if not items:
            print(f"profile {params.profile} needs nothing from the hub")
        return []
    if is_offline():
        raise MissingResource("download needs the network, but an offline variable "
                              "(HF_HUB_OFFLINE / HF_DATASETS_OFFLINE / TRANSFORMERS_OFFLINE) is "
                              "set: run `make download`, which clears them")
    import datasets
    from huggingface_hub import snapshot_download

    got = []
    for i, (kind, repo, revision, config) in enumerate(items, 1):
        print(f"[{i}/{len(items)}] {kind} {repo}", flush=True)
        if kind == "model":
            path = snapshot_download(repo, revision=revision, allow_patterns=MODEL_FILES)
            got.append({"kind": kind, "id": repo, "path": path})
        else:
            ds = datasets.load_dataset(repo, config, revision=revision)
            got.append({"kind": kind, "id": repo,
                        "splits": {k: len(v) for k, v in ds.items()}})
    print("\nDownloaded into the HF cache:")
    for g in got:
        print(f"  {g['kind']:8} {g['id']}: {g.get('path') or g.get('splits')}")
    print("Now run with the offline variables set (the Makefile sets them): make reproduce")
    return got
