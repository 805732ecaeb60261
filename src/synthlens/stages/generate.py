"""Stage generate: every synthetic dataset of one model, domain by domain, in one process that
loads the model once (a pipeline-trained generator is one model per domain, so once per
domain); the datasets of a domain share batches (generation/cell_work.py).

Kept between runs: each cell's fingerprint (everything that shapes its samples: model and
revision, domain, decoding, prompt, sample plan, and the code: CODE, hashed) is stored in data/synthetic/<model>/
fingerprints.json, and a `dvc repro` after a params edit regenerates only the cells whose
fingerprint changed; the model is not even loaded when none did. dvc.yaml marks the output
`persist`, so DVC leaves the kept cells in place.

Nothing is lost on a crash (generation/cell_work.py): a cell is written in shards as it goes
(data/shards/...); a killed run resumes from the last finished shard, and the cell's file is
assembled only once every shard exists. Shards carry the cell's fingerprint; shards of other
settings are discarded. A backend that reports requests as they finish (Backend.keeps_partial:
the API backend, where every request is paid for) also appends each finished sample to
partial-K.jsonl; the resumed run sends only the samples missing there, and the shard comes out
as an uninterrupted run's. What each cell cost goes to data/ledger/<model>.json
(generation/ledger.py), with the API budget cap checked before every batch.
"""
from __future__ import annotations

import logging

from ..config import Params, SyntheticDataset
from ..generation import cell_work
from ..generation.backend_api import Backend
from ..generation.backends import load_backend
from ..generation.ledger import Ledger, Prices
from ..generation.location import generator_location, local_revision
from ..incremental import canonical_sha256, drop_stale, file_sha256
from ..layout import ledger_file, probe_file, reference_dir, synthetic_dir, synthetic_file
from ..provenance import code_sha256
from ..records import read_json, read_jsonl, write_json

log = logging.getLogger(__name__)
FINGERPRINTS = "fingerprints.json"
# The code behind every sample and probe: exactly generate's code deps in dvc.yaml (a test checks).
CODE = ("stages/generate.py", "generation")
# Model fields that do not shape a sample: editing the pacing of an API model must not throw
# away the datasets it has paid for.
API_PACING = {"max_concurrency", "timeout_s", "requests_per_minute", "tokens_per_minute",
              "retry_budget_s", "max_backoff_s", "max_retries", "prompt_price_per_million",
              "output_price_per_million", "max_cost_usd"}
MODEL_NOT_SHAPING = {"note": True, "size_b": True, "prompt": True, "api": API_PACING}


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
        payload["train_sha"] = file_sha256(reference_dir(domain) / "train.jsonl")
    return canonical_sha256(payload, 16)


def probe_fingerprint(params: Params, model_name: str, domain: str) -> str:
    payload = {"probe": params.probe.model_dump(), "revision": revision_of(params, model_name,
                                                                           domain),
               "model": params.model(model_name).model_dump(exclude={"note", "size_b"}),
               "labels": [params.domain(domain).label_phrase(x)
                          for x in params.domain(domain).labels],
               "test_sha": file_sha256(reference_dir(domain) / "test.jsonl"),
               "code": code_sha256(*CODE)}
    return canonical_sha256(payload, 16)


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


