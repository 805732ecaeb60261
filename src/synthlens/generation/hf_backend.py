"""The hf backend: a generator run with transformers on the run's device (bf16 on a GPU, fp32
on the CPU), sampled by sampling.sample with one seed per sample."""
from __future__ import annotations

from ..config import DecodingSpec, ModelSpec, Params
from ..device import choose, describe
from ..hub import missing_hint
from .location import check_local, generator_location, local_revision
from .prompts import model_input
from .sampling import Completion, Request, sample


class HFBackend:
    def __init__(self, params: Params, model_name: str, domain: str, device=None):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.spec: ModelSpec = params.model(model_name)
        self.cleaning = params.generate.cleaning
        path, revision = generator_location(params, model_name, domain)
        check_local(params, model_name, path)
        device = device or choose(params.require_gpu)
        cuda = device.type == "cuda"
        try:
            self.tok = AutoTokenizer.from_pretrained(path, revision=revision)
            self.model = AutoModelForCausalLM.from_pretrained(
                path, revision=revision, dtype=torch.bfloat16 if cuda else torch.float32,
                device_map=device).eval()
        except OSError as e:
            raise missing_hint("model", path, e) from None
        if self.tok.pad_token is None:
            self.tok.pad_token = self.tok.eos_token
        self.path = path
        self.revision = revision or local_revision(path)
        self.device = f"{describe(device)}/{'bf16' if cuda else 'fp32'}"

    def model_input(self, prompt: str) -> str:
        return model_input(self.tok, self.spec, prompt)

    def complete(self, requests: list[Request], decoding: DecodingSpec,
                 max_new_tokens: int) -> list[Completion]:
        # sort by input length so a batch pads little; results go back in request order
        order = sorted(range(len(requests)), key=lambda i: len(requests[i].text))
        done = sample(self.model, self.tok, [requests[i] for i in order], decoding,
                      max_new_tokens, self.cleaning)
        out: list[Completion | None] = [None] * len(requests)
        for i, one in zip(order, done):
            out[i] = one
        return out
