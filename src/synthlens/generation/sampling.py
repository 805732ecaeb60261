"""Sampling from a generator (transformers): per-sample seeds, batching.

Every sample owns a seed from (generate.seed, domain, label, index). Temperature and top-p
warp the logits, and each row draws its token by inverse transform sampling with one uniform
that is a function of (its seed, step) alone (PerRowUniform), an exact draw from the warped
distribution. So a sample does not depend on which batch it landed in: batches can be split
on out-of-memory, and decode_loop drops rows that have ended, without changing a token.
The uniforms come from a counter-based hash computed with integer tensor ops on the model's
device, so one step draws the whole batch's at once (one uniform per row, not per token as
the Gumbel-max trick needs: on 2 CPU cores that noise took a fifth of a SmolLM2 step).
The seed ignores model and temperature on purpose: every cell of the grid sees the same
noise (common random numbers), which makes curves over temperature smoother.

Every backend returns a Completion per request: the cleaned text, the raw decoded
continuation, and whether max_new_tokens cut it off; sample_flags turns one into the flags a
dataset row carries.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field

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


class PerRowUniform:
    """LogitsProcessor drawing each row's next token by inverse transform sampling: one
    uniform per (row seed, step), from hash32 of the two (53 bits, strictly inside (0, 1)), is
    looked up in the row's cumulative softmax (summed in float64). The scores it returns are 0 at the
    drawn token and -inf elsewhere, so greedy search picks it: an exact draw from the warped
    distribution that depends on the row's own logits and seed only, never on its batch. The
    step counts this object's calls (generate() calls it once a step), so every generate() call
    needs a new one; decode_loop calls draw() with the step and the rows still running."""

    def __init__(self, seeds: list[int], device):
        import torch

        self.keys = row_keys(torch.tensor(seeds, dtype=torch.int64, device=device))
        self.step = 0

    def __call__(self, input_ids, scores):
        picked = draw(scores, self.keys, self.step)
        self.step += 1
        return one_hot_scores(scores, picked)


def row_keys(seeds):
    """Each row's hash key (odd offsets keep 0 from hashing to 0, the hash's one fixed point)."""
    return hash32((seeds + 0x9E3779B9) & MASK32)


def uniforms(keys, step: int):
    """One uniform in (0, 1) per row for this step: 53 bits from two hashes of (key, step)."""
    import torch

    a = hash32((keys + (step + 1) * 0x632BE5AB) & MASK32)
    b = hash32((a ^ 0x5BD1E995) & MASK32)
    bits = ((a >> 11) << 32) | b                  # 21 + 32 = 53 bits
    return (bits.to(torch.float64) + 0.5) / float(1 << 53)


CHUNK = 256  # tokens a block of the two-level inverse transform (draw)


def draw(scores, keys, step: int):
    """The token each row draws from softmax(scores) at this step (inverse transform: the first
    token whose cumulative probability reaches u x total), in two levels: the block (CHUNK
    tokens, summed in float32) whose cumulative sum (float64) reaches the target, then the
    token inside it (float64), so no step sums the whole vocabulary in float64 (that took a
    tenth of a SmolLM2 step on 2 cores). A token of probability 0 (score -inf) is never
    drawn: u x total > 0 lies strictly above the mass before it, and a rounding step past a
    block's last nonzero token is taken back to it."""
    import torch

    probs = scores.float().softmax(-1)
    rows, vocab = probs.shape
    if vocab % CHUNK:
        probs = torch.nn.functional.pad(probs, (0, CHUNK - vocab % CHUNK))
    blocks = probs.view(rows, -1, CHUNK)
    cdf = blocks.sum(-1).double().cumsum(-1)
    target = uniforms(keys.to(scores.device), step) * cdf[:, -1]
    block = torch.searchsorted(cdf, target[:, None]).squeeze(-1).clamp_(max=cdf.shape[1] - 1)
    before = torch.where(block > 0, cdf.gather(1, (block - 1).clamp(min=0)[:, None])[:, 0],
                         torch.zeros_like(target))
    inside = blocks[torch.arange(rows, device=probs.device), block]          # rows x CHUNK
    local = inside.double().cumsum(-1) + before[:, None]
    token = torch.searchsorted(local, target[:, None]).squeeze(-1)
    positions = torch.arange(CHUNK, device=probs.device)
    last = torch.where(inside > 0, positions, torch.full_like(positions, -1)).amax(-1)
    return block * CHUNK + torch.minimum(token, last)


