"""Training the classifier behind faithfulness, complexity and performance.

params classifier.method picks how: 'finetune', a plain training loop (AdamW, linear decay)
over AutoModelForSequenceClassification, so a reader sees every step; or 'linear_probe'
(metrics/linear_probe.py), a logistic-regression head on the frozen backbone's mean-pooled
features. Both give a model whose forward returns .logits, so predict/accuracy/save/load
serve either; seeds make runs repeatable.
"""
from __future__ import annotations

import logging
import random
from pathlib import Path

import numpy as np

from ..config import ClassifierSpec
from ..device import autocast, choose
from ..hub import missing_hint
from .encoder import batches_by_length, load_tokenizer, resolve, tokenize
from .linear_probe import HEAD, MARKER, load_probe, save_probe, saved_method, train_probe

log = logging.getLogger(__name__)


def _seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def train_classifier(spec: ClassifierSpec, texts: list[str], labels: list[int],
                     num_labels: int, seed: int, desc: str = "classifier", device=None):
    """Train a classifier the way spec.method says (fine-tune the backbone with a fresh
    classification head, or fit a linear probe on its frozen features) on `device` (default:
    the run's device, device.choose()); returns (model, tokenizer), the model on that
    device."""
    import torch
    from tqdm.auto import tqdm
    from transformers import AutoModelForSequenceClassification

    if not texts:
        raise ValueError(f"{desc}: no training examples")
    _seed_everything(seed)
    if spec.method == "linear_probe":
        return train_probe(spec, texts, labels, num_labels, seed, device or choose())
    encoder = spec.backbone
    path = resolve(encoder)
    tok = load_tokenizer(path, encoder.revision)
    try:
        model = AutoModelForSequenceClassification.from_pretrained(
            path, num_labels=num_labels, revision=encoder.revision)
    except OSError as e:
        raise missing_hint("classifier backbone", path, e) from None
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tok.pad_token_id
    device = device or choose()
    model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=spec.learning_rate, weight_decay=0.01)
    steps_per_epoch = (len(texts) + spec.batch_size - 1) // spec.batch_size
    epochs = max(spec.epochs, -(-spec.min_steps // steps_per_epoch))
    total = steps_per_epoch * epochs
    # linear warm-up then linear decay: a fresh head at full learning rate can knock the
    # encoder into predicting one class for good (seen with MiniLM at 3e-4 without warm-up)
    warmup = max(1, int(spec.warmup_fraction * total))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, 1.0) * max(0.0, 1 - s / total))
    order_rng = np.random.default_rng(seed)
    y_all = torch.tensor(labels, device=device)
    model.train()
    with tqdm(total=total, desc=desc, leave=False, mininterval=2) as bar:
        for _ in range(epochs):
            order = order_rng.permutation(len(texts))
            for i in range(0, len(texts), spec.batch_size):
                idx = order[i:i + spec.batch_size]
                batch = tokenize(tok, [texts[j] for j in idx], spec.max_length).to(device)
                with autocast(device):
                    loss = model(**batch, labels=y_all[idx]).loss
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad()
                bar.update(1)
                bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    return model.eval(), tok


def predict(model, tok, texts: list[str], max_length: int, batch_size: int = 64) -> np.ndarray:
    """Predicted label ids in the order of `texts`, computed on the device the model sits on
    in batches of similar length (encoder.batches_by_length: less padding)."""
    import torch

    device = next(model.parameters()).device
    preds = np.zeros(len(texts), dtype=int)
    with torch.inference_mode(), autocast(device):
        for index in batches_by_length(tok, texts, max_length, batch_size) if texts else []:
            batch = tokenize(tok, [texts[i] for i in index], max_length).to(device)
            preds[index] = model(**batch).logits.argmax(-1).cpu().numpy()
    return preds


def accuracy(model, tok, texts: list[str], labels: list[int], max_length: int) -> float:
    """Share of texts whose predicted label is the given one; NaN for no texts."""
    if not texts:
        return float("nan")
    return float(np.mean(predict(model, tok, texts, max_length) == np.asarray(labels)))


def save(model, tok, out: Path) -> None:
    """Either kind of classifier, with its tokenizer, into the directory `out`."""
    if getattr(model, "is_linear_probe", False):
        save_probe(model, tok, out)
        return
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).unlink(missing_ok=True)  # a probe saved here before is replaced
    (out / HEAD).unlink(missing_ok=True)
    model.save_pretrained(out)
    tok.save_pretrained(out)


def load(path: Path, device=None):
    """A saved classifier and its tokenizer, the model on `device` (default: device.choose()):
    a linear probe where the directory holds its marker, else a fine-tuned classifier (as
    every one saved before the probe existed)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    if not path.is_dir():
        raise FileNotFoundError(f"{path} not found: run the train_reference stage (dvc repro)")
    if saved_method(path) == "linear_probe":
        return load_probe(path, device or choose())
    model = AutoModelForSequenceClassification.from_pretrained(path).eval()
    return model.to(device or choose()), AutoTokenizer.from_pretrained(path)
