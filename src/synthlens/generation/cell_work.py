"""Writing synthetic datasets shard by shard, resumably, with several datasets of one domain in a
batch: the work of stage generate between "these cells need samples" and "their files exist".

A Cell is one dataset being written (config's SyntheticDataset record names it): its samples are
planned (planned_samples), cut into shards
(data/shards/<model>/<domain>/<dataset>/shard-K.jsonl, each written once all its samples
exist, so a killed run resumes from the last finished shard), and the cell's file is assembled
once every shard is there. The shards still to write are cut into parts of at most
generate.batch_size samples and packed into batches (pack): a backend that samples several
decodings in one batch (Backend.complete_mixed: hf on the CPU) gets parts of several cells at
once, so a batch stays full although each dataset is smaller than it; a backend that reports
requests as they finish (keeps_partial: the API) gets one cell's parts at a time and each answer
is appended to partial-K.jsonl the moment it arrives. Samples are seeded per sample, so the
batch a sample rides in does not change it.
"""
from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ..config import Params, SyntheticDataset
from ..layout import reference_dir, shard_dir, synthetic_file
from ..records import read_json, read_jsonl, write_json, write_jsonl
from .backend_api import Backend
from .ledger import Ledger
from .prompts import draw_attributes, pick_examples, render_prompt
from .sampling import Request, sample_flags, sample_seed

log = logging.getLogger(__name__)


def planned_samples(params: Params, domain: str) -> list[dict]:
    spec = params.domain(domain)
    n = params.samples_per_label(domain)
    return [{"sample_index": li * n + i, "label": li, "label_name": label,
             "seed": sample_seed(params.generate.seed, domain, li, i)}
            for li, label in enumerate(spec.labels) for i in range(n)]


def read_partial(path: Path) -> dict[int, dict]:
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


@dataclass(eq=False)  # one object per cell: hashed by identity
class Cell:
    """One dataset being written (a grid cell or a template variant of one model)."""
    model: str
    ds: SyntheticDataset            # domain, name, decoding, prompt
    stamp: str                      # its fingerprint: shards of other settings are discarded
    work: Path
    shards: list[list[dict]]
    done: dict[int, dict[int, dict]] = field(default_factory=dict)  # shard -> index -> row
    seconds: float = 0.0            # its share of the batches' wall time

    @property
    def key(self) -> str:
        return self.ds.key

    @classmethod
    def open(cls, params: Params, model: str, ds: SyntheticDataset, stamp: str, ledger: Ledger,
             keeps_partial: bool) -> Cell:
        """The cell with what an earlier run left of it (finished shards, and with
        keeps_partial the finished requests of unfinished ones, both charged to the ledger)."""
        work = shard_dir(model, ds.domain, ds.name)
        stamp_file = work / "fingerprint.json"
        if work.exists() and (not stamp_file.is_file() or
                              read_json(stamp_file).get("fingerprint") != stamp):
            log.info("generate: discarding shards made with other settings in %s", work)
            shutil.rmtree(work)
        write_json(stamp_file, {"fingerprint": stamp})
        plan, size = planned_samples(params, ds.domain), params.generate.shard_size
        cell = cls(model, ds, stamp, work, [plan[i:i + size] for i in range(0, len(plan), size)])
        for k in range(len(cell.shards)):
            if cell.shard(k).is_file():
                ledger.charge(read_jsonl(cell.shard(k)))
            else:
                cell.done[k] = read_partial(cell.partial(k)) if keeps_partial else {}
                ledger.charge(list(cell.done[k].values()))
        return cell

    def shard(self, k: int) -> Path:
        return self.work / f"shard-{k:05d}.jsonl"

    def partial(self, k: int) -> Path:
        return self.work / f"partial-{k:05d}.jsonl"  # not shard-*: those are finished


class Part(NamedTuple):
    """Samples of one shard of one cell, sampled in one backend call with other parts."""
    cell: Cell
    shard: int
    samples: list[dict]


def parts(params: Params, cell: Cell) -> list[Part]:
    """The samples still to sample, at most generate.batch_size of them a part."""
    out, size = [], params.generate.batch_size
    for k, todo in ((k, [s for s in shard if s["sample_index"] not in cell.done[k]])
                    for k, shard in enumerate(cell.shards) if k in cell.done):
        out += [Part(cell, k, todo[i:i + size]) for i in range(0, len(todo), size)]
    return out


def pack(work: list[Part], batch_size: int, mix: bool) -> list[list[Part]]:
    """Parts packed in order into batches of at most batch_size samples; with mix False a
    batch holds one cell's parts only."""
    out, current, n = [], [], 0
    for part in work:
        if current and (n + len(part.samples) > batch_size
                        or (not mix and part.cell is not current[-1].cell)):
            out.append(current)
            current, n = [], 0
        current.append(part)
        n += len(part.samples)
    return out + [current] if current else out


