"""One generation interface, three backends; load_backend picks the one params name.

A backend turns prompts (already rendered from the templates) into completions, one per
request, seeded per sample. It offers model_input(prompt) (the chat template applied where the
model needs it), complete(requests, decoding, max_new_tokens) -> one sampling.Completion per
request (cleaned text, raw text, cut_off) with params' generate.cleaning applied (stop strings
included), and path, revision and device for the provenance of each sample. Every backend
feeds the model prompts.prompt_token_ids (one BOS policy) where it controls tokenization:
  - hf: transformers on CPU or GPU (bf16 and device_map on GPU), see sampling.sample;
  - openai: any OpenAI-compatible endpoint (OpenAI, or vLLM / TGI servers), completion
    endpoint for vanilla models and chat endpoint for instruct ones;
  - vllm: the vLLM offline engine, when installed (GPU machines).
"""
from __future__ import annotations

from ..config import Params
from .hf_backend import HFBackend
from .openai_backend import OpenAIBackend
from .vllm_backend import VLLMBackend

BACKENDS = {"hf": HFBackend, "openai": OpenAIBackend, "vllm": VLLMBackend}


def load_backend(params: Params, model_name: str, domain: str):
    return BACKENDS[params.model(model_name).backend](params, model_name, domain)
