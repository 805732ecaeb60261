"""A contamination probe: the generator's own zero-shot accuracy on R-test, read off the
log-likelihood it gives each label's verbalisation after the text.

For every text and every label the model scores the label phrase as the continuation of the
filled template (vanilla models: the completion prompt "{text}\\nlabel: " then "positive";
instruct models: the template as the user message through the model's chat template, the
label phrase as the assistant's answer). A label's score is the MEAN log-probability of its
phrase's tokens, so a label that happens to be spelt with fewer tokens is not favoured; the
prediction is the label with the highest score. A generator that already knows the benchmark
well (high zero-shot accuracy far above the majority share) may have seen it in pre-training.

Token ids follow prompts.prompt_token_ids (one BOS policy for every backend). The context and
the continuation are split as lm-evaluation-harness does: trailing whitespace of the context
moves to the continuation, the pair is tokenized whole, and the continuation is what follows
the context's own tokens, so "label: positive" is scored as the model would have written it;
a context that ends without whitespace ("label:", "[/INST]") gets one space before the label.
A context is run once per text and each label phrase continues it from a copy of its KV
cache. A text longer than the model's context window (gpt2-mini's 160 positions against a
long AG News article) keeps its last positions, as lm-evaluation-harness truncates: the
context loses tokens from its start so that the longest label phrase fits, the phrases are
always whole.
"""
from __future__ import annotations

import inspect
from typing import Sequence

import numpy as np

from ..config import ModelSpec
from .prompts import model_input, prompt_token_ids


def pair_ids(tok, *, context: str, continuation: str) -> tuple[list[int], list[int]]:
    """(context ids, continuation ids) of a model input (chat template already applied as
    text) and the phrase that follows it; context ids as prompts.prompt_token_ids gives them."""
    stripped = context.rstrip()
    # lm-evaluation-harness's target delimiter: the label is a word of its own after the
    # context ("label:" + " negative"), never glued to it ("label:negative" is n/e/gative)
    delimiter = context[len(stripped):] or ("" if continuation[:1].isspace() else " ")
    continuation = delimiter + continuation
    ctx = prompt_token_ids(tok, stripped)
    whole = prompt_token_ids(tok, stripped + continuation)
    cont = whole[len(ctx):] if whole[:len(ctx)] == ctx else []
    if not cont:  # the boundary merged into the context's last token: tokenize apart
        cont = tok(continuation, add_special_tokens=False)["input_ids"]
    if not ctx or not cont:
        raise ValueError(f"cannot score {continuation!r} after {context!r}: an empty side")
    return ctx, cont


def probe_context(tok, *, text: str, template: str, label_phrases: Sequence[str],
                  spec: ModelSpec | None = None) -> str:
    """The model input before the label phrase: the template filled with {text} (and
    {labels}, the phrases joined by ', ', if it names them), as a completion prompt for a
    vanilla model (spec None or family vanilla) or through the chat template for an instruct
    model (the answer then starts right after the assistant's header)."""
    prompt = template.format(text=text, labels=", ".join(label_phrases))
    return model_input(tok, spec, prompt) if spec is not None else prompt


def _check_device(model, device) -> None:
    import torch

    device = torch.device(device)
    have = next(model.parameters()).device
    if have.type != device.type or (device.index is not None and have.index != device.index):
        raise ValueError(f"the model sits on {have}, the probe was asked to run on {device}: "
                         "load the model on the run's device (device.choose())")


def context_window(model) -> int | None:
    """The most positions the model takes (None: the config does not say)."""
    config = model.config
    return getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)


def fit_window(pair: tuple[list[int], list[int]], window: int | None):
    """The pair with its context cut from the left to fit `window` positions in all."""
    ctx, cont = pair
    if window is None or len(ctx) + len(cont) <= window:
        return pair
    if len(cont) >= window:
        raise ValueError(f"a label phrase of {len(cont)} tokens does not fit the model's "
                         f"{window} positions")
    return ctx[len(ctx) + len(cont) - window:], cont


