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


def _score_batch(model, pad_id: int, pairs: list[tuple[list[int], list[int]]], device,
                 keep_arg: bool) -> np.ndarray:
    """Mean continuation log-prob of each (context, continuation) pair, left padded with
    positions counted from each row's first real token."""
    import torch

    seqs = [c + k for c, k in pairs]
    width = max(map(len, seqs))
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, width - len(s):] = torch.tensor(s)
        mask[i, width - len(s):] = 1
    ids, mask = ids.to(device), mask.to(device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    lengths = torch.tensor([len(k) for _, k in pairs], device=device)
    k = int(lengths.max())
    extra = {"logits_to_keep": k + 1} if keep_arg else {}
    logits = model(input_ids=ids, attention_mask=mask, position_ids=positions, **extra).logits
    # the last k+1 positions; position p predicts token p+1
    logp = torch.log_softmax(logits[:, -(k + 1):-1].float(), dim=-1)
    token_logp = logp.gather(-1, ids[:, -k:].unsqueeze(-1)).squeeze(-1)
    inside = torch.arange(k, device=device).unsqueeze(0) >= (k - lengths).unsqueeze(1)
    return ((token_logp * inside).sum(-1) / lengths).cpu().numpy()


def label_scores(model, tok, *, texts: Sequence[str], label_phrases: Sequence[str],
                 template: str, device, spec: ModelSpec | None = None,
                 batch_size: int = 32) -> np.ndarray:
    """(texts, labels) array of mean label-token log-probabilities (see the module doc), on
    `device` (where the model must already sit), batched by length without gradients."""
    import torch

    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    if not label_phrases:
        raise ValueError("no label phrases")
    _check_device(model, device)
    pairs = []
    for text in texts:
        context = probe_context(tok, text=text, template=template, label_phrases=label_phrases,
                                spec=spec)
        pairs.extend(pair_ids(tok, context=context, continuation=p) for p in label_phrases)
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    keep_arg = "logits_to_keep" in inspect.signature(model.forward).parameters
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
    flat = np.zeros(len(pairs))
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            flat[chunk] = _score_batch(model, pad_id, [pairs[i] for i in chunk], device,
                                       keep_arg)
    return flat.reshape(len(texts), len(label_phrases))


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
