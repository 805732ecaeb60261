"""The decoding loop of the dynamic KV cache (the CPU path): rows that share a prompt share one
prefill of it, and rows that have ended (EOS or a stop string) leave the batch, a quarter of
the batch at a time, so few steps are spent on finished rows.

transformers' generate() keeps every row until the longest one ends: with real text (SST-2
phrases, AG News articles) half of a 64-row batch's steps went to rows that had already
ended. Samples are batch-independent by construction (sampling.PerRowUniform: a row's draw
depends on its own logits and seed), so dropping a finished row changes no other row's
tokens; tests/test_decode_loop.py checks every token id against generate() on tiny models
of each architecture. Positions follow generate()'s rule (cumulative sum of the attention
mask, 0 on padding), so a left-padded row sees what it would see alone.

The cache's plain attention layers are Reserved layers: keys and values are written into a
buffer sized for the prompt and every new token, and attention reads a view of its filled
part. transformers' DynamicLayer concatenates each step, copying the whole cache of every
layer a step: 29 % of a SmolLM2 step at 128 rows on 2 cores (torch profiler). The values
attention sees are the same, so the token ids are too (tests/test_decode_loop.py).

Each forward runs under cpu_threads.small_ops_inline: on the CPU its small elementwise ops
run on one thread, its matmuls and attention on all (no change to any number).
"""
from __future__ import annotations

from transformers.cache_utils import DynamicLayer

from .cpu_threads import small_ops_inline


class Reserved(DynamicLayer):
    """A DynamicLayer whose keys and values live in a buffer of `capacity` positions, filled
    in place; self.keys/self.values are views of the filled part. Past the capacity it grows
    (doubling), so a longer run stays correct, only slower."""

    def __init__(self, capacity: int):
        super().__init__()
        self.capacity, self.length = capacity, 0

    def update(self, key_states, value_states, *args, **kwargs):
        n = key_states.shape[-2]
        if not self.is_initialized or self.length + n > self._buffer_k.shape[-2]:
            size = max(self.capacity, 2 * (self.length + n))
            grown = []
            for old, new in ((getattr(self, "_buffer_k", None), key_states),
                             (getattr(self, "_buffer_v", None), value_states)):
                buffer = new.new_empty((*new.shape[:-2], size, new.shape[-1]))
                if self.length:
                    buffer[..., :self.length, :] = old[..., :self.length, :]
                grown.append(buffer)
            self._buffer_k, self._buffer_v = grown
            self.dtype, self.device, self.is_initialized = key_states.dtype, key_states.device, True
        self._buffer_k[..., self.length:self.length + n, :] = key_states
        self._buffer_v[..., self.length:self.length + n, :] = value_states
        self.length += n
        self.keys = self._buffer_k[..., :self.length, :]
        self.values = self._buffer_v[..., :self.length, :]
        return self.keys, self.values

    def batch_select_indices(self, indices) -> None:
        if self.length:
            self._buffer_k, self._buffer_v = self._buffer_k[indices], self._buffer_v[indices]
            self.keys = self._buffer_k[..., :self.length, :]
            self.values = self._buffer_v[..., :self.length, :]

    def crop(self, tokens_to_remove: int) -> None:
        raise NotImplementedError("decode_loop never crops its cache")

    def batch_repeat_interleave(self, repeats: int) -> None:
        raise NotImplementedError("decode_loop never repeats its cache's rows")


def reserved_cache(model, capacity: int):
    """A DynamicCache for the model whose plain attention layers are Reserved(capacity);
    sliding-window and other special layers stay as transformers makes them."""
    from transformers import DynamicCache

    past = DynamicCache(config=model.config)
    past.layers = [Reserved(capacity) if type(layer) is DynamicLayer else layer
                   for layer in past.layers]
    return past


def prefill(model, input_ids, attention_mask, max_new_tokens: int = 0):
    """(last-position logits per row, cache of every row's whole prompt, with room for
    max_new_tokens more positions): each distinct (ids, mask) row runs through the model once,
    and its logits and keys/values are copied to the rows that share it."""
    import torch

    keys = torch.cat([input_ids, attention_mask.to(input_ids.dtype)], dim=1)
    distinct, inverse = torch.unique(keys, dim=0, return_inverse=True)
    first = torch.full((len(distinct),), len(keys), dtype=torch.long, device=keys.device)
    first.scatter_reduce_(0, inverse, torch.arange(len(keys), device=keys.device), "amin")
    ids, mask = input_ids[first], attention_mask[first]
    positions = (mask.long().cumsum(-1) - 1).masked_fill(mask == 0, 0)
    past = reserved_cache(model, input_ids.shape[1] + max_new_tokens)
    with small_ops_inline(input_ids.device):
        out = model(input_ids=ids, attention_mask=mask, position_ids=positions,
                    past_key_values=past, use_cache=True, logits_to_keep=1)
    past.batch_select_indices(inverse)  # distinct rows come sorted: back to row order
    return out.logits[:, -1][inverse], past


def decode(model, tok, input_ids, attention_mask, pick, max_new_tokens: int,
           eos: list[int], stop_strings: list[str]) -> list[list[int]]:
    """The new token ids of every row, in row order: a row ends after an EOS token (kept, as
    generate() keeps it), when its decoded continuation holds a stop string, or after
    max_new_tokens. pick(logits, rows, step) gives the next token of each batch row from its
    last logits; rows are the request rows still in the batch (sampling.sample draws with
    their seeds)."""
    import torch

    rows = input_ids.shape[0]
    new: list[list[int]] = [[] for _ in range(rows)]
    live = torch.arange(rows, device=input_ids.device)  # batch position -> request row
    running = torch.ones(rows, dtype=torch.bool, device=input_ids.device)  # not ended yet
    logits, past = prefill(model, input_ids, attention_mask, max_new_tokens)
    mask = attention_mask
    position = attention_mask.long().sum(-1)             # each row's next position
    stop_ids = torch.tensor(sorted(set(eos)), dtype=torch.long, device=input_ids.device)
    for step in range(max_new_tokens):
        picked = pick(logits.float(), live, step)
        ended = torch.isin(picked, stop_ids) | ~running
        for i, (row, token) in enumerate(zip(live.tolist(), picked.tolist())):
            if not running[i]:
                continue
            new[row].append(token)
            if stop_strings and not ended[i]:
                text = tok.decode(new[row], skip_special_tokens=True)
                ended[i] = any(s in text for s in stop_strings)
        running = ~ended
        left = int(running.sum())
        if left == 0 or step == max_new_tokens - 1:
            break
        # an ended row leaves the batch once a quarter of the batch has ended: each removal
        # copies the whole cache, so it is batched; until then the row's outputs are ignored
        if len(live) - left >= max(1, len(live) // 4):
            keep = running.nonzero().squeeze(-1)
            past.batch_select_indices(keep)
            live, picked, mask, position = live[keep], picked[keep], mask[keep], position[keep]
            running = running[keep]
        mask = torch.cat([mask, mask.new_ones((len(live), 1))], dim=1)
        with small_ops_inline(input_ids.device):
            logits = model(input_ids=picked[:, None], attention_mask=mask,
                           position_ids=position[:, None], past_key_values=past,
                           use_cache=True).logits[:, -1]
        position = position + 1
    return new
