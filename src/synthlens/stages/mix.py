"""Stage mix: each mixture of params (several models' datasets of a domain, with weights) as a
synthetic dataset of its own, evaluated like any other (stage evaluate).

A mixture has the size of one member dataset. Per label, the member datasets contribute in
proportion to their weights (largest remainders), each contribution a seeded draw without
replacement from that member's samples of the label. Every row keeps its member's model and
decoding, so a mixture's samples can be traced back.
"""
from __future__ import annotations

import logging
import random
import shutil

from ..config import MixtureSpec, Params
from ..layout import DATA, mixture_file, synthetic_file
from ..records import read_jsonl, write_jsonl

log = logging.getLogger(__name__)


def shares(weights: list[float], n: int) -> list[int]:
    """n split in proportion to weights, by largest remainders (ties: earlier first)."""
    total = sum(weights)
    exact = [w * n / total for w in weights]
    counts = [int(e) for e in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[:n - sum(counts)]:
        counts[i] += 1
    return counts


def draw(members: list[list[dict]], weights: list[float], seed: int) -> list[dict]:
    """One mixture from member datasets (rows with 'label'), at the size of the first member,
    label by label; raises ValueError when a member has too few samples of a label."""
    rng = random.Random(seed)
    labels = sorted({r["label"] for r in members[0]})
    out = []
    for label in labels:
        pools = [[r for r in rows if r["label"] == label] for rows in members]
        for pool, k in zip(pools, shares(weights, len(pools[0]))):
            if k > len(pool):
                raise ValueError(f"a member has {len(pool)} samples of label {label}, "
                                 f"the mixture needs {k}")
            out.extend(rng.sample(pool, k))
    return out


def mix(params: Params, name: str, spec: MixtureSpec, domain: str) -> list[dict]:
    members = [read_jsonl(synthetic_file(m.model, domain, m.decoding)) for m in spec.members]
    rows = draw(members, [m.weight for m in spec.members], spec.seed)
    return [{**r, "mixture": name, "member": f"{r['model']}/{r['decoding']}"} for r in rows]


def run(params: Params) -> None:
    if (DATA / "mixtures").exists():  # mixtures no longer in params leave nothing behind
        shutil.rmtree(DATA / "mixtures")
    for name, spec in params.active_mixtures().items():
        for domain in params.grid.domains:
            rows = mix(params, name, spec, domain)
            write_jsonl(mixture_file(name, domain), rows)
            log.info("mix %s/%s: %d samples from %s", name, domain, len(rows),
                     ", ".join(f"{m.model}/{m.decoding} x{m.weight:g}" for m in spec.members))
    (DATA / "mixtures").mkdir(parents=True, exist_ok=True)  # the stage's output, even if empty