def generate_domain(params: Params, backend: Backend, model_name: str, domain: str,
                    cells: list[SyntheticDataset], stamps: dict, index: dict,
                    ledger: Ledger) -> None:
    """The domain's cells that need samples, their shards packed into batches
    (generation/cell_work.py); each cell's file, fingerprint and ledger entry written the
    moment its last shard is (a crash loses at most the batch in flight)."""
    from tqdm.auto import tqdm

    index_path = synthetic_dir(model_name) / FINGERPRINTS
    work = [cell_work.Cell.open(params, model_name, ds, stamps[ds.key], ledger,
                                backend.keeps_partial) for ds in cells]
    for cell in work:
        index.pop(cell.key, None)
    write_json(index_path, index)  # a crash mid-cell leaves it marked as not done
    finished: set[str] = set()

    def close(cell: cell_work.Cell) -> None:
        if cell.key not in finished and cell_work.finish(cell, ledger, backend.device):
            finished.add(cell.key)
            index[cell.key] = cell.stamp
            write_json(index_path, index)

    parts = [p for cell in work for p in cell_work.parts(params, cell)]
    writer = cell_work.Writer(params, backend, model_name, domain, ledger)
    with tqdm(total=sum(len(p.samples) for p in parts), unit="sample", mininterval=2,
              desc=f"generate {model_name}/{domain} ({len(work)} datasets)") as bar:
        try:
            for batch in cell_work.pack(parts, params.generate.batch_size,
                                        mix=not backend.keeps_partial):
                writer.run(batch, bar.update)
                for cell in dict.fromkeys(p.cell for p in batch):
                    close(cell)
            for cell in work:  # cells whose shards were all there already
                close(cell)
        finally:  # the cells finished so far, also when a later one fails
            write_json(ledger_file(model_name), ledger.cells)


def run(params: Params, model_name: str) -> dict:
    """Every dataset of one model (Params.datasets: the grid's cells and the template
    variants) and its contamination probe per domain; returns what was done."""
    cells = params.datasets(model_name)
    index_path = synthetic_dir(model_name) / FINGERPRINTS
    known = read_json(index_path) if index_path.is_file() else {}
    stamps = {ds.key: fingerprint(params, model_name, ds.domain, ds.decoding, ds.prompt)
              for ds in cells}
    todo = [ds for ds in cells if known.get(ds.key) != stamps[ds.key]
            or not synthetic_file(model_name, ds.domain, ds.name).is_file()]
    drop_stale(synthetic_dir(model_name).glob("*/*.jsonl"),
               {synthetic_file(model_name, ds.domain, ds.name) for ds in cells}, "generate")
    index = {k: v for k, v in known.items() if k in stamps}
    probes = read_json(probe_file(model_name)) if probe_file(model_name).is_file() else {}
    probe_stamps = ({d: probe_fingerprint(params, model_name, d) for d in params.grid.domains}
                    if params.probe.enabled else {})
    probes = {d: v for d, v in probes.items() if v.get("fingerprint") == probe_stamps.get(d)}
    spec = params.model(model_name)
    api = spec.api
    ledger = Ledger(Prices(api.prompt_price_per_million, api.output_price_per_million) if api
                    else Prices(), api.max_cost_usd if api else None,
                    {k: v for k, v in (read_json(ledger_file(model_name)) if
                                       ledger_file(model_name).is_file() else {}).items()
                     if k in stamps and k not in {ds.key for ds in todo}})
    loaded, backend, loads = None, None, 0
    for domain in params.grid.domains:  # domain by domain: a per-domain model loads once
        mine = [ds for ds in todo if ds.domain == domain]
        if not mine and (domain in probes or domain not in probe_stamps):
            continue
        location = generator_location(params, model_name, domain)[0]
        if location != loaded:
            backend = None  # free the previous model before loading the next
            backend, loaded, loads = load_backend(params, model_name, domain), location, loads + 1
        if mine:
            generate_domain(params, backend, model_name, domain, mine, stamps, index, ledger)
        if domain in probe_stamps and domain not in probes:
            probes[domain] = {**run_probe(params, backend, model_name, domain),
                              "fingerprint": probe_stamps[domain]}
            write_json(probe_file(model_name), probes)
    write_json(index_path, {k: index[k] for k in stamps if k in index})
    write_json(probe_file(model_name), probes)
    write_json(ledger_file(model_name), {k: ledger.cells[k] for k in stamps if k in ledger.cells})
    summary = {"generated": len(todo), "kept": len(cells) - len(todo), "model_loads": loads}
    log.info("generate %s: %d cells generated, %d kept from an earlier run, %d model load(s)",
             model_name, summary["generated"], summary["kept"], loads)
    return summary
