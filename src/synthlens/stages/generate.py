"""Stage generate: every synthetic dataset of one model, one (domain, decoding) cell after the
other, in one process that loads the model once (a pipeline-trained generator is one model per
domain, so once per domain).

Kept between runs: each cell's fingerprint (everything that shapes its samples: model and
revision, domain, decoding, prompt, sample plan, and the code: CODE, hashed) is stored in data/synthetic/<model>/
fingerprints.json, and a `dvc repro` after a params edit regenerates only the cells whose
fingerprint changed; the model is not even loaded when none did. dvc.yaml marks the output
`persist`, so DVC leaves the kept cells in place.

Nothing is lost on a crash: a cell is written in shards as it goes (data/shards/...); a killed
run resumes from the last finished shard, and the cell's file is assembled only once every
shard exists. Shards carry the cell's fingerprint; shards of other settings are discarded.
A backend that reports requests as they finish (Backend.keeps_partial: the API backend, where
every request is paid for) also appends each finished sample to partial-K.jsonl; the resumed run
sends only the samples missing there, and the shard comes out as an uninterrupted run's.
"""
from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path

from ..config import Params
from ..generation.backend_api import Backend
from ..generation.backends import load_backend
from ..generation.location import generator_location, local_revision
from ..generation.prompts import draw_attributes, pick_examples, render_prompt
from ..generation.sampling import Request, sample_flags, sample_seed
from ..layout import probe_file, reference_dir, shard_dir, synthetic_dir, synthetic_file
from ..provenance import code_sha256
from ..records import read_json, read_jsonl, write_json, write_jsonl

log = logging.getLogger(__name__)
FINGERPRINTS = "fingerprints.json"
# The code behind every sample and probe: exactly generate's code deps in dvc.yaml (a test checks).
CODE = ("stages/generate.py", "generation")
# Model fields that do not shape a sample: editing the pacing of an API model must not throw
# away the datasets it has paid for.
API_PACING = {"max_concurrency", "timeout_s", "requests_per_minute", "tokens_per_minute",
              "retry_budget_s", "max_backoff_s", "max_retries"}
MODEL_NOT_SHAPING = {"note": True, "size_b": True, "prompt": True, "api": API_PACING}


def planned_samples(params: Params, domain: str) -> list[dict]:
    spec = params.domain(domain)
    n = params.samples_per_label(domain)
    return [{"sample_index": li * n + i, "label": li, "label_name": label,
             "seed": sample_seed(params.generate.seed, domain, li, i)}
            for li, label in enumerate(spec.labels) for i in range(n)]


def revision_of(params: Params, model_name: str, domain: str) -> str:
    """The generator's revision without loading it (a hub revision, or a hash of local files)."""
    path, revision = generator_location(params, model_name, domain)
    return revision or local_revision(path)


def fingerprint(params: Params, model_name: str, domain: str, decoding: str,
                prompt: str | None = None) -> str:
    g = params.generate
    prompt = prompt or params.model(model_name).prompt
    payload = {"model": params.model(model_name).model_dump(exclude=MODEL_NOT_SHAPING),
               "revision": revision_of(params, model_name, domain),
               "domain": params.domain(domain).model_dump(),
               "decoding": params.decoding(decoding).model_dump(),
               "prompt": params.prompts[prompt],
               "attributes": {k: v for k, v in params.attributes.items()
                              if "{" + k + "}" in params.prompts[prompt]},
               "samples_per_label": params.samples_per_label(domain),
               "generate": g.model_dump(exclude={"batch_size", "samples_per_label"}),
               "code": code_sha256(*CODE)}
    if params.model(model_name).shots:  # few-shot examples come from R-train
        payload["train_sha"] = hashlib.sha256(
            (reference_dir(domain) / "train.jsonl").read_bytes()).hexdigest()
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def _drop_stale(model_name: str, keep: set[Path]) -> None:
    """Remove cell files of this model that are no longer in the grid."""
    for path in synthetic_dir(model_name).glob("*/*.jsonl"):
        if path not in keep:
            log.info("generate: removing %s (no longer in the grid)", path)
            path.unlink()


def _read_partial(path: Path) -> dict[int, dict]:
    """The samples an interrupted run finished in a shard, by sample_index (a line cut short by
    the crash is dropped: its request is sent again)."""
    kept, bad = {}, 0
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                r = json.loads(line)
                kept[r["sample_index"]] = r
            except (ValueError, KeyError, TypeError):
                bad += 1
        if bad:  # rewritten whole, so the next append does not glue onto the cut-off line
            log.warning("generate: dropping %d cut-off line(s) of %s", bad, path)
            write_jsonl(path, kept.values())
    if kept:
        log.info("generate: %d samples kept from an interrupted run in %s", len(kept), path)
    return kept


