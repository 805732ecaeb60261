"""`validate`'s preflight: what a profile needs from outside, checked before the first stage, so
a missing key, a retired model, an empty account or a locked hub repo fails in the first
minutes instead of hours into the run.

- API models (source api) of the grid: the key is set where the endpoint needs one, and one
  1-token request answers (a bad key, a retired model and no quota fail here).
- Hub models and datasets of the grid, featurizer and classifier: online, the hub grants access
  (gated repos need an accepted licence and a token) and the disk under the HF cache holds the
  files not cached yet; offline (the Makefile's default), every hub model is in the HF cache,
  checked without a network call. Offline, hub datasets are left to the prepare stage, the first
  stage, which reports a missing one in seconds (the datasets cache has no cheap lookup).
- A profile without API models and hub repos (mini) makes no network call and no hub import.
"""
from __future__ import annotations

import dataclasses
import fnmatch
import os
import shutil
from pathlib import Path

from ..config import Params
from ..hub import MissingResource, is_offline
from .download import ACCESS_ADVICE, MODEL_FILES, access_denied, needs

PROBE_TIMEOUT_S = 30.0      # one request of the preflight, and ...
PROBE_BUDGET_S = 60.0       # ... how long it may retry (a 429 or 5xx at validate time)
HUB_TIMEOUT_S = 10.0
DISK_MARGIN = 1.1           # free space wanted: the files to fetch plus 10 %


class PreflightError(MissingResource):
    """Something the run needs from outside is missing; the message says what and how to fix
    (a MissingResource: the CLI prints it and exits 2)."""


def api_models(params: Params) -> list[str]:
    return [m for m in params.grid.models if params.model(m).source == "api"]


def order_note(params: Params) -> str | None:
    """A note when an API model comes after a local one in grid.models: dvc repro runs the
    generate stages in that order, so such a model is first contacted hours into the run."""
    kinds = [params.model(m).source == "api" for m in params.grid.models]
    if any(kinds) and kinds != sorted(kinds, reverse=True):
        late = [m for m, api in zip(params.grid.models, kinds) if api]
        return (f"note: API models {late} come after local models in grid.models; dvc repro "
                f"runs generate in grid order, so list them first to use them minutes, not "
                f"hours, into the run")
    return None


def check_api_model(params: Params, name: str) -> str:
    """One 1-token request to the model; returns a line for the user, raises PreflightError."""
    from ..generation.api_client import BackendError
    from ..generation.openai_backend import config_of, generate_choices

    spec = params.model(name)
    api = spec.api
    key_set = bool(os.environ.get(api.api_key_env))
    if not key_set and "api.openai.com" in api.base_url:
        raise PreflightError(f"models.{name}: no API key: set ${api.api_key_env}")
    endpoint = "chat" if spec.family == "instruct" else "completion"
    config = dataclasses.replace(
        config_of(api, endpoint), max_concurrency=1, timeout_s=min(api.timeout_s, PROBE_TIMEOUT_S),
        retry_budget_s=min(api.retry_budget_s, PROBE_BUDGET_S))
    try:
        generate_choices(config, ["Say OK."], [0], 1.0, 1.0, 1)
    except BackendError as e:
        if str(e).startswith("HTTP 429") and "quota" not in str(e):
            return f"{name}: {api.model} at {api.base_url}: rate-limited right now ({e})"
        raise PreflightError(f"models.{name} ({api.model} at {api.base_url}): {e}") from None
    key = f"key from ${api.api_key_env}" if key_set else "no key"
    return f"{name}: {api.model} at {api.base_url} answered ({key})"


