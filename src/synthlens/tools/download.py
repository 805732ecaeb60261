"""make download: fetch every hub model and dataset a profile needs into the HF cache
(HF_HOME), so the profile then runs with the offline variables set."""
from __future__ import annotations

import logging

from ..config import Params
from ..hub import MissingResource, is_offline

log = logging.getLogger(__name__)

# weights, configs and tokenizers; not the duplicate formats some repos also carry
MODEL_FILES = ["*.json", "*.safetensors", "*.model", "*.txt", "*.jinja", "tokenizer*"]

ACCESS_ADVICE = ("accept its licence on the model's page on the Hugging Face hub (logged in), "
                 "then `export HF_TOKEN=<a read token>` or run `hf auth login` "
                 "(`huggingface-cli login` before huggingface_hub 1.0)")


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


def generator_weights_gb(params: Params) -> float:
    """Estimated disk of the grid's hub generators: 2 bytes a parameter (bf16/fp16
    safetensors) x each model's size_b (dry_run.default_size_b without one), every hub repo
    counted once (a few-shot variant shares its model's weights). An estimate: the real files
    differ by a few percent (llama-7b has 6.7B parameters, Qwen2.5-7B 7.6B)."""
    sizes = {}
    for name in params.grid.models:
        m = params.model(name)
        if m.source == "hub":
            sizes[(m.path, m.revision)] = m.size_b or params.dry_run.default_size_b
    return 2.0 * sum(sizes.values())


def gated_repos(params: Params) -> list[str]:
    """Hub ids of the grid's models marked gated: true, in grid order, each once."""
    return list(dict.fromkeys(params.model(n).path for n in params.grid.models
                              if params.model(n).source == "hub" and params.model(n).gated))


def access_denied(e: BaseException) -> bool:
    """True when the hub refused access: a gated repo, or HTTP 401/403 anywhere in the chain
    (datasets wraps huggingface_hub's GatedRepoError in its own DatasetNotFoundError)."""
    from huggingface_hub.errors import GatedRepoError, HfHubHTTPError

    seen = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, GatedRepoError):
            return True
        if isinstance(e, HfHubHTTPError):
            status = getattr(getattr(e, "response", None), "status_code", None)
            if status in (401, 403):
                return True
        e = e.__cause__ or e.__context__
    return False


def _fetch(params: Params, kind: str, repo: str, revision: str | None,
           config: str | None) -> dict:
    import datasets
    from huggingface_hub import snapshot_download

    if kind == "model":
        path = snapshot_download(repo, revision=revision, allow_patterns=MODEL_FILES)
        return {"kind": kind, "id": repo, "path": path}
    users = [(n, params.domain(n)) for n in params.grid.domains
             if params.domain(n).source == "hub" and params.domain(n).path == repo
             and (params.domain(n).revision, params.domain(n).config_name) == (revision, config)]
    splits = {}
    for name, spec in users:
        if spec.streaming:  # the rows the prepare stage reads back offline (domains/streamed.py)
            from ..domains.streamed import load_streamed

            splits.update({k: len(v) for k, v in load_streamed(spec, name, params.seed).items()})
    if not all(spec.streaming for _, spec in users):
        ds = datasets.load_dataset(repo, config, revision=revision)
        splits.update({k: len(v) for k, v in ds.items()})
    return {"kind": kind, "id": repo, "splits": splits}


def run(params: Params, list_only: bool = False) -> list[dict]:
    items = needs(params)
    gated = gated_repos(params)
    if list_only or not items:
        for kind, repo, revision, config in items:
            print(f"{kind:8} {repo}" + (f"@{revision}" if revision else "") +
                  (f" ({config})" if config else "") + (" (gated)" if repo in gated else ""))
        if not items:
            print(f"profile {params.profile} needs nothing from the hub")
        elif generator_weights_gb(params):
            print(f"about {generator_weights_gb(params):.0f} GB of generator weights (estimated: "
                  "2 bytes a parameter x size_b), plus the encoders and the datasets")
        return []
    if is_offline():
        raise MissingResource("download needs the network, but an offline variable "
                              "(HF_HUB_OFFLINE / HF_DATASETS_OFFLINE / TRANSFORMERS_OFFLINE) is "
                              "set: run `make download`, which clears them")
    if gated:
        from huggingface_hub import get_token

        token = "a token is set" if get_token() else "NO token is set yet"
        print(f"Gated on the hub ({len(gated)}): {', '.join(gated)}.\n"
              f"For each: {ACCESS_ADVICE} ({token}).\n", flush=True)
    got, failed = [], []
    for i, (kind, repo, revision, config) in enumerate(items, 1):
        print(f"[{i}/{len(items)}] {kind} {repo}", flush=True)
        try:
            got.append(_fetch(params, kind, repo, revision, config))
        except Exception as e:  # one failure must not cost the other downloads
            failed.append(repo)
            if access_denied(e):
                print(f"  FAILED {repo}: access denied (gated, private or misspelt): "
                      f"{ACCESS_ADVICE}", flush=True)
            else:
                first = (str(e).splitlines() or [""])[0][:300]
                print(f"  FAILED {repo}: {type(e).__name__}: {first}", flush=True)
    if got:
        print("\nDownloaded into the HF cache:")
        for g in got:
            print(f"  {g['kind']:8} {g['id']}: {g.get('path') or g.get('splits')}")
    if failed:
        raise MissingResource(f"{len(failed)} of {len(items)} downloads failed: "
                              f"{', '.join(failed)} (see the lines above)")
    print("Now run with the offline variables set (the Makefile sets them): make reproduce")
    return got