def generate_cell(params: Params, backend: Backend, model_name: str, domain: str, dataset: str,
                  decoding: str, prompt: str, stamp: str) -> Path:
    """One dataset's samples, shard by shard, into synthetic_file(); returns its path."""
    from tqdm.auto import tqdm

    model_spec, domain_spec = params.model(model_name), params.domain(domain)
    decoding_spec, g = params.decoding(decoding), params.generate
    max_new = params.max_new_tokens(domain)
    template = params.prompts[prompt]
    train_rows = (read_jsonl(reference_dir(domain) / "train.jsonl") if model_spec.shots else [])
    work = shard_dir(model_name, domain, dataset)
    stamp_file = work / "fingerprint.json"
    if work.exists() and (not stamp_file.is_file() or
                          read_json(stamp_file).get("fingerprint") != stamp):
        log.info("generate: discarding shards made with other settings in %s", work)
        shutil.rmtree(work)
    write_json(stamp_file, {"fingerprint": stamp})
    plan = planned_samples(params, domain)
    shards = [plan[i:i + g.shard_size] for i in range(0, len(plan), g.shard_size)]
    cell = f"{model_name}/{domain}/{dataset}"
    keeps_partial = backend.keeps_partial
    done = sum(len(s) for k, s in enumerate(shards) if (work / f"shard-{k:05d}.jsonl").is_file())
    with tqdm(total=len(plan), initial=done, desc=f"generate {cell}", unit="sample",
              mininterval=2) as bar:
        for k, shard in enumerate(shards):
            path = work / f"shard-{k:05d}.jsonl"
            if path.is_file():
                continue
            partial = work / f"partial-{k:05d}.jsonl"  # not shard-*: those are finished
            kept = _read_partial(partial) if keeps_partial else {}
            bar.update(sum(s["sample_index"] in kept for s in shard))
            for i in range(0, len(shard), g.batch_size):
                part = shard[i:i + g.batch_size]
                attrs = [draw_attributes(params.attributes, template, s["label_name"], s["seed"])
                         for s in part]
                prompts = [render_prompt(template, domain_spec, s["label_name"], pick_examples(
                    train_rows, s["label"], model_spec.shots, s["seed"]), a)
                    for s, a in zip(part, attrs)]
                todo = [j for j, s in enumerate(part) if s["sample_index"] not in kept]
                requests = [Request(backend.model_input(prompts[j]), part[j]["seed"])
                            for j in todo]

                def row(j, one):
                    flags = sample_flags(one, g.cleaning)
                    return {**part[j], "text": one.text, "raw_text": one.raw,
                            "cut_off": flags["cut_off"], "refused": flags["refused"],
                            "prompt": prompts[j], "prompt_id": prompt, "attributes": attrs[j],
                            "shots": model_spec.shots, "model": model_name,
                            "model_path": backend.path, "model_revision": backend.revision,
                            "backend": model_spec.backend, "device": backend.device,
                            "domain": domain, "decoding": decoding, "dataset": dataset,
                            **decoding_spec.model_dump(), "max_new_tokens": max_new}

                if not todo:
                    continue
                if keeps_partial:
                    with partial.open("a", encoding="utf-8") as fh:
                        def keep(n, one):  # on disk the moment the request is done
                            r = kept[part[todo[n]]["sample_index"]] = row(todo[n], one)
                            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
                            fh.flush()
                            bar.update(1)

                        backend.complete(requests, decoding_spec, max_new,
                                         on_result=keep)
                else:
                    done_ = backend.complete(requests, decoding_spec, max_new)
                    kept.update({part[j]["sample_index"]: row(j, one)
                                 for j, one in zip(todo, done_)})
                    bar.update(len(todo))
            write_jsonl(path, [kept[s["sample_index"]] for s in shard])
            partial.unlink(missing_ok=True)
    rows = [r for k in range(len(shards)) for r in read_jsonl(work / f"shard-{k:05d}.jsonl")]
    if [r["sample_index"] for r in rows] != [s["sample_index"] for s in plan]:
        raise RuntimeError(f"generate {cell}: shards do not match the plan; delete {work}")
    out = synthetic_file(model_name, domain, dataset)
    write_jsonl(out, rows)
    shutil.rmtree(work)
    log.info("generate %s: %d samples (%d empty, %d refused, %d cut off) -> %s", cell,
             len(rows), sum(not r["text"] for r in rows), sum(r["refused"] for r in rows),
             sum(r["cut_off"] for r in rows), out)
    return out


