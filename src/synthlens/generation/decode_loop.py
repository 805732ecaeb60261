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
"""
from __future__ import annotations


def prefill(model, input_ids, attention_mask):
    """(last-position logits per row, DynamicCache of every row's whole prompt): each distinct
    (ids, mask) row runs through the model once, and its logits and keys/values are copied to
    the rows that share it."""
    import torch
    from transformers import DynamicCache

    keys = torch.cat([input_ids, attention_mask.to(input_ids.dtype)], dim=1)
    distinct, inverse = torch.unique(keys, dim=0, return_inverse=True)
    first = torch.full((len(distinct),), len(keys), dtype=torch.long, device=keys.device)
    first.scatter_reduce_(0, inverse, torch.arange(len(keys), device=keys.device), "amin")
    ids, mask = input_ids[first], attention_mask[first]
    positions = (mask.long().cumsum(-1) - 1).masked_fill(mask == 0, 0)
    past = DynamicCache(config=model.config)
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
    logits, past = prefill(model, input_ids, attention_mask)
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
        logits = model(input_ids=picked[:, None], attention_mask=mask,
                       position_ids=position[:, None], past_key_values=past,
                       use_cache=True).logits[:, -1]
        position = position + 1
    return new
