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


def tokenize(tok, texts: list[str], max_length: int):
    # token_type_ids are BERT-only; feeding them to a GPT-2 featurizer gives garbage
    return tok(texts, padding=True, truncation=True, max_length=max_length,
               return_tensors="pt", return_token_type_ids=False)


@functools.lru_cache(maxsize=2)
def _load_model(path: str, revision: str | None):
    from transformers import AutoModel

    try:
        model = AutoModel.from_pretrained(path, revision=revision)
    except OSError as e:
        raise missing_hint("encoder", path, e) from None
    return model.eval()


def embed(spec: EncoderSpec, texts: list[str], batch_size: int = 64,
          max_length: int = 128, device=None) -> np.ndarray:
    """Mean-pooled last hidden states, one row per text (float32), computed on `device`
    (default: the run's device, device.choose())."""
    import torch

    from ..device import autocast, choose

    if not texts:
        raise ValueError("embed: no texts")
    path = resolve(spec)
    device = device or choose()
    tok, model = load_tokenizer(path, spec.revision), _load_model(path, spec.revision)
    model.to(device)
    rows = []
    with torch.inference_mode(), autocast(device):
        for i in range(0, len(texts), batch_size):
            batch = tokenize(tok, texts[i:i + batch_size], max_length).to(device)
            hidden = model(**batch).last_hidden_state.float()
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            rows.append(((hidden * mask).sum(1) / mask.sum(1).clamp(min=1)).cpu().numpy())
    return np.concatenate(rows)

