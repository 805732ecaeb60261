"""One generation interface, three backends.

A backend turns prompts (already rendered from the templates) into completions, one per
request, seeded per sample:
  - hf: transformers on CPU or GPU (bf16 and device_map on GPU), see generation.sample;
  - openai: any OpenAI-compatible endpoint (OpenAI, or vLLM / TGI servers), completion
    endpoint for vanilla models and chat endpoint for instruct ones;
  - vllm: the vLLM offline engine, when installed (GPU machines).
"""
from __future__ import annotations

import os
from pathlib import Path

from .config import DecodingSpec, ModelSpec, Params
from .generation import Request, clean_output, model_input, sample
from .hub import MissingResource, missing_hint
from .layout import generator_dir


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


def _check_local(params: Params, model_name: str, path: str) -> None:
    source = params.model(model_name).source
    if source in ("pipeline", "gguf", "local") and not Path(path).is_dir():
        stage = {"pipeline": "train_generator", "gguf": "convert_generator"}.get(source)
        hint = f"run `dvc repro {stage}` first" if stage else f"check models.{model_name}.path"
        raise FileNotFoundError(f"generator '{model_name}' not found at {path}: {hint}")


def _local_revision(path: str) -> str:
    """Short hash of a local model's file names and sizes, a stand-in for a hub revision."""
    import hashlib

    h = hashlib.sha256()
    for f in sorted(Path(path).glob("*")):
        if f.is_file():
            h.update(f"{f.name}:{f.stat().st_size}".encode())
    return "local-" + h.hexdigest()[:12]


class HFBackend:
    def __init__(self, params: Params, model_name: str, domain: str):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.spec: ModelSpec = params.model(model_name)
        path, revision = generator_location(params, model_name, domain)
        _check_local(params, model_name, path)
        cuda = torch.cuda.is_available()
        try:
            self.tok = AutoTokenizer.from_pretrained(path, revision=revision)
            self.model = AutoModelForCausalLM.from_pretrained(
                path, revision=revision, dtype=torch.bfloat16 if cuda else torch.float32,
                device_map="auto" if cuda else None).eval()
        except OSError as e:
            raise missing_hint("model", path, e) from None
        if self.tok.pad_token is None:
            self.tok.pad_token = self.tok.eos_token
        self.path = path
        self.revision = revision or _local_revision(path)
        self.device = "cuda/bf16" if cuda else "cpu/fp32"

    def model_input(self, prompt: str) -> str:
        return model_input(self.tok, self.spec, prompt)

    def complete(self, requests: list[Request], decoding: DecodingSpec,
                 max_new_tokens: int) -> list[str]:
        # sort by input length so a batch pads little; results go back in request order
        order = sorted(range(len(requests)), key=lambda i: len(requests[i].text))
        texts = sample(self.model, self.tok, [requests[i] for i in order], decoding,
                       max_new_tokens)
        out = [""] * len(requests)
        for i, text in zip(order, texts):
            out[i] = text
        return out


class OpenAIBackend:
    def __init__(self, params: Params, model_name: str, domain: str):
        from .openai_backend import OpenAIBackendConfig

        self.spec = params.model(model_name)
        api = self.spec.api
        if api.api_key_env and not os.environ.get(api.api_key_env) and \
                "api.openai.com" in api.base_url:
            raise MissingResource(f"models.{model_name}: set the API key in ${api.api_key_env}")
        self.config = OpenAIBackendConfig(
            base_url=api.base_url, model=api.model,
            endpoint="chat" if self.spec.family == "instruct" else "completion",
            api_key_env=api.api_key_env, max_concurrency=api.max_concurrency,
            timeout_s=api.timeout_s, max_retries=api.max_retries)
        self.path, self.revision, self.device = api.base_url, api.model, "api"

    def model_input(self, prompt: str) -> str:
        return prompt  # the server applies the chat template on the chat endpoint

    def complete(self, requests: list[Request], decoding: DecodingSpec,
                 max_new_tokens: int) -> list[str]:
        from .openai_backend import generate

        texts = generate(self.config, [r.text for r in requests], [r.seed for r in requests],
                         decoding.temperature, decoding.top_p, max_new_tokens)
        return [clean_output(t) for t in texts]


class VLLMBackend:
    """vLLM's offline engine; per-request seeds keep samples independent of batching."""

    def __init__(self, params: Params, model_name: str, domain: str):
        try:
            import vllm
        except ImportError:
            raise MissingResource("backend 'vllm' needs the vllm package (GPU machines: "
                                  "pip install vllm); use backend 'hf' otherwise") from None
        self.spec = params.model(model_name)
        path, revision = generator_location(params, model_name, domain)
        _check_local(params, model_name, path)
        self.llm = vllm.LLM(model=path, revision=revision, dtype="bfloat16")
        self.tok = self.llm.get_tokenizer()
        self.vllm = vllm
        self.path, self.revision, self.device = path, revision or _local_revision(path), "vllm"

    def model_input(self, prompt: str) -> str:
        return model_input(self.tok, self.spec, prompt)

    def complete(self, requests: list[Request], decoding: DecodingSpec,
                 max_new_tokens: int) -> list[str]:
        greedy = decoding.temperature == 0
        sampling = [self.vllm.SamplingParams(
            temperature=decoding.temperature, top_p=1.0 if greedy else decoding.top_p,
            max_tokens=max_new_tokens, seed=r.seed) for r in requests]
        outputs = self.llm.generate([r.text for r in requests], sampling, use_tqdm=False)
        return [clean_output(o.outputs[0].text) for o in outputs]


def describe(params: Params, model_name: str) -> None:
    """Stage describe_generator: the generator's spec and where it loads from, as the
    dependency of its generate cells (for hub and API models, nothing else is local)."""
    from .records import write_json

    spec = params.model(model_name)
    domains = params.grid.domains if spec.source == "pipeline" else [None]
    write_json(generator_dir(model_name) / "generator.json", {
        "model": model_name, **spec.model_dump(),
        "loads_from": sorted({generator_location(params, model_name, d)[0] for d in domains})})


BACKENDS = {"hf": HFBackend, "openai": OpenAIBackend, "vllm": VLLMBackend}


def load_backend(params: Params, model_name: str, domain: str):
    return BACKENDS[params.model(model_name).backend](params, model_name, domain)
