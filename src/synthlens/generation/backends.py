"""The registry of generation backends: BACKENDS maps the name in params'
models.<name>.backend to a factory, and load_backend builds the one a model names.

Every backend is a backend_api.Backend (the contract: path, revision, device, model_input(),
complete(), and the optional capabilities can_probe and keeps_partial). It turns prompts
(already rendered from the templates) into completions, one per request, seeded per sample,
and feeds the model prompts.prompt_token_ids (one BOS policy) where it controls tokenization:
  - hf: transformers on CPU or GPU (bf16 and device_map on GPU), see sampling.sample; the only
    one the contamination probe can score (can_probe);
  - openai: any OpenAI-compatible endpoint (OpenAI, or vLLM / TGI servers), completion
    endpoint for vanilla models and chat endpoint for instruct ones; keeps partial shards;
  - vllm: the vLLM offline engine, when installed (GPU machines).

Adding a backend (docs/extending.md; tests/dummy_backend.py is a worked one):
  1. write generation/<name>_backend.py with a class that subclasses backend_api.Backend:
     __init__(params, model_name, domain) sets path, revision and device; model_input() and
     complete() as documented there; set can_probe / keeps_partial only if it has them;
  2. register it here: BACKENDS["<name>"] = YourBackend;
  3. add "<name>" to ModelSpec.backend's Literal in config/models.py (params are checked against
     it; config/ sits below this module, so it cannot read BACKENDS without an import circle),
     with any source rule in ModelSpec._source_fields; tests/test_backend_contract.py then
     checks the registry and the Literal agree and that the class keeps the contract.
"""
from __future__ import annotations

from ..config import Params
from .backend_api import Backend, BackendFactory
from .hf_backend import HFBackend
from .openai_backend import OpenAIBackend
from .vllm_backend import VLLMBackend

BACKENDS: dict[str, BackendFactory] = {"hf": HFBackend, "openai": OpenAIBackend,
                                       "vllm": VLLMBackend}


def load_backend(params: Params, model_name: str, domain: str) -> Backend:
    """The backend models.<model_name>.backend names, loaded for `domain`'s generator."""
    name = params.model(model_name).backend
    if name not in BACKENDS:
        raise ValueError(f"models.{model_name}.backend: no backend {name!r} is registered "
                         f"(generation/backends.py BACKENDS: {', '.join(sorted(BACKENDS))})")
    return BACKENDS[name](params, model_name, domain)
