"""Stage featurize: MAUVE features of a domain's reference data, computed once and cached."""
from __future__ import annotations

import logging

import numpy as np

from .config import Params
from .encoder import embed
from .layout import features_file, reference_dir
from .records import read_jsonl

log = logging.getLogger(__name__)


def seeded_subsample(texts: list[str], n: int, seed: int) -> list[str]:
    if len(texts) <= n:
        return list(texts)
    idx = np.random.default_rng(seed).choice(len(texts), n, replace=False)
    return [texts[i] for i in sorted(idx)]


def run(params: Params, domain: str) -> None:
    n = params.evaluate.mauve_samples
    out = {}
    for split in ("train", "test"):
        texts = [r["text"] for r in read_jsonl(reference_dir(domain) / f"{split}.jsonl")]
        out[split] = embed(params.featurizer, seeded_subsample(texts, n, params.seed))
    path = features_file(domain)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **out)
    tmp.replace(path)
    log.info("featurize %s: train %s, test %s -> %s", domain, out["train"].shape,
             out["test"].shape, path)


def load(domain: str) -> dict[str, np.ndarray]:
    path = features_file(domain)
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run the featurize stage (dvc repro)")
    with np.load(path) as f:
        return {k: f[k] for k in f.files}
