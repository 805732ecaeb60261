"""Sampling from a generator (transformers): per-sample seeds, batching.

Every sample owns a seed from (generate.seed, domain, label, index). We sample by the
Gumbel-max trick inside a LogitsProcessor: temperature and top-p warp the logits, each row adds
Gumbel noise that is a function of (its seed, step, token id) alone, and greedy search picks
the argmax, which is an exact draw from the warped distribution. So a sample does not depend
on which batch it landed in, and transformers' generate() keeps handling caches and padding.
The noise comes from a counter-based hash computed with integer tensor ops on the model's
device, so one step draws the whole batch's noise at once.
The seed ignores model and temperature on purpose: every cell of the grid sees the same
noise (common random numbers), which makes curves over temperature smoother.

Every backend returns a Completion per request: the cleaned text, the raw decoded
continuation, and whether max_new_tokens cut it off; sample_flags turns one into the flags a
dataset row carries.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from ..config import CleaningSpec, DecodingSpec
from .prompts import clean_output, prompt_token_ids


def sample_seed(base_seed: int, domain: str, label: int, index: int) -> int:
    return zlib.crc32(f"{base_seed}/{domain}/{label}/{index}".encode()) & 0x7FFFFFFF


MASK32 = 0xFFFFFFFF


def hash32(x):
    """A well-mixed 32-bit integer hash, elementwise on int64 tensors holding 32-bit values
    (C. Wellons' hash-prospector, [16 21f0aaad 15 735a2d97 15]). Both multipliers are below
    2**31, so no product leaves int64."""
    x = x ^ (x >> 16)
    x.mul_(0x21F0AAAD).bitwise_and_(MASK32)
    x.bitwise_xor_(x >> 15)
    x.mul_(0x735A2D97).bitwise_and_(MASK32)
    return x.bitwise_xor_(x >> 15)


class PerRowGumbel:
    """LogitsProcessor adding Gumbel noise that depends on (row seed, step, token id) only:
    uniforms from hash32 of the three (23 bits, exact in float32, strictly inside (0, 1)),
    for the whole batch in one pass on `device`. The step counts this object's calls, so
    every generate() call needs a new one."""

    def __init__(self, seeds: list[int], device):
        import torch

        # odd offsets keep 0 from hashing to 0 (the hash's one fixed point)
        seeds = torch.tensor(seeds, dtype=torch.int64, device=device)
        self.rows = hash32((seeds + 0x9E3779B9) & MASK32)
        self.tokens = None
        self.step = 0

    def __call__(self, input_ids, scores):
        import torch

        vocab = scores.shape[-1]
        if self.tokens is None or self.tokens.numel() != vocab:
            ids = torch.arange(vocab, dtype=torch.int64, device=self.rows.device)
            self.tokens = hash32((ids + 1) * 0x9E3779B1 & MASK32)
        row_step = hash32((self.rows + (self.step + 1) * 0x632BE5AB) & MASK32)
        self.step += 1
        bits = hash32(row_step[:, None] ^ self.tokens[None, :]) >> 9
        uniform = (bits.to(torch.float32) + 0.5) / float(1 << 23)
        gumbel = -torch.log(-torch.log(uniform))
        return scores + gumbel.to(scores.device, scores.dtype)


class TopP:
    """Top-p (nucleus) filtering with transformers' TopPLogitsWarper's rule (a token stays while
    the probability mass before it, most probable first, is below top_p; the first always
    stays), found among the `k` most probable tokens instead of sorting the whole vocabulary
    every step (a full sort of 49k-152k logits per row dominated a CPU step). A row whose
    nucleus is larger than k falls back to the full sort; each row's path depends on its own
    logits only, so a sample stays independent of its batch."""

    def __init__(self, top_p: float, k: int = 1024):
        self.top_p, self.k = top_p, k

    def __call__(self, input_ids, scores):
        import torch

        k = min(self.k, scores.shape[-1])
        probs = scores.float().softmax(-1)
        top, idx = probs.topk(k, dim=-1)
        before = top.cumsum(-1) - top
        keep = before < self.top_p
        keep[:, 0] = True
        out = torch.full_like(scores, float("-inf"))
        out.scatter_(-1, idx, scores.gather(-1, idx).masked_fill(~keep, float("-inf")))
        wide = (before[:, -1] + top[:, -1]) < self.top_p  # nucleus beyond the k tokens
        if bool(wide.any()):
            full, order = probs[wide].sort(-1, descending=True)
            drop = (full.cumsum(-1) - full) >= self.top_p
            drop[:, 0] = False
            rows = scores[wide].clone()
            rows.scatter_(-1, order, rows.gather(-1, order).masked_fill(drop, float("-inf")))
            out[wide] = rows
        return out


def neutral_generation_config(model, tok):
    """Only what params say shapes a sample: transformers fills every knob a generate() call
    leaves unset from the model's generation_config.json (Qwen2.5-Instruct's adds
    repetition_penalty 1.05, others top_k or no_repeat_ngram_size), so the model's own is
    replaced by an empty one that keeps just its stop tokens (EOS of the config and of the
    tokenizer: chat models end turns with their own token)."""
    from transformers import GenerationConfig

    stop = model.generation_config.eos_token_id
    stop = list(stop) if isinstance(stop, (list, tuple)) else [] if stop is None else [stop]
    if tok.eos_token_id is not None and tok.eos_token_id not in stop:
        stop.append(tok.eos_token_id)
    return GenerationConfig(eos_token_id=stop or None, pad_token_id=tok.pad_token_id,
                            bos_token_id=model.generation_config.bos_token_id)


@dataclass(frozen=True)
class Request:
    text: str          # the model input, chat template applied
    seed: int


@dataclass(frozen=True)
class Completion:
    text: str          # cleaned (prompts.clean_output)
    raw: str           # decoded continuation, cut before a stop string, otherwise uncleaned
    cut_off: bool      # stopped by max_new_tokens, not by EOS or a stop string


def completion(raw: str, cut_off: bool, rules: CleaningSpec) -> Completion:
    return Completion(clean_output(raw, rules), raw, cut_off)


def cut_at_stop(text: str, stop_strings: list[str]) -> tuple[str, bool]:
    """The text before the first stop string in it, and whether one was found."""
    hits = [i for i in (text.find(s) for s in stop_strings) if i >= 0]
    return (text[:min(hits)], True) if hits else (text, False)


def sample_flags(done: Completion, rules: CleaningSpec) -> dict:
    """empty: nothing left after cleaning; refused: the raw text matches a refusal rule;
    cut_off: max_new_tokens ended it."""
    return {"empty": not done.text, "cut_off": done.cut_off,
            "refused": any(re.search(r, done.raw, re.IGNORECASE) for r in rules.refusals)}


def shared_prefill(model, input_ids, attention_mask):
    """A DynamicCache of every row's prompt minus its last token, each distinct (ids, mask) row
    run through the model once and its keys/values copied to the rows that share it; None when
    no two rows share a prompt (or a prompt is one token). generate() given it with the full
    input_ids and attention_mask runs only the last prompt token and the new ones. Positions
    follow generate's own rule (cumsum of the mask, 0 on padding)."""
    import torch
    from transformers import DynamicCache

    if input_ids.shape[1] < 2:
        return None
    keys = torch.cat([input_ids, attention_mask.to(input_ids.dtype)], dim=1)
    distinct, inverse = torch.unique(keys, dim=0, return_inverse=True)
    if len(distinct) == len(keys):
        return None
    first = torch.full((len(distinct),), len(keys), dtype=torch.long, device=keys.device)
    first.scatter_reduce_(0, inverse, torch.arange(len(keys), device=keys.device), "amin")
    ids, mask = input_ids[first, :-1], attention_mask[first, :-1]
    positions = (mask.long().cumsum(-1) - 1).masked_fill(mask == 0, 0)
    past = DynamicCache(config=model.config)
    model(input_ids=ids, attention_mask=mask, position_ids=positions, past_key_values=past,
          use_cache=True, logits_to_keep=1)
    past.batch_select_indices(inverse)
    return past


