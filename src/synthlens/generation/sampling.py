"""Sampling from a generator (transformers): per-sample seeds, batching.

Every sample owns a torch.Generator seeded from (generate.seed, domain, label, index). We
sample by the Gumbel-max trick inside a LogitsProcessor: temperature and top-p warp the
logits, each row adds Gumbel noise drawn from its own generator, and greedy search picks the
argmax, which is an exact draw from the warped distribution. So a sample does not depend on
which batch it landed in, and transformers' generate() keeps handling caches and padding.
The seed ignores model and temperature on purpose: every cell of the grid sees the same
noise (common random numbers), which makes curves over temperature smoother.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

from ..config import DecodingSpec
from .prompts import clean_output


def sample_seed(base_seed: int, domain: str, label: int, index: int) -> int:
    return zlib.crc32(f"{base_seed}/{domain}/{label}/{index}".encode()) & 0x7FFFFFFF


class PerRowGumbel:
    """LogitsProcessor adding Gumbel noise from one torch.Generator per row."""

    def __init__(self, generators):
        self.generators = generators

    def __call__(self, input_ids, scores):
        import torch

        noise = torch.stack([torch.rand(scores.shape[-1], generator=g) for g in self.generators])
        gumbel = -torch.log(-torch.log(noise.clamp(1e-20, 1 - 1e-7)))
        return scores + gumbel.to(scores.device, scores.dtype)


@dataclass(frozen=True)
class Request:
    text: str          # the model input, chat template applied
    seed: int


def sample(model, tok, requests: list[Request], decoding: DecodingSpec,
           max_new_tokens: int) -> list[str]:
    """One completion per request, in order, decoded without special tokens."""
    import torch
    from transformers import (GenerationConfig, LogitsProcessorList, TemperatureLogitsWarper,
                              TopPLogitsWarper)

    if not requests:
        return []
    device = next(model.parameters()).device
    tok.padding_side = "left"
    batch = tok([r.text for r in requests], return_tensors="pt", padding=True,
                add_special_tokens=False, return_token_type_ids=False).to(device)
    processors = LogitsProcessorList()
    if decoding.temperature > 0:
        processors.append(TemperatureLogitsWarper(decoding.temperature))
        if decoding.top_p < 1.0:
            processors.append(TopPLogitsWarper(decoding.top_p))
        gens = [torch.Generator().manual_seed(r.seed) for r in requests]
        processors.append(PerRowGumbel(gens))
    config = GenerationConfig(do_sample=False, max_new_tokens=max_new_tokens,
                              pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
    with torch.inference_mode():
        out = model.generate(**batch, generation_config=config, logits_processor=processors)
    new = out[:, batch["input_ids"].shape[1]:]
    return [clean_output(t) for t in tok.batch_decode(new, skip_special_tokens=True)]
