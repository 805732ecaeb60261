"""Stage generate: one synthetic dataset per (model, domain, decoding) cell.

Output is written in shards as it goes (data/shards/...); a killed run resumes from the last
finished shard, and the final JSONL is assembled only once every shard exists, so no sample
is lost or duplicated. Shards carry a fingerprint of everything that shapes the samples, and
shards from other settings are discarded rather than mixed in.
"""
from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path

from ..config import Params
from ..generation.backends import load_backend
from ..generation.prompts import pick_examples, render_prompt
from ..generation.sampling import Request, sample_seed
from ..layout import reference_dir, shard_dir, synthetic_file
from ..records import read_jsonl, write_json, write_jsonl

log = logging.getLogger(__name__)


def planned_samples(params: Params, domain: str) -> list[dict]:
    spec = params.domain(domain)
    n = params.generate.samples_per_label
    return [{"sample_index": li * n + i, "label": li, "label_name": label,
             "seed": sample_seed(params.generate.seed, domain, li, i)}
            for li, label in enumerate(spec.labels) for i in range(n)]


def fingerprint(params: Params, model_name: str, domain: str, decoding: str,
                revision: str) -> str:
    g = params.generate
    payload = {"model": params.model(model_name).model_dump(exclude={"note", "size_b"}),
               "revision": revision,
               "domain": params.domain(domain).model_dump(),
               "decoding": params.decoding(decoding).model_dump(),
               "prompt": params.prompts[params.model(model_name).prompt],
               "samples_per_label": g.samples_per_label, "max_new_tokens": g.max_new_tokens,
               "shard_size": g.shard_size, "seed": g.seed}
    if params.model(model_name).shots:  # few-shot examples come from R-train
        payload["train_sha"] = hashlib.sha256(
            (reference_dir(domain) / "train.jsonl").read_bytes()).hexdigest()
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def run(params: Params, model_name: str, domain: str, decoding: str) -> Path:
    from tqdm.auto import tqdm

    model_spec, domain_spec = params.model(model_name), params.domain(domain)
    decoding_spec, g = params.decoding(decoding), params.generate
    backend = load_backend(params, model_name, domain)
    revision = backend.revision
    template = params.prompts[model_spec.prompt]
    train_rows = (read_jsonl(reference_dir(domain) / "train.jsonl") if model_spec.shots else [])
    work = shard_dir(model_name, domain, decoding)
    stamp = fingerprint(params, model_name, domain, decoding, revision)
    stamp_file = work / "fingerprint.json"
    if work.exists() and (not stamp_file.is_file() or
                          json.loads(stamp_file.read_text()).get("fingerprint") != stamp):
        log.info("generate: discarding shards made with other settings in %s", work)
        shutil.rmtree(work)
    write_json(stamp_file, {"fingerprint": stamp})
    plan = planned_samples(params, domain)
    shards = [plan[i:i + g.shard_size] for i in range(0, len(plan), g.shard_size)]
    cell = f"{model_name}/{domain}/{decoding}"
    done = sum(len(s) for k, s in enumerate(shards) if (work / f"shard-{k:05d}.jsonl").is_file())
    with tqdm(total=len(plan), initial=done, desc=f"generate {cell}", unit="sample",
              mininterval=2) as bar:
        for k, shard in enumerate(shards):
            path = work / f"shard-{k:05d}.jsonl"
            if path.is_file():
                continue
            rows = []
            for i in range(0, len(shard), g.batch_size):
                part = shard[i:i + g.batch_size]
                prompts = [render_prompt(template, domain_spec, s["label_name"], pick_examples(
                    train_rows, s["label"], model_spec.shots, s["seed"])) for s in part]
                requests = [Request(backend.model_input(p), s["seed"])
                            for p, s in zip(prompts, part)]
                texts = backend.complete(requests, decoding_spec, g.max_new_tokens)
                for s, p, text in zip(part, prompts, texts):
                    rows.append({**s, "text": text, "prompt": p, "prompt_id": model_spec.prompt,
                                 "shots": model_spec.shots, "model": model_name,
                                 "model_path": backend.path, "model_revision": revision,
                                 "backend": model_spec.backend, "device": backend.device,
                                 "domain": domain, "decoding": decoding,
                                 **decoding_spec.model_dump(),
                                 "max_new_tokens": g.max_new_tokens})
                bar.update(len(part))
            write_jsonl(path, rows)
    rows = [r for k in range(len(shards)) for r in read_jsonl(work / f"shard-{k:05d}.jsonl")]
    indices = [r["sample_index"] for r in rows]
    if indices != [s["sample_index"] for s in plan]:
        raise RuntimeError(f"generate {cell}: shards do not match the plan; delete {work}")
    out = synthetic_file(model_name, domain, decoding)
    write_jsonl(out, rows)
    shutil.rmtree(work)
    empty = sum(1 for r in rows if not r["text"])
    log.info("generate %s: %d samples (%d empty) -> %s", cell, len(rows), empty, out)
    return out