def one_hot_scores(scores, picked):
    """Scores that make greedy search pick `picked`: 0 there, -inf elsewhere."""
    import torch

    out = torch.full_like(scores, float("-inf"))
    return out.scatter_(-1, picked[:, None], 0.0)


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
    # what the request used, for the per-cell ledger (None: the backend cannot tell); not part
    # of the sample, so two completions with the same text compare equal
    prompt_tokens: int | None = field(default=None, compare=False)
    output_tokens: int | None = field(default=None, compare=False)


def completion(raw: str, cut_off: bool, rules: CleaningSpec, prompt_tokens: int | None = None,
               output_tokens: int | None = None) -> Completion:
    return Completion(clean_output(raw, rules), raw, cut_off, prompt_tokens, output_tokens)


def cut_at_stop(text: str, stop_strings: list[str]) -> tuple[str, bool]:
    """The text before the first stop string in it, and whether one was found."""
    hits = [i for i in (text.find(s) for s in stop_strings) if i >= 0]
    return (text[:min(hits)], True) if hits else (text, False)


def sample_flags(done: Completion, rules: CleaningSpec) -> dict:
    """empty: nothing left after cleaning; refused: the raw text matches a refusal rule;
    cut_off: max_new_tokens ended it."""
    return {"empty": not done.text, "cut_off": done.cut_off,
            "refused": any(re.search(r, done.raw, re.IGNORECASE) for r in rules.refusals)}


def warpers(decoding: DecodingSpec) -> list:
    """Temperature, then top-p (when below 1): the logits processors a draw is made from."""
    from transformers import TemperatureLogitsWarper

    if decoding.temperature <= 0:
        return []
    out = [TemperatureLogitsWarper(decoding.temperature)]
    if decoding.top_p < 1.0:
        out.append(TopP(decoding.top_p))
    return out


def _tokens_until_end(ids: list[int], tok, eos: list[int], rules: CleaningSpec) -> int:
    """The new tokens a row of generate() (static path) computed, as decode_loop returns them:
    through its first EOS, or through the token that completed a stop string; generate()
    pads a finished row to the batch's end. A stop string, once in the decoded prefix, stays
    in every longer one, so the token that completed it is found by bisection (a few decodes
    a row, not one per token)."""
    end = next((i + 1 for i, token in enumerate(ids) if token in eos), len(ids))

    def stopped(k: int) -> bool:
        text = tok.decode(ids[:k], skip_special_tokens=True)
        return any(s in text for s in rules.stop_strings)

    if not rules.stop_strings or not stopped(end):
        return end
    low, high = 1, end  # the smallest k with stopped(k) lies in [low, high]
    while low < high:
        mid = (low + high) // 2
        low, high = (low, mid) if stopped(mid) else (mid + 1, high)
    return low


def per_row_pick(decodings: list[DecodingSpec], keys):
    """pick(logits, rows, step) for a batch whose rows have decodings of their own (the CPU
    loop batches several datasets of a model together): each row is drawn exactly as a batch
    of its decoding alone draws it, temperature divided in float32 as TemperatureLogitsWarper
    divides, top-p (TopP) only on rows below 1, greedy rows by argmax."""
    import torch

    device = keys.device
    temps = torch.tensor([d.temperature for d in decodings], dtype=torch.float32, device=device)
    top_ps = [d.top_p for d in decodings]

    def pick(logits, rows, step):
        out = logits.argmax(-1)
        sampled = (temps[rows] > 0).nonzero().squeeze(-1)
        if len(sampled):
            scores = logits[sampled] / temps[rows[sampled], None]
            for p in sorted({top_ps[r] for r in rows[sampled].tolist()} - {1.0}):
                if p < 1.0:  # each nucleus size on its own rows, as TopP(p) alone would
                    at = torch.tensor([top_ps[r] == p for r in rows[sampled].tolist()],
                                      device=device).nonzero().squeeze(-1)
                    scores[at] = TopP(p)(None, scores[at])
            out[sampled] = draw(scores, keys[rows[sampled]], step)
        return out

    return pick


