"""The linear-probe classifier: a frozen backbone, each text mean-pooled over its real tokens
(encoder.pool, as the featurizer's 'mean' pooling), and a scikit-learn logistic-regression
head (lbfgs) fit on those features, wrapped as a torch module with the fine-tuned
classifier's interface (forward(...).logits), so predict/accuracy need no change. Saved as
the backbone (save_pretrained), the head in probe_head.safetensors and a marker file naming
the method."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np

from ..config import ClassifierSpec
from ..device import autocast
from .encoder import _load_model, batches_by_length, load_tokenizer, pool, resolve, tokenize

MARKER = "classifier_method.json"
HEAD = "probe_head.safetensors"
ABSENT = -1e4  # the logit of a label no training text had: never the argmax
MAX_ITER = 5000
# features standardised before the fit: on 128-text draws (MiniLM, C = 1) R-test accuracy
# was a tie with raw features (mean 0.740 vs 0.736 over reviews, news and SST-2, 2 draws
# each), and standardising makes C mean the same for backbones of any feature scale
STANDARDIZE = True
# Pooled features by (backbone weights, a text's real token ids): the backbone is frozen, so
# every probe of a process embeds a text once (R-test once per domain, a dataset's texts once
# for faithfulness, training and its held-out part), the reference probe loaded from disk and
# the probes trained in the process alike (the key is a digest of the backbone's weights, not
# where it was loaded from). Cleared when it grows past MAX_CACHED.
_FEATURES: dict = {}
MAX_CACHED = 200_000


def weights_digest(model) -> str:
    """A digest of a model's weights (every parameter's bytes, in order): equal for the same
    frozen backbone however it was loaded."""
    import hashlib

    import torch

    digest = hashlib.sha1()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy())
    return digest.hexdigest()


def _module():
    import torch
    from transformers.modeling_outputs import SequenceClassifierOutput

    class ProbeClassifier(torch.nn.Module):
        """Frozen backbone + mean pooling + standardisation + linear head (float32)."""

        is_linear_probe = True  # classifier.save tells the two kinds apart by this

        def __init__(self, backbone, dim: int, num_labels: int):
            super().__init__()
            self.backbone = backbone.eval().requires_grad_(False)
            self.weights_key = weights_digest(backbone)
            self.num_labels = num_labels
            self.head = torch.nn.Linear(dim, num_labels).requires_grad_(False)
            self.register_buffer("mean", torch.zeros(dim))
            self.register_buffer("scale", torch.ones(dim))

        def train(self, mode: bool = True):  # the backbone stays in eval mode: no dropout
            super().train(mode)
            self.backbone.eval()
            return self

        def features(self, input_ids, attention_mask):
            keys = [(self.weights_key, tuple(ids[m.bool()].tolist()))
                    for ids, m in zip(input_ids, attention_mask)]
            missing = [i for i, k in enumerate(keys) if k not in _FEATURES]
            if missing:
                if len(_FEATURES) > MAX_CACHED:
                    _FEATURES.clear()
                rows = torch.tensor(missing, device=input_ids.device)
                hidden = self.backbone(input_ids=input_ids[rows],
                                       attention_mask=attention_mask[rows]).last_hidden_state
                pooled = pool(hidden.float(), attention_mask[rows], "mean").detach()
                for i, row in zip(missing, pooled):
                    _FEATURES[keys[i]] = row
            return torch.stack([_FEATURES[k] for k in keys])

        def forward(self, input_ids, attention_mask, token_type_ids=None, labels=None,
                    **_):
            x = self.features(input_ids, attention_mask)
            with torch.autocast(x.device.type, enabled=False):  # the head in float32
                logits = self.head((x.float() - self.mean) / self.scale)
            loss = (torch.nn.functional.cross_entropy(logits, labels)
                    if labels is not None else None)
            return SequenceClassifierOutput(loss=loss, logits=logits)

    return ProbeClassifier


def _embed(model, tok, texts: list[str], max_length: int, batch_size: int = 64) -> np.ndarray:
    import torch

    device = next(model.parameters()).device
    out = None
    with torch.inference_mode(), autocast(device):
        for index in batches_by_length(tok, texts, max_length, batch_size):
            batch = tokenize(tok, [texts[i] for i in index], max_length).to(device)
            rows = model.features(batch["input_ids"], batch["attention_mask"]).float().cpu().numpy()
            if out is None:
                out = np.zeros((len(texts), rows.shape[1]))
            out[index] = rows
    return out


def head_weights(x: np.ndarray, y: np.ndarray, num_labels: int, c: float, seed: int,
                 standardize: bool) -> dict[str, np.ndarray]:
    """Logistic regression on features x (rows) and labels y, as a num_labels-logit linear
    head over standardised features: weight (num_labels, dim), bias, mean, scale. A binary
    fit's one logit z becomes (-z/2, z/2), the same softmax; a label absent from y gets
    zero weight and bias ABSENT; with one label present every text gets that label."""
    from sklearn.linear_model import LogisticRegression

    dim = x.shape[1]
    mean = x.mean(0) if standardize else np.zeros(dim)
    scale = x.std(0) if standardize else np.ones(dim)
    scale = np.where(scale > 1e-12, scale, 1.0)
    weight, bias = np.zeros((num_labels, dim)), np.full(num_labels, ABSENT)
    present = np.unique(y)
    if present.size == 1:
        bias[present[0]] = 0.0
    else:
        fit = LogisticRegression(C=c, solver="lbfgs", max_iter=MAX_ITER, tol=1e-6,
                                 random_state=seed).fit((x - mean) / scale, y)
        coef, icpt = fit.coef_, fit.intercept_
        if present.size == 2:
            coef, icpt = np.vstack([-coef / 2, coef / 2]), np.array([-icpt[0] / 2, icpt[0] / 2])
        weight[fit.classes_], bias[fit.classes_] = coef, icpt
    return {"weight": weight, "bias": bias, "mean": mean, "scale": scale}


def _set_head(model, head: dict) -> None:
    import torch

    with torch.no_grad():
        for name, target in (("weight", model.head.weight), ("bias", model.head.bias),
                             ("mean", model.mean), ("scale", model.scale)):
            target.copy_(torch.as_tensor(np.asarray(head[name]), dtype=torch.float32))


def train_probe(spec: ClassifierSpec, texts: list[str], labels: list[int], num_labels: int,
                seed: int, device):
    """The linear probe on `device`: (model, tokenizer)."""
    path = resolve(spec.backbone)
    tok = load_tokenizer(path, spec.backbone.revision)
    backbone = copy.deepcopy(_load_model(path, spec.backbone.revision))
    y = np.asarray(labels)
    if y.min() < 0 or y.max() >= num_labels:
        raise ValueError(f"labels must lie in 0..{num_labels - 1}")
    model = _module()(backbone, backbone.config.hidden_size, num_labels).to(device).eval()
    x = _embed(model, tok, texts, spec.max_length)
    _set_head(model, head_weights(x, y, num_labels, spec.probe_c, seed, STANDARDIZE))
    return model, tok


def save_probe(model, tok, out: Path) -> None:
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    model.backbone.save_pretrained(out)
    tok.save_pretrained(out)
    save_file({k: v.detach().cpu().contiguous() for k, v in
               {"weight": model.head.weight, "bias": model.head.bias, "mean": model.mean,
                "scale": model.scale}.items()}, str(out / HEAD))
    (out / MARKER).write_text(json.dumps({"method": "linear_probe", "pooling": "mean",
                                          "num_labels": model.num_labels}) + "\n")


def saved_method(path: Path) -> str:
    """'linear_probe' where `path` holds a probe's marker; else 'finetune' (every classifier
    saved before the marker existed was fine-tuned)."""
    marker = path / MARKER
    return json.loads(marker.read_text())["method"] if marker.is_file() else "finetune"


def load_probe(path: Path, device):
    from safetensors.torch import load_file
    from transformers import AutoModel, AutoTokenizer

    head = {k: v.numpy() for k, v in load_file(str(path / HEAD)).items()}
    backbone = AutoModel.from_pretrained(path)
    model = _module()(backbone, head["weight"].shape[1], head["weight"].shape[0])
    _set_head(model, head)
    return model.to(device).eval(), AutoTokenizer.from_pretrained(path)
