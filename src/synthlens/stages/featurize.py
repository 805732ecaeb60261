"""Stage featurize: MAUVE features of a domain's reference data (a seeded subsample of each
split), computed once and cached for every evaluate cell of the domain."""
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
    n = params.evaluate.mauve_samples
    out, device = {}, choose(params.require_gpu)
    for split in ("train", "test"):
        texts = [r["text"] for r in read_jsonl(reference_dir(domain) / f"{split}.jsonl")]
        out[split] = embed(params.featurizer, seeded_subsample(texts, n, params.seed),
                           device=device)
    path = features_file(domain)
    write_npz(path, out)
    log.info("featurize %s: train %s, test %s -> %s", domain, out["train"].shape,
             out["test"].shape, path)
