"""The text encoder: classifier backbone and MAUVE featurizer (all-MiniLM-L6-v2 in mini,
gpt2-large / distilbert in the paper profile), loaded with the transformers Auto classes."""
from __future__ import annotations

import functools

import numpy as np

from ..config import EncoderSpec
from ..hub import encoder_path, missing_hint


def resolve(spec: EncoderSpec) -> str:
    return encoder_path(spec.source, spec.name)


@functools.lru_cache(maxsize=4)
def load_tokenizer(path: str, revision: str | None = None):
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(path, revision=revision)
    except OSError as e:
        raise missing_hint("encoder", path, e) from None
    if tok.pad_token is None:  # GPT-2 style featurizers have no pad token
        tok.pad_token = tok.eos_token
    return tok


def tokenize(tok, texts: list[str], max_length: int, padding_side: str | None = None):
    """Each text encoded on its own, truncated to max_length, padded into one batch
    (on `padding_side` when given, else the tokenizer's own side)."""
    side = {"padding_side": padding_side} if padding_side else {}
    # token_type_ids are BERT-only; feeding them to a GPT-2 featurizer gives garbage
    return tok(texts, padding=True, truncation=True, max_length=max_length,
               return_tensors="pt", return_token_type_ids=False, **side)


@functools.lru_cache(maxsize=2)
def _load_model(path: str, revision: str | None):
    from transformers import AutoModel

    try:
        model = AutoModel.from_pretrained(path, revision=revision)
    except OSError as e:
        raise missing_hint("encoder", path, e) from None
    return model.eval()


def pool(hidden, mask, how: str):
    """One row per text from last hidden states (batch, tokens, dim) and the attention mask:
    'mean' over the real tokens, or 'last_token', the state at each row's last real token
    (found from the mask, so it holds for right and left padding)."""
    import torch

    if how == "mean":
        m = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * m).sum(1) / m.sum(1).clamp(min=1)
    last = mask.shape[1] - 1 - mask.flip(1).argmax(1)
    return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]


def embed(spec: EncoderSpec, texts: list[str], batch_size: int = 64, device=None) -> np.ndarray:
    """Features of `texts`, one float32 row per text, computed on `device` (default: the run's
    device, device.choose()); spec.pooling and spec.max_length say how.

    'last_token' gives mauve-text's features (its get_features_from_input): each text encoded
    on its own with truncation to max_length, right-padded (a causal model's positions and
    states then match the unpadded text), the final hidden state at its last token, in fp32
    even on a GPU. 'mean' pools over the real tokens, under bf16 autocast on a GPU.
    Empty texts are an error: callers drop them and report how many (mauve-text drops them
    silently, and a text of no tokens has no last token)."""
    import contextlib

    import torch

    from ..device import autocast, choose

    if not texts:
        raise ValueError("embed: no texts")
    empty = sum(1 for t in texts if not t)
    if empty:
        raise ValueError(f"embed: {empty} of {len(texts)} texts are empty; drop them before "
                         "featurizing (and report how many were dropped)")
    path = resolve(spec)
    device = device or choose()
    tok, model = load_tokenizer(path, spec.revision), _load_model(path, spec.revision)
    limit = getattr(model.config, "max_position_embeddings", None)
    if isinstance(limit, int) and spec.max_length > limit:
        raise ValueError(f"featurizer max_length {spec.max_length} exceeds {path}'s "
                         f"{limit} positions")
    model.to(device)
    exact = spec.pooling == "last_token"
    rows = []
    with torch.inference_mode(), (contextlib.nullcontext() if exact else autocast(device)):
        for i in range(0, len(texts), batch_size):
            batch = tokenize(tok, texts[i:i + batch_size], spec.max_length, "right")
            if exact and (batch["attention_mask"].sum(1) == 0).any():
                raise ValueError(f"embed: a text in batch {i // batch_size} encodes to no "
                                 "tokens, so it has no last token")
            batch = batch.to(device)
            hidden = model(**batch).last_hidden_state.float()
            rows.append(pool(hidden, batch["attention_mask"], spec.pooling).cpu().numpy())
    return np.concatenate(rows)