def probe_fingerprint(params: Params, model_name: str, domain: str) -> str:
    payload = {"probe": params.probe.model_dump(), "revision": revision_of(params, model_name,
                                                                           domain),
               "model": params.model(model_name).model_dump(exclude={"note", "size_b"}),
               "labels": [params.domain(domain).label_phrase(x)
                          for x in params.domain(domain).labels],
               "test_sha": hashlib.sha256(
                   (reference_dir(domain) / "test.jsonl").read_bytes()).hexdigest(),
               "code": code_sha256(*CODE)}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def run_probe(params: Params, backend: Backend, model_name: str, domain: str) -> dict:
    """The contamination probe of one (model, domain): the generator's zero-shot accuracy on
    (a seeded subsample of) R-test; backends with can_probe only (it needs the model's scores:
    backend.model and backend.tok), "not probed" for the others."""
    import random

    from ..generation.probe import zero_shot_accuracy

    spec, dom, p = params.model(model_name), params.domain(domain), params.probe
    if not backend.can_probe:
        return {"zero_shot_accuracy": None, "note": f"backend {spec.backend}: not probed"}
    test = read_jsonl(reference_dir(domain) / "test.jsonl")
    if len(test) > p.max_texts:
        test = random.Random(params.seed).sample(test, p.max_texts)
    template = p.instruction if spec.family == "instruct" else p.completion
    out = zero_shot_accuracy(backend.model, backend.tok, texts=[r["text"] for r in test],
                             labels=[r["label"] for r in test],
                             label_phrases=[dom.label_phrase(x) for x in dom.labels],
                             template=template, device=next(backend.model.parameters()).device,
                             spec=spec, batch_size=p.batch_size)
    log.info("probe %s/%s: zero-shot accuracy %.3f on %d R-test texts (majority share %.3f)",
             model_name, domain, out["zero_shot_accuracy"], out["n"], out["majority_share"])
    return out


def run(params: Params, model_name: str) -> dict:
    """Every dataset of one model (Params.datasets: the grid's cells and the template
    variants) and its contamination probe per domain; returns what was done."""
    cells = params.datasets(model_name)
    index_path = synthetic_dir(model_name) / FINGERPRINTS
    known = read_json(index_path) if index_path.is_file() else {}
    stamps = {f"{d}/{n}": fingerprint(params, model_name, d, c, t) for d, n, c, t in cells}
    todo = [(d, n, c, t) for d, n, c, t in cells if known.get(f"{d}/{n}") != stamps[f"{d}/{n}"]
            or not synthetic_file(model_name, d, n).is_file()]
    _drop_stale(model_name, {synthetic_file(model_name, d, n) for d, n, _, _ in cells})
    index = {k: v for k, v in known.items() if k in stamps}
    probes = read_json(probe_file(model_name)) if probe_file(model_name).is_file() else {}
    probe_stamps = ({d: probe_fingerprint(params, model_name, d) for d in params.grid.domains}
                    if params.probe.enabled else {})
    probes = {d: v for d, v in probes.items() if v.get("fingerprint") == probe_stamps.get(d)}
    loaded, backend, loads = None, None, 0
    for domain in params.grid.domains:  # domain by domain: a per-domain model loads once
        mine = [c for c in todo if c[0] == domain]
        if not mine and (domain in probes or domain not in probe_stamps):
            continue
        location = generator_location(params, model_name, domain)[0]
        if location != loaded:
            backend = None  # free the previous model before loading the next
            backend, loaded, loads = load_backend(params, model_name, domain), location, loads + 1
        for _, dataset, decoding, prompt in mine:
            key = f"{domain}/{dataset}"
            index.pop(key, None)
            write_json(index_path, index)  # a crash mid-cell leaves it marked as not done
            generate_cell(params, backend, model_name, domain, dataset, decoding, prompt,
                          stamps[key])
            index[key] = stamps[key]
            write_json(index_path, index)
        if domain in probe_stamps and domain not in probes:
            probes[domain] = {**run_probe(params, backend, model_name, domain),
                              "fingerprint": probe_stamps[domain]}
            write_json(probe_file(model_name), probes)
    write_json(index_path, {k: index[k] for k in stamps if k in index})
    write_json(probe_file(model_name), probes)
    summary = {"generated": len(todo), "kept": len(cells) - len(todo), "model_loads": loads}
    log.info("generate %s: %d cells generated, %d kept from an earlier run, %d model load(s)",
             model_name, summary["generated"], summary["kept"], loads)
    return summary