def hub_cache_dir() -> Path:
    """Where huggingface_hub keeps models, read from the environment now (its constants are read
    at import)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    home = os.environ.get("HF_HOME") or Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")) / \
        "huggingface"
    return Path(home).expanduser() / "hub"


def _free_bytes(path: Path) -> int:
    while not path.exists():
        path = path.parent
    return shutil.disk_usage(path).free


def _cached_model(repo: str, revision: str | None, cache: Path) -> bool:
    from huggingface_hub import snapshot_download

    try:
        snapshot_download(repo, revision=revision, allow_patterns=MODEL_FILES, cache_dir=cache,
                          local_files_only=True)
        return True
    except Exception:  # noqa: BLE001 - any failure here means "not in the cache"
        return False


def _remote_files(api, kind: str, repo: str, revision: str | None, config: str | None):
    """(name, size) of the files the run would fetch."""
    if kind == "model":
        info = api.model_info(repo, revision=revision, files_metadata=True, timeout=HUB_TIMEOUT_S)
        files = [s for s in info.siblings or []
                 if any(fnmatch.fnmatch(s.rfilename, p) for p in MODEL_FILES)]
    else:
        info = api.dataset_info(repo, revision=revision, files_metadata=True,
                                timeout=HUB_TIMEOUT_S)
        files = [s for s in info.siblings or []
                 if not config or s.rfilename.startswith(f"{config}/") or "/" not in s.rfilename]
    return [(s.rfilename, s.size or 0) for s in files]


def check_hub(params: Params) -> tuple[list[str], list[str]]:
    """(lines, problems) for every hub repo of the profile."""
    items = needs(params)
    if not items:
        return [], []
    cache = hub_cache_dir()
    lines, problems = [], []
    if is_offline():
        for kind, repo, revision, _ in items:
            if kind != "model":
                continue
            if _cached_model(repo, revision, cache):
                lines.append(f"{repo}: in the HF cache")
            else:
                problems.append(f"model '{repo}' is not in the HF cache ({cache}) and offline "
                                f"mode is on: on a machine with network run `make download "
                                f"PROFILE=<profile>` to fill it")
        return lines, problems
    from huggingface_hub import HfApi, try_to_load_from_cache
    from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

    api = HfApi(endpoint=os.environ.get("HF_ENDPOINT") or None)
    to_fetch = 0
    for kind, repo, revision, config in items:
        try:
            files = _remote_files(api, kind, repo, revision, config)
        except Exception as e:  # noqa: BLE001 - sorted into messages below
            if access_denied(e):
                problems.append(f"{kind} '{repo}': access denied (gated, private or misspelt): "
                                f"{ACCESS_ADVICE}")
            elif isinstance(e, (RepositoryNotFoundError, RevisionNotFoundError)):
                problems.append(f"{kind} '{repo}' (revision {revision or 'main'}) does not exist "
                                f"on the hub")
            else:  # the rest would wait for the same timeout: one message says it all
                first = (str(e).splitlines() or [""])[0][:200]
                problems.append(f"the hub could not be reached for {kind} '{repo}' "
                                f"({type(e).__name__}: {first}); the other "
                                f"{len(items) - 1} hub repos were not checked. No network? Set "
                                f"HF_HUB_OFFLINE=1 (the Makefile's default) to run from the HF "
                                f"cache, after `make download` on a machine with network")
                return lines, problems
            continue
        repo_type = "model" if kind == "model" else "dataset"
        missing = sum(size for name, size in files if not isinstance(try_to_load_from_cache(
            repo, name, cache_dir=cache, revision=revision, repo_type=repo_type), str))
        to_fetch += missing
        lines.append(f"{kind} {repo}: access OK, {missing / 1e9:.2f} GB to fetch")
    free = _free_bytes(cache)
    if to_fetch * DISK_MARGIN > free:
        problems.append(f"not enough disk for the hub files: {to_fetch / 1e9:.1f} GB to fetch "
                        f"(+10 %), {free / 1e9:.1f} GB free under {cache}; free space or point "
                        f"HF_HOME elsewhere")
    elif to_fetch:
        lines.append(f"disk: {to_fetch / 1e9:.1f} GB to fetch, {free / 1e9:.1f} GB free under "
                     f"{cache}")
    return lines, problems


def run(params: Params, skip_api: bool = False) -> list[str]:
    """Print what was checked; raise PreflightError naming every problem found."""
    lines, problems = check_hub(params)
    for name in [] if skip_api else api_models(params):
        try:
            lines.append(check_api_model(params, name))
        except PreflightError as e:
            problems.append(str(e))
    note = order_note(params)
    for line in lines + ([note] if note else []):
        print(f"  {line}")
    if not lines and not problems:
        print("  nothing outside to check: no API models, no hub repos")
    if problems:
        raise PreflightError("preflight failed:\n  " + "\n  ".join(problems))
    return lines
