"""The text encoder: classifier backbone and MAUVE featurizer (all-MiniLM-L6-v2 in mini,
gpt2-large / distilbert in the paper profile), loaded with the transformers Auto classes."""
from __future__ import annotations

import contextlib
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


PRECISIONS = ("fp32", "tf32", "bf16")


def default_precision(device, pooling: str) -> str:
    """fp32 on the CPU (exact, as every earlier run); on CUDA tf32 for 'last_token' (fp32
    storage, TF32 tensor-core matmuls: mauve-text's features within float rounding, several
    times faster than exact fp32 on an A100/H100) and bf16 autocast for 'mean'."""
    if device.type != "cuda":
        return "fp32"
    return "tf32" if pooling == "last_token" else "bf16"


@contextlib.contextmanager
def precision_mode(device, precision: str):
    """Matmuls in `precision` inside the block: fp32 exact; tf32 (CUDA only) through torch's
    matmul precision flag, restored on exit; bf16 through autocast on the device (on the CPU
    too, where it is only asked for explicitly: tests measure its error there)."""
    import torch

    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    if precision == "fp32":
        yield
    elif precision == "bf16":
        with torch.autocast(device.type, dtype=torch.bfloat16):
            yield
    else:
        if device.type != "cuda":
            raise ValueError("tf32 is a CUDA matmul mode; on the CPU use fp32 or bf16")
        matmul = torch.backends.cuda.matmul
        before = matmul.fp32_precision
        matmul.fp32_precision = "tf32"
        try:
            yield
        finally:
            matmul.fp32_precision = before


def batches_by_length(tok, texts: list[str], max_length: int, batch_size: int) -> list[list[int]]:
    """Indices of `texts` in batches of batch_size, longest (after truncation) first, so each
    batch pads to nearly its own length and an out-of-memory error, if any, comes first."""
    lengths = [len(ids) for ids in tok(texts, truncation=True, max_length=max_length,
                                       return_token_type_ids=False)["input_ids"]]
    order = sorted(range(len(texts)), key=lambda i: -lengths[i])
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def embed(spec: EncoderSpec, texts: list[str], batch_size: int = 64, device=None,
          precision: str | None = None, sort_by_length: bool | None = None) -> np.ndarray:
    """Features of `texts`, one float32 row per text in the order given, computed on `device`
    (default: the run's device, device.choose()); spec.pooling and spec.max_length say how.

    'last_token' gives mauve-text's features (its get_features_from_input): each text encoded
    on its own with truncation to max_length, right-padded (a causal model's positions and
    states then match the unpadded text), the final hidden state at its last token. 'mean'
    pools over the real tokens.
    precision: fp32, tf32 or bf16 (default_precision: fp32 on the CPU; on CUDA tf32 for
    last_token, bf16 for mean). sort_by_length: batch texts of similar length together
    (default: yes; real AG News articles run from 10 to 180 tokens, so a batch in input
    order pads most rows to its longest). Neither changes what a row means, only float
    rounding.
    Empty texts are an error: callers drop them and report how many (mauve-text drops them
    silently, and a text of no tokens has no last token)."""
    import torch

    from ..device import choose

    if not texts:
        raise ValueError("embed: no texts")
    empty = sum(1 for t in texts if not t)
    if empty:
        raise ValueError(f"embed: {empty} of {len(texts)} texts are empty; drop them before "
                         "featurizing (and report how many were dropped)")
    path = resolve(spec)
    device = device or choose()
    precision = precision or default_precision(device, spec.pooling)
    sort_by_length = True if sort_by_length is None else sort_by_length
    tok, model = load_tokenizer(path, spec.revision), _load_model(path, spec.revision)
    limit = getattr(model.config, "max_position_embeddings", None)
    if isinstance(limit, int) and spec.max_length > limit:
        raise ValueError(f"featurizer max_length {spec.max_length} exceeds {path}'s "
                         f"{limit} positions")
    model.to(device)
    exact = spec.pooling == "last_token"
    batches = (batches_by_length(tok, texts, spec.max_length, batch_size) if sort_by_length
               else [list(range(i, min(i + batch_size, len(texts))))
                     for i in range(0, len(texts), batch_size)])
    parts = []
    with torch.inference_mode(), precision_mode(device, precision):
        for k, index in enumerate(batches):
            batch = tokenize(tok, [texts[i] for i in index], spec.max_length, "right")
            if exact and (batch["attention_mask"].sum(1) == 0).any():
                raise ValueError(f"embed: a text in batch {k} encodes to no tokens, so it has "
                                 "no last token")
            batch = batch.to(device)
            hidden = model(**batch).last_hidden_state.float()
            parts.append((index, pool(hidden, batch["attention_mask"], spec.pooling).cpu()
                          .numpy()))
    out = np.empty((len(texts), parts[0][1].shape[1]), dtype=np.float32)
    for index, rows in parts:
        out[index] = rows
    return out