def sample(model, tok, requests: list[Request], decoding: DecodingSpec | list[DecodingSpec],
           max_new_tokens: int, rules: CleaningSpec | None = None,
           cache: str = "dynamic") -> list[Completion]:
    """One completion per request, in order. The model sees prompts.prompt_token_ids (left
    padded); it stops at EOS (model's and tokenizer's) and at rules.stop_strings. Temperature
    0 is greedy search. decoding: one for the batch, or (dynamic cache) one per request:
    per_row_pick draws every row as its decoding's own batch would.

    cache: "dynamic" (the CPU path): decode_loop.decode, one prefill per distinct prompt and a
    transformers DynamicCache from which a row leaves the step it ends. "static" (the GPU
    path): transformers' generate() with one StaticCache allocated up front for rows x
    (prompt + max_new_tokens) positions and written in place, so memory is known at the first
    step (an out-of-memory error comes at once, not after most of the batch) and no step
    reallocates; finished rows stay in the batch. The static cache attends over its full
    length with the unused positions masked, which moves logits by float rounding only (about
    1e-7 in fp32); torch.compile stays off (batch shapes vary, each would recompile). Both
    paths draw with PerRowUniform and give the same token ids (tests/test_decode_loop.py)."""
    import torch
    from transformers import GenerationConfig, LogitsProcessorList, StaticCache

    from .decode_loop import decode

    if not requests:
        return []
    if cache not in ("dynamic", "static"):
        raise ValueError(f"cache must be 'dynamic' or 'static', not {cache!r}")
    rules = rules or CleaningSpec()
    device = next(model.parameters()).device
    tok.padding_side = "left"
    batch = tok.pad({"input_ids": [prompt_token_ids(tok, r.text) for r in requests]},
                    padding=True, return_tensors="pt").to(device)
    model.generation_config = neutral_generation_config(model, tok)
    eos = model.generation_config.eos_token_id or []
    eos = list(eos) if isinstance(eos, (list, tuple)) else [eos]
    seeds = [r.seed for r in requests]
    mixed = isinstance(decoding, (list, tuple))
    if mixed and all(d == decoding[0] for d in decoding):
        decoding, mixed = decoding[0], False
    if mixed and (cache != "dynamic" or len(decoding) != len(requests)):
        raise ValueError("one decoding per request needs the dynamic cache and a decoding "
                         "for every request")
    sampled = mixed or decoding.temperature > 0
    with torch.inference_mode():
        if cache == "dynamic":
            keys = row_keys(torch.tensor(seeds, device=device))
            if mixed:
                pick = per_row_pick(list(decoding), keys)
            else:
                chain = LogitsProcessorList(warpers(decoding))

                def pick(logits, rows, step):
                    scores = chain(None, logits)
                    return draw(scores, keys[rows], step) if sampled else scores.argmax(-1)

            new = decode(model, tok, batch["input_ids"], batch["attention_mask"], pick,
                         max_new_tokens, eos, list(rules.stop_strings))
        else:
            processors = LogitsProcessorList(warpers(decoding))
            if sampled:
                processors.append(PerRowUniform(seeds, device))
            config = GenerationConfig(do_sample=False, num_beams=1, max_new_tokens=max_new_tokens,
                                      pad_token_id=tok.pad_token_id, eos_token_id=eos,
                                      stop_strings=list(rules.stop_strings) or None,
                                      disable_compile=True)
            past = StaticCache(config=model.config,
                               max_cache_len=batch["input_ids"].shape[1] + max_new_tokens)
            out = model.generate(input_ids=batch["input_ids"],
                                 attention_mask=batch["attention_mask"], generation_config=config,
                                 logits_processor=processors, tokenizer=tok,
                                 past_key_values=past)
            new = out[:, batch["input_ids"].shape[1]:].tolist()
    # a row that stopped early ends in EOS, or (generate()) in padding once a stop string ended it
    finished = set(eos) | {tok.pad_token_id}
    done = []
    for ids, prompt in zip(new, batch["attention_mask"].sum(-1).tolist()):
        raw, stopped = cut_at_stop(tok.decode(ids, skip_special_tokens=True), rules.stop_strings)
        cut_off = not stopped and len(ids) == max_new_tokens and not finished & set(ids)
        used = len(ids) if cache == "dynamic" else _tokens_until_end(ids, tok, eos, rules)
        done.append(completion(raw, cut_off, rules, int(prompt), used))
    return done
