"""The metrics files of an evaluate stage: one per dataset, each recording the hash of everything
it was computed from (its dataset, the domain's reference inputs, the params it reads, imported
human labels, and the code), so that a rerun recomputes exactly the files whose inputs changed
and removes those of datasets that left the grid (the stages' outputs are `persist`)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..config import Params
from ..incremental import canonical_sha256, file_sha256
from ..incremental import drop_stale as drop_stale_files
from ..layout import human_labels_file
from ..provenance import code_sha256
from ..records import read_json, write_json
from .domain_reference import Domain, domain_inputs
from .human_labels import human_label_metrics
from .schema import K, check

log = logging.getLogger(__name__)


@dataclass
class Job:
    """One dataset to evaluate: where it is, where its metrics go, what it is (the metrics
    file's info: model, domain, decoding, kind ...) and the params it depends on."""
    dataset: Path
    out: Path
    info: dict
    used: dict


def inputs_hash(shared: dict[str, str], dataset: Path, used: dict,
                labels: Path | None = None) -> str:
    """What a metrics file is computed from: its dataset, the domain's shared inputs
    (domain_inputs), the params it reads, and imported human labels."""
    parts = {"params": used,
             "human_labels": file_sha256(labels) if labels is not None and labels.is_file() else None,
             "dataset": file_sha256(dataset), **shared}
    return canonical_sha256(parts)


def up_to_date(path: Path, key: str) -> bool:
    try:
        return read_json(path).get(K.inputs_sha256) == key
    except (OSError, ValueError):
        return False


def run_jobs(params: Params, directory: Path, jobs: list[Job], code: tuple[str, ...],
             score: Callable[[Domain, Job], dict]) -> dict:
    """An evaluate stage's work: the metrics files under `directory` that no job writes any
    more are removed, then every job whose inputs changed is scored, a domain at a time (the
    domain's reference side, Domain(params, domain), is loaded for its first job to score and
    dropped before the next domain's); returns {"evaluated", "kept", "classifier_loads"}."""
    directory.mkdir(parents=True, exist_ok=True)  # the stage's output, also when empty
    drop_stale_files(directory.glob("**/*.json"), {job.out for job in jobs}, "evaluate")
    code_hash = code_sha256(*code)
    done = kept = loads = 0
    by_domain: dict[str, list[Job]] = {}
    for job in jobs:
        by_domain.setdefault(job.info["domain"], []).append(job)
    for domain, todo in by_domain.items():
        hashed = {**domain_inputs(domain), "code": code_hash}
        shared = None
        for job in todo:
            info = job.info
            labels = (human_labels_file(info["model"], domain, info["decoding"])
                      if info["kind"] in ("synthetic", "template") else None)
            key = inputs_hash(hashed, job.dataset, job.used, labels)
            if up_to_date(job.out, key):
                kept += 1
                continue
            shared = shared or Domain(params, domain)
            result = score(shared, job)
            if labels is not None:  # make label-import: people's labels next to faithfulness
                result.update(human_label_metrics(domain, info["model"], info["decoding"]) or {})
            result[K.inputs_sha256] = key
            write_json(job.out, check(result, str(job.out)))  # written through the schema
            done += 1
            log.info("evaluate %s: %s", job.out, {k: round(v, 3) for k, v in result.items()
                                                  if isinstance(v, float)})
        if shared is not None:
            loads += shared.classifier_loads
    log.info("evaluate: %d datasets evaluated, %d kept from an earlier run", done, kept)
    return {"evaluated": done, "kept": kept, "classifier_loads": loads}