def sample(model, tok, requests: list[Request], decoding: DecodingSpec,
           max_new_tokens: int, rules: CleaningSpec | None = None,
           cache: str = "dynamic", share_prefill: bool = False) -> list[Completion]:
    """One completion per request, in order. The model sees prompts.prompt_token_ids (left
    padded); it stops at EOS (model's and tokenizer's) and at rules.stop_strings.

    cache: "dynamic" (transformers' default DynamicCache: it grows by concatenation, so every
    step copies the whole cache; the CPU path, unchanged) or "static": one StaticCache
    allocated up front for rows x (prompt + max_new_tokens) positions and written in place, so
    memory is known at the first step (an out-of-memory error comes at once, not after most
    of the batch) and no step reallocates. The static cache attends over its full length
    with the unused positions masked, which moves logits by float rounding only (about 1e-7
    in fp32); torch.compile stays off (batch shapes vary, each would recompile).

    share_prefill (dynamic cache only; the static one ignores it): rows with the same prompt
    share one prefill of it (shared_prefill); the same token ids on the CPU in fp32, checked
    on tiny models of every family (tests/test_shared_prefill.py) and on SmolLM2-135M."""
    import torch
    from transformers import GenerationConfig, LogitsProcessorList, TemperatureLogitsWarper

    if not requests:
        return []
    rules = rules or CleaningSpec()
    device = next(model.parameters()).device
    tok.padding_side = "left"
    batch = tok.pad({"input_ids": [prompt_token_ids(tok, r.text) for r in requests]},
                    padding=True, return_tensors="pt").to(device)
    processors = LogitsProcessorList()
    if decoding.temperature > 0:
        processors.append(TemperatureLogitsWarper(decoding.temperature))
        if decoding.top_p < 1.0:
            processors.append(TopP(decoding.top_p))
        processors.append(PerRowGumbel([r.seed for r in requests], device))
    model.generation_config = neutral_generation_config(model, tok)
    eos = model.generation_config.eos_token_id or []
    config = GenerationConfig(do_sample=False, num_beams=1, max_new_tokens=max_new_tokens,
                              pad_token_id=tok.pad_token_id, eos_token_id=eos,
                              stop_strings=list(rules.stop_strings) or None)
    extra = {}
    if cache == "static":
        from transformers import StaticCache

        config.disable_compile = True
        extra["past_key_values"] = StaticCache(
            config=model.config, max_cache_len=batch["input_ids"].shape[1] + max_new_tokens)
    elif cache != "dynamic":
        raise ValueError(f"cache must be 'dynamic' or 'static', not {cache!r}")
    with torch.inference_mode():
        if share_prefill and cache == "dynamic":
            past = shared_prefill(model, batch["input_ids"], batch["attention_mask"])
            if past is not None:
                extra["past_key_values"] = past
        out = model.generate(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                             generation_config=config, logits_processor=processors,
                             tokenizer=tok, **extra)
    new = out[:, batch["input_ids"].shape[1]:].tolist()
    # a row that stopped early ends in EOS, or in padding once a stop string ended it
    finished = set(eos) | {tok.pad_token_id}
    done = []
    for ids in new:
        raw, stopped = cut_at_stop(tok.decode(ids, skip_special_tokens=True), rules.stop_strings)
        cut_off = not stopped and len(ids) == max_new_tokens and not finished & set(ids)
        done.append(completion(raw, cut_off, rules))
    return done
