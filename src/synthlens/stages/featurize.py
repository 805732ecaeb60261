"""Stage featurize: MAUVE features of a domain's reference data, computed once for every
dataset the domain's evaluate compares with it. R-train gets a pool large enough for each MAUVE
seed to draw its own subsample of evaluate.mauve_samples (mauve_samples x seeds, capped by
R-train); R-test gets mauve_samples (the reference row compares R-train with R-test). The same
pools serve the embedding-space measures (metrics/embedding_space.py)."""
from __future__ import annotations

import logging

import numpy as np

from ..config import Params
from ..device import choose
from ..layout import features_file, reference_dir
from ..metrics.encoder import embed
from ..records import read_jsonl, write_npz

log = logging.getLogger(__name__)


def seeded_subsample(texts: list[str], n: int, seed: int) -> list[str]:
    if len(texts) <= n:
        return list(texts)
    idx = np.random.default_rng(seed).choice(len(texts), n, replace=False)
    return [texts[i] for i in sorted(idx)]


def run(params: Params, domain: str) -> None:
    e = params.evaluate
    sizes = {"train": e.mauve_samples * len(e.mauve_seeds), "test": e.mauve_samples}
    out, device = {}, choose(params.require_gpu)
    for split, n in sizes.items():
        texts = [r["text"] for r in read_jsonl(reference_dir(domain) / f"{split}.jsonl")]
        # an empty text has no features (see evaluate); <split>_index: each feature row's line
        # in the split's file, so evaluate finds its text and label (the embedding measures)
        rows = seeded_subsample([i for i, t in enumerate(texts) if t], n, params.seed)
        out[split] = embed(params.featurizer, [texts[i] for i in rows], device=device)
        out[f"{split}_index"] = np.asarray(rows, dtype=np.int64)
    path = features_file(domain)
    write_npz(path, out)
    log.info("featurize %s: train %s, test %s -> %s", domain, out["train"].shape,
             out["test"].shape, path)
