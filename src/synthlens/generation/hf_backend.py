"""The hf backend: a generator run with transformers on the run's device (bf16 on a GPU, fp32
on the CPU), sampled by sampling.sample with one seed per sample, in batches that fit memory.

Memory on a GPU: the KV cache is a StaticCache there (allocated once per batch for prompt +
max_new_tokens, written in place; transformers' DynamicCache concatenates every step, so a
batch of 256 few-shot rows of a 7B model peaked near 80 GB). A batch that still runs out of
memory is split in halves and the halves are run again, and the backend remembers the token
budget (rows x (longest prompt + max_new_tokens)) that failed, so later batches start below
it. Samples are batch-independent by design (sampling.PerRowUniform), so a split changes no
sample. On the CPU: fp32, the dynamic cache and decode_loop (rows with the same prompt share
one prefill of it, and a row leaves the batch the step it ends), the same token ids.
"""
from __future__ import annotations

import logging

from ..config import DecodingSpec, ModelSpec, Params
from ..device import choose, describe
from ..hub import missing_hint
from .backend_api import Backend
from .location import check_local, generator_location, local_revision
from .prompts import model_input, prompt_token_ids
from .sampling import Completion, Request, sample

log = logging.getLogger(__name__)


def batch_tokens(lengths: list[int], max_new_tokens: int) -> int:
    """The KV-cache positions a batch holds at its end: rows x (longest prompt + new tokens)."""
    return len(lengths) * (max(lengths) + max_new_tokens) if lengths else 0


def rows_within(lengths: list[int], max_new_tokens: int, budget: int | None) -> int:
    """How many of the first rows fit `budget` KV positions (all without a budget; at least 1)."""
    if budget is None:
        return len(lengths)
    rows, longest = 0, 0
    for n in lengths:
        longest = max(longest, n)
        if (rows + 1) * (longest + max_new_tokens) > budget:
            break
        rows += 1
    return max(1, rows)


class HFBackend(Backend):
    """transformers in-process; holds `model` and `tok`, so the contamination probe can score."""

    can_probe = True  # model and tok: stages/generate.py run_probe scores with them

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
        # the static cache is for GPU memory; the CPU's dynamic one drops ended rows
        self.cache = "static" if cuda else "dynamic"
        self.token_budget: int | None = None  # KV positions per batch; set by an OOM

    def model_input(self, prompt: str) -> str:
        return model_input(self.tok, self.spec, prompt)

    def complete(self, requests: list[Request], decoding: DecodingSpec | list[DecodingSpec],
                 max_new_tokens: int) -> list[Completion]:
        # sort by input length so a batch pads little; results go back in request order
        order = sorted(range(len(requests)), key=lambda i: len(requests[i].text))
        if isinstance(decoding, list):
            decoding = [decoding[i] for i in order]
        done = self.sample_fitting([requests[i] for i in order], decoding, max_new_tokens)
        out: list[Completion | None] = [None] * len(requests)
        for i, one in zip(order, done):
            out[i] = one
        return out

    def complete_mixed(self, requests: list[Request], decodings: list[DecodingSpec],
                       max_new_tokens: int) -> list[Completion]:
        """The CPU's dynamic cache samples every decoding in one batch (sampling.per_row_pick:
        each row as its decoding alone); the static cache, one batch per decoding."""
        if self.cache != "dynamic":
            return super().complete_mixed(requests, decodings, max_new_tokens)
        return self.complete(requests, list(decodings), max_new_tokens)

    def sample_fitting(self, requests: list[Request], decoding: DecodingSpec | list[DecodingSpec],
                       max_new_tokens: int) -> list[Completion]:
        """sampling.sample over `requests` in batches within self.token_budget; a batch that
        runs out of memory halves the budget below its own size and is run again in parts.
        decoding: one, or one per request."""
        import torch

        lengths = [len(prompt_token_ids(self.tok, r.text)) for r in requests]
        done: list[Completion] = []
        while len(done) < len(requests):
            start = len(done)
            rows = rows_within(lengths[start:], max_new_tokens, self.token_budget)
            try:
                part = (decoding[start:start + rows] if isinstance(decoding, list)
                        else decoding)
                done.extend(sample(self.model, self.tok, requests[start:start + rows], part,
                                   max_new_tokens, self.cleaning, cache=self.cache))
                continue
            except torch.OutOfMemoryError:
                if rows == 1:
                    raise torch.OutOfMemoryError(
                        f"one request alone ({lengths[start]} prompt tokens + {max_new_tokens} "
                        "new) does not fit in GPU memory: lower generate.max_new_tokens or the "
                        "shots, or use a larger GPU") from None
            # out of the except block: the failed batch's tensors are free to go
            tokens = batch_tokens(lengths[start:start + rows], max_new_tokens)
            self.token_budget = tokens // 2
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            log.warning("generate: out of memory at %d rows (%d KV positions); retrying in "
                        "smaller batches of at most %d positions (the samples do not change)",
                        rows, tokens, self.token_budget)
        return done