class Writer:
    """Turns a batch of parts into rows (the samples' records) through one backend call."""

    def __init__(self, params: Params, backend: Backend, model: str, domain: str,
                 ledger: Ledger):
        self.params, self.backend, self.model, self.domain = params, backend, model, domain
        self.ledger, self.spec = ledger, params.model(model)
        self.max_new = params.max_new_tokens(domain)
        self.train = (read_jsonl(reference_dir(domain) / "train.jsonl") if self.spec.shots
                      else [])

    def _prompt(self, cell: Cell, s: dict) -> tuple[str, dict]:
        template = self.params.prompts[cell.ds.prompt]
        attrs = draw_attributes(self.params.attributes, template, s["label_name"], s["seed"])
        return render_prompt(template, self.params.domain(self.domain), s["label_name"],
                             pick_examples(self.train, s["label"], self.spec.shots, s["seed"]),
                             attrs), attrs

    def _row(self, cell: Cell, s: dict, prompt: str, attrs: dict, one) -> dict:
        flags = sample_flags(one, self.params.generate.cleaning)
        b = self.backend
        return {**s, "text": one.text, "raw_text": one.raw, "cut_off": flags["cut_off"],
                "refused": flags["refused"], "prompt": prompt, "prompt_id": cell.ds.prompt,
                "attributes": attrs, "shots": self.spec.shots, "model": self.model,
                "model_path": b.path, "model_revision": b.revision, "backend": self.spec.backend,
                "device": b.device, "domain": self.domain, "decoding": cell.ds.decoding,
                "dataset": cell.ds.name, **self.params.decoding(cell.ds.decoding).model_dump(),
                "max_new_tokens": self.max_new, "prompt_tokens": one.prompt_tokens,
                "output_tokens": one.output_tokens}

    def run(self, batch: list[Part], progress=None) -> None:
        """Sample every part of the batch, keep the rows, write each shard it completes."""
        owners = [(cell, k, s, *self._prompt(cell, s)) for cell, k, samples in batch
                  for s in samples]
        requests = [Request(self.backend.model_input(p), s["seed"]) for _, _, s, p, _ in owners]
        self.ledger.check([r.text for r in requests], self.max_new)
        start = time.monotonic()
        if self.backend.keeps_partial:  # one cell a batch (pack): one decoding
            files = {(c.key, k): c.partial(k).open("a", encoding="utf-8") for c, k, _ in batch}
            try:
                def keep(n, one):  # on disk the moment the request is done
                    cell, k, s, prompt, attrs = owners[n]
                    r = cell.done[k][s["sample_index"]] = self._row(cell, s, prompt, attrs, one)
                    files[cell.key, k].write(json.dumps(r, ensure_ascii=False) + "\n")
                    files[cell.key, k].flush()
                    self.ledger.charge([r])
                    if progress:
                        progress(1)

                self.backend.complete(requests, self.params.decoding(batch[0].cell.ds.decoding),
                                      self.max_new, on_result=keep)
            finally:
                for fh in files.values():
                    fh.close()
        else:
            done = self.backend.complete_mixed(
                requests, [self.params.decoding(c.ds.decoding) for c, *_ in owners], self.max_new)
            rows = []
            for (cell, k, s, prompt, attrs), one in zip(owners, done):
                rows.append(cell.done[k].setdefault(s["sample_index"],
                                                    self._row(cell, s, prompt, attrs, one)))
            self.ledger.charge(rows)
            if progress:
                progress(len(rows))
        seconds = time.monotonic() - start
        for cell, k, samples in batch:
            cell.seconds += seconds * len(samples) / len(owners)
            write_finished(cell, k)


def write_finished(cell: Cell, k: int) -> None:
    """Shard k's file, once every sample of it is done."""
    if k in cell.done and all(s["sample_index"] in cell.done[k] for s in cell.shards[k]):
        write_jsonl(cell.shard(k), [cell.done[k][s["sample_index"]] for s in cell.shards[k]])
        cell.partial(k).unlink(missing_ok=True)
        del cell.done[k]


def finish(cell: Cell, ledger: Ledger, device: str) -> Path | None:
    """The cell's file from its shards, once all exist (None before); its ledger entry."""
    for k in list(cell.done):
        write_finished(cell, k)
    if cell.done:
        return None
    rows = [r for k in range(len(cell.shards)) for r in read_jsonl(cell.shard(k))]
    if [r["sample_index"] for r in rows] != [s["sample_index"] for part in cell.shards
                                             for s in part]:
        raise RuntimeError(f"generate {cell.model}/{cell.key}: shards do not match the plan; "
                           f"delete {cell.work}")
    out = synthetic_file(cell.model, cell.ds.domain, cell.ds.name)
    write_jsonl(out, rows)
    shutil.rmtree(cell.work)
    ledger.record(cell.key, rows, cell.seconds, device)
    log.info("generate %s/%s: %d samples (%d empty, %d refused, %d cut off) -> %s", cell.model,
             cell.key, len(rows), sum(not r["text"] for r in rows),
             sum(r["refused"] for r in rows), sum(r["cut_off"] for r in rows), out)
    return out