def _score_batch(model, pad_id: int, contexts: list[list[int]], phrases: list[list[list[int]]],
                 device, keep_arg: bool) -> np.ndarray:
    """(texts, labels) mean continuation log-probs of a batch of texts: each context runs
    through the model once (left padded, positions counted from its first real token), and
    every label phrase continues it from a copy of its KV cache (right padded), so a text
    costs one context pass, not one per label."""
    import torch
    from transformers import DynamicCache

    rows, labels = len(contexts), len(phrases[0])
    width = max(map(len, contexts))
    ids = torch.full((rows, width), pad_id, dtype=torch.long)
    mask = torch.zeros((rows, width), dtype=torch.long)
    for i, c in enumerate(contexts):
        ids[i, width - len(c):] = torch.tensor(c)
        mask[i, width - len(c):] = 1
    ids, mask = ids.to(device), mask.to(device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    past = DynamicCache(config=model.config)
    extra = {"logits_to_keep": 1} if keep_arg else {}
    out = model(input_ids=ids, attention_mask=mask, position_ids=positions,
                past_key_values=past, use_cache=True, **extra)
    first = torch.log_softmax(out.logits[:, -1].float(), dim=-1)      # predicts token 0
    past.batch_repeat_interleave(labels)
    flat = [k for per_text in phrases for k in per_text]               # row r = text r // labels
    k = max(map(len, flat))
    cont = torch.full((len(flat), k), pad_id, dtype=torch.long)
    cont_mask = torch.zeros((len(flat), k), dtype=torch.long)
    for r, c in enumerate(flat):
        cont[r, :len(c)] = torch.tensor(c)
        cont_mask[r, :len(c)] = 1
    cont, cont_mask = cont.to(device), cont_mask.to(device)
    lengths = cont_mask.sum(-1)
    start = mask.sum(-1).repeat_interleave(labels)                      # next position
    logits = model(input_ids=cont, attention_mask=torch.cat(
        [mask.repeat_interleave(labels, dim=0), cont_mask], dim=1),
        position_ids=start[:, None] + torch.arange(k, device=device), past_key_values=past,
        use_cache=True).logits
    token_logp = torch.empty((len(flat), k), device=device)
    token_logp[:, 0] = first.repeat_interleave(labels, dim=0).gather(-1, cont[:, :1]).squeeze(-1)
    if k > 1:
        logp = torch.log_softmax(logits[:, :-1].float(), dim=-1)      # position j predicts j+1
        token_logp[:, 1:] = logp.gather(-1, cont[:, 1:].unsqueeze(-1)).squeeze(-1)
    score = (token_logp * cont_mask).sum(-1) / lengths
    return score.reshape(rows, labels).cpu().numpy()


def label_scores(model, tok, *, texts: Sequence[str], label_phrases: Sequence[str],
                 template: str, device, spec: ModelSpec | None = None,
                 batch_size: int = 32) -> np.ndarray:
    """(texts, labels) array of mean label-token log-probabilities (see the module doc), on
    `device` (where the model must already sit), batched by context length without gradients;
    batch_size counts (text, label) pairs."""
    import torch

    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    if not label_phrases:
        raise ValueError("no label phrases")
    _check_device(model, device)
    window = context_window(model)
    contexts, phrases = [], []
    for text in texts:
        context = probe_context(tok, text=text, template=template, label_phrases=label_phrases,
                                spec=spec)
        pairs = [pair_ids(tok, context=context, continuation=p) for p in label_phrases]
        longest = max(len(k) for _, k in pairs)  # one context for every label: cut for the longest
        contexts.append(fit_window((pairs[0][0], [0] * longest), window)[0])
        phrases.append([k for _, k in pairs])
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    keep_arg = "logits_to_keep" in inspect.signature(model.forward).parameters
    order = sorted(range(len(texts)), key=lambda i: len(contexts[i]))
    per_batch = max(1, batch_size // len(label_phrases))
    out = np.zeros((len(texts), len(label_phrases)))
    with torch.inference_mode():
        for start in range(0, len(order), per_batch):
            chunk = order[start:start + per_batch]
            out[chunk] = _score_batch(model, pad_id, [contexts[i] for i in chunk],
                                      [phrases[i] for i in chunk], device, keep_arg)
    return out


def zero_shot_accuracy(model, tok, *, texts: Sequence[str], labels: Sequence[int],
                       label_phrases: Sequence[str], template: str, device,
                       spec: ModelSpec | None = None, batch_size: int = 32) -> dict:
    """The generator's zero-shot accuracy on labelled texts (R-test): the label whose phrase
    (label_phrases[label id]) scores highest after the text is the prediction. Returns
    {"zero_shot_accuracy", "n", "majority_share"}; majority_share is the accuracy of always
    answering the most frequent label, the floor to compare with. NaN for no texts."""
    labels = np.asarray(labels, dtype=int)
    if len(labels) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    if len(labels) and (labels.min() < 0 or labels.max() >= len(label_phrases)):
        raise ValueError(f"label ids must index the {len(label_phrases)} label phrases")
    if not len(labels):
        return {"zero_shot_accuracy": float("nan"), "n": 0, "majority_share": float("nan")}
    scores = label_scores(model, tok, texts=texts, label_phrases=label_phrases,
                          template=template, device=device, spec=spec, batch_size=batch_size)
    return {"zero_shot_accuracy": float(np.mean(scores.argmax(1) == labels)),
            "n": int(len(labels)),
            "majority_share": float(np.bincount(labels).max() / len(labels))}
