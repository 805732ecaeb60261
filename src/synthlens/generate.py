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

from .config import Params
from .generation import Request, model_input, render_prompt, sample, sample_seed
from .hub import missing_hint
from .layout import generator_dir, shard_dir, synthetic_file
from .records import read_jsonl, write_json, write_jsonl

log = logging.getLogger(__name__)


def generator_location(params: Params, model_name: str, domain: str) -> tuple[str, str | None]:
    """(path or hub id, revision) to load a generator from."""
    spec = params.model(model_name)
    if spec.source == "pipeline":
        return str(generator_dir(model_name) / domain), None
    if spec.source == "gguf":
        return str(generator_dir(model_name)), None
    return spec.path, spec.revision


def load_generator(params: Params, model_name: str, domain: str):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path, revision = generator_location(params, model_name, domain)
    if params.model(model_name).source in ("pipeline", "gguf", "local") and not Path(path).is_dir():
        stage = {"pipeline": "train_generator", "gguf": "convert_generator"}.get(
            params.model(model_name).source)
        hint = f"run `dvc repro {stage}` first" if stage else "check models.<name>.path"
        raise FileNotFoundError(f"generator '{model_name}' not found at {path}: {hint}")
    cuda = torch.cuda.is_available()
    try:
        tok = AutoTokenizer.from_pretrained(path, revision=revision)
        model = AutoModelForCausalLM.from_pretrained(
            path, revision=revision, dtype=torch.bfloat16 if cuda else torch.float32,
            device_map="auto" if cuda else None)
    except OSError as e:
        raise missing_hint("model", path, e) from None
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return model.eval(), tok, revision or _local_revision(path)


def _local_revision(path: str) -> str:
    """Short hash of a local model's config and weight sizes, a stand-in for a hub revision."""
    h = hashlib.sha256()
    for f in sorted(Path(path).glob("*")):
        if f.is_file():
            h.update(f"{f.name}:{f.stat().st_size}".encode())
    return "local-" + h.hexdigest()[:12]


def planned_samples(params: Params, domain: str) -> list[dict]:
    spec = params.domain(domain)
    n = params.generate.samples_per_label
    return [{"sample_index": li * n + i, "label": li, "label_name": label,
             "seed": sample_seed(params.generate.seed, domain, li, i)}
            for li, label in enumerate(spec.labels) for i in range(n)]


def fingerprint(params: Params, model_name: str, domain: str, decoding: str,
                revision: str) -> str:
    g = params.generate
    payload = {"model": params.model(model_name).model_dump(), "revision": revision,
               "domain": params.domain(domain).model_dump(),
               "decoding": params.decoding(decoding).model_dump(),
               "prompt": params.prompts[params.model(model_name).prompt],
               "samples_per_label": g.samples_per_label, "max_new_tokens": g.max_new_tokens,
               "shard_size": g.shard_size, "seed": g.seed}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def run(params: Params, model_name: str, domain: str, decoding: str) -> Path:
    from tqdm.auto import tqdm

    model_spec, domain_spec = params.model(model_name), params.domain(domain)
    decoding_spec, g = params.decoding(decoding), params.generate
    model, tok, revision = load_generator(params, model_name, domain)
    template = params.prompts[model_spec.prompt]
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
                prompts = [render_prompt(template, domain_spec, s["label_name"]) for s in part]
                requests = [Request(model_input(tok, model_spec, p), s["seed"])
                            for p, s in zip(prompts, part)]
                texts = sample(model, tok, requests, decoding_spec, g.max_new_tokens)
                for s, p, text in zip(part, prompts, texts):
                    rows.append({**s, "text": text, "prompt": p, "prompt_id": model_spec.prompt,
                                 "model": model_name, "model_path": generator_location(
                                     params, model_name, domain)[0],
                                 "model_revision": revision, "domain": domain,
                                 "decoding": decoding, **decoding_spec.model_dump(),
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
