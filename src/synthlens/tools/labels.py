"""Human labels (`make label-export`, `make label-import`): a seeded sample of each synthetic
dataset, stratified by intended label, written as a CSV for people to label, and the filled-in
CSV read back, checked row by row and scored against the intended labels and the reference
classifier (data/human_labels/<domain>/<model>/<decoding>.json).

A CSV carries no hint of the intended label: ids are opaque (a hash of the dataset and the
sample index, which generate numbers label by label), rows are shuffled, and the file name
names only the dataset. Its `dataset` column (model/domain/decoding) says where each row
belongs, so files can be renamed, moved or concatenated.
"""
from __future__ import annotations

import csv
import hashlib
import io
import sys
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

from ..config import ConfigError, Params
from ..device import choose
from ..incremental import file_sha256
from ..layout import (human_labels_dir, human_labels_file, reference_classifier_dir,
                      synthetic_file)
from ..metrics.human_labels import summarize
from ..metrics.schema import K
from ..records import read_jsonl, write_json, write_text
from .labels_csv import COLUMNS, CsvRow, read_rows

README = """# Human labels

Each `<domain>/<model>/<decoding>.todo.csv` holds a sample of one synthetic dataset. Fill
the `label` column of every row with the label the text deserves, one of its domain's labels
below (capitals do not matter); leave the other columns as they are. Lines starting with `#`
are ignored. Delete the rows you do not label: a file with an empty label is refused.

{allowed}
Then: `make label-import FILE=<file.csv>` (several: `FILE='a.csv b.csv'`).
"""


def row_id(model: str, domain: str, decoding: str, sample_index: int) -> str:
    """An id that says nothing about the label (sample indices run label by label)."""
    return hashlib.sha256(f"{model}/{domain}/{decoding}/{sample_index}".encode()).hexdigest()[:12]


def dataset_name(model: str, domain: str, decoding: str) -> str:
    return f"{model}/{domain}/{decoding}"


def selected(params: Params, model: str | None = None, domain: str | None = None,
             decoding: str | None = None) -> list[tuple[str, str, str]]:
    """(model, domain, decoding) of the datasets to export: the options given, else
    params.labels, else the grid."""
    chosen = {}
    for key, given in (("models", model), ("domains", domain), ("decodings", decoding)):
        grid = getattr(params.grid, key)
        if given is not None and given not in grid:
            raise ConfigError(f"--{key[:-1]} {given}: not in grid.{key} {grid}")
        chosen[key] = [given] if given is not None else getattr(params.labels, key) or grid
    return [(m, d, c) for d in chosen["domains"] for m in chosen["models"]
            for c in chosen["decodings"]]


def stratified_sample(rows: list[dict], n: int, seed: int | list[int]) -> list[dict]:
    """n rows (all of them when fewer), as many of each label as it has up to an equal share
    (+-1), in a seeded random order."""
    rng = np.random.default_rng(seed)
    groups: dict[int, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["label"], []).append(row)
    pools = {label: [group[i] for i in rng.permutation(len(group))]
             for label, group in sorted(groups.items())}
    order = [list(pools)[i] for i in rng.permutation(len(pools))]  # who gets the remainder
    quota, left = dict.fromkeys(pools, 0), min(n, len(rows))
    while left:  # one row per label per round, skipping labels that ran out
        for label in order:
            if left and quota[label] < len(pools[label]):
                quota[label] += 1
                left -= 1
    picked = [row for label, pool in pools.items() for row in pool[:quota[label]]]
    return [picked[i] for i in rng.permutation(len(picked))]


def todo_csv(params: Params, model: str, domain: str, decoding: str, rows: list[dict]) -> str:
    out = io.StringIO()
    labels = params.domain(domain).labels
    out.write(f"# allowed labels: {' | '.join(labels)} (fill the label column with one of "
              "them; lines starting with # are ignored)\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    name = dataset_name(model, domain, decoding)
    for row in rows:
        writer.writerow([row_id(model, domain, decoding, row["sample_index"]), name,
                         row["text"], ""])
    return out.getvalue()


def _has_labels(path: Path) -> bool:
    rows, problems = read_rows(path)
    return bool(problems) or any(r.label for r in rows)


def export(params: Params, model: str | None = None, domain: str | None = None,
           decoding: str | None = None, n: int | None = None, force: bool = False) -> list[Path]:
    """The .todo.csv of every selected dataset that has been generated; returns the files."""
    if n is not None and not 0 < n <= 100_000:
        raise ConfigError(f"--n {n}: must be between 1 and 100000")
    n = n or params.labels.samples
    written, missing = [], []
    for m, d, c in selected(params, model, domain, decoding):
        source = synthetic_file(m, d, c)
        if not source.is_file():
            missing.append(str(source))
            continue
        rows = [r for r in read_jsonl(source) if r["text"].strip()]  # nothing to label in ""
        sample = stratified_sample(rows, n, [params.labels.seed,
                                             zlib.crc32(dataset_name(m, d, c).encode())])
        out, text = human_labels_file(m, d, c, ".todo.csv"), todo_csv(params, m, d, c, sample)
        if out.is_file() and out.read_text(encoding="utf-8", errors="replace") != text:
            if _has_labels(out) and not force:
                raise ValueError(f"{out} already has labels in it: import it first (make "
                                 "label-import), or move it away (label-export --force "
                                 "overwrites it)")
        write_text(out, text)
        written.append(out)
        counts = Counter(params.domain(d).labels[r["label"]] for r in sample)
        print(f"{out}: {len(sample)} rows to label of {dataset_name(m, d, c)} "
              f"({len(rows)} non-empty texts; {len(counts)} labels, "
              f"{min(counts.values(), default=0)}-{max(counts.values(), default=0)} each)")
    if missing:
        print(f"not generated yet, skipped (dvc repro writes them): {', '.join(missing)}")
    if not written:
        raise FileNotFoundError("no synthetic dataset to sample from: run dvc repro first")
    domains = sorted(set(params.grid.domains) | {d for _, d, _ in selected(params, model, domain,
                                                                           decoding)})
    allowed = "".join(f"- {d}: {', '.join(params.domain(d).labels)}\n" for d in domains)
    write_text(human_labels_dir() / "README.md", README.format(allowed=allowed))
    print(f"\nNext: fill the label column of each file with one of its domain's labels\n"
          f"{allowed}(instructions: {human_labels_dir() / 'README.md'}), then\n"
          f"  make label-import FILE='{' '.join(str(p) for p in written)}'")
    return written


class Dataset:
    """One synthetic dataset as the import sees it: its rows by id, its label names."""

    def __init__(self, params: Params, model: str, domain: str, decoding: str):
        self.model, self.domain, self.decoding = model, domain, decoding
        self.path = synthetic_file(model, domain, decoding)
        self.labels = params.domain(domain).labels
        self.by_id = {row_id(model, domain, decoding, r["sample_index"]): r
                      for r in read_jsonl(self.path)}
        self.names = {label.lower(): label for label in self.labels}


def _dataset(params: Params, name: str, cache: dict) -> Dataset | str:
    """The dataset a row names, or why there is none."""
    if name not in cache:
        parts = name.split("/")
        if len(parts) != 3:
            cache[name] = f"dataset '{name}' is not <model>/<domain>/<decoding>"
        elif (parts[0] not in params.models or parts[1] not in params.domains
              or parts[2] not in params.decodings):
            cache[name] = f"dataset '{name}' names a model, domain or decoding not in the params"
        elif not synthetic_file(*parts).is_file():
            cache[name] = f"dataset '{name}': {synthetic_file(*parts)} does not exist"
        else:
            cache[name] = Dataset(params, *parts)
    return cache[name]


def _normal(text: str) -> str:
    return " ".join(text.split())


def check(params: Params, rows: list[CsvRow]) -> tuple[dict[str, list], list[str]]:
    """Rows grouped by dataset as (row, dataset sample, label name), and every problem found
    (file:line: problem), unlabelled rows counted per file at the end."""
    cache: dict = {}
    groups: dict[str, list] = {}
    problems, unlabelled, total = [], Counter(), Counter()
    seen: dict[tuple[str, str], str] = {}
    for row in rows:
        where = f"{row.file}:{row.line}"
        total[row.file] += 1
        dataset = _dataset(params, row.dataset, cache)
        if isinstance(dataset, str):
            problems.append(f"{where}: {dataset}")
            continue
        sample = dataset.by_id.get(row.id)
        if sample is None:
            problems.append(f"{where}: unknown id '{row.id}' (not a sample of {row.dataset})")
            continue
        if (row.dataset, row.id) in seen:
            problems.append(f"{where}: duplicate id '{row.id}' (first at "
                            f"{seen[row.dataset, row.id]})")
            continue
        seen[row.dataset, row.id] = where
        if row.text is not None and _normal(row.text) != _normal(sample["text"]):
            problems.append(f"{where}: text differs from sample '{row.id}' of {row.dataset} "
                            "(dataset generated again since the export? export again)")
            continue
        if not row.label:
            unlabelled[row.file] += 1
            problems.append(f"{where}: no label")
            continue
        label = dataset.names.get(row.label.lower())
        if label is None:
            problems.append(f"{where}: label '{row.label}' is not one of {dataset.labels}")
            continue
        groups.setdefault(row.dataset, []).append((row, sample, label))
    for file, count in unlabelled.items():
        problems.append(f"{file}: {count} of {total[file]} rows have no label (a partial file: "
                        "label them, or delete the rows you leave out)")
    return groups, problems


def _predict(params: Params, domain: str, texts: list[str]) -> list[str] | None:
    """The reference classifier's (first seed's) label names for texts; None when it has not
    been trained yet."""
    from ..metrics import classifier

    path = reference_classifier_dir(domain) / f"seed-{params.classifier.seeds[0]}"
    if not path.is_dir():
        return None
    model, tok = classifier.load(path, choose(params.require_gpu))
    ids = classifier.predict(model, tok, texts, params.classifier.max_length)
    return [params.domain(domain).labels[int(i)] for i in ids]


def import_files(params: Params, files: list[str]) -> int:
    """Checks every row of every file, then writes one JSON per dataset (0), or writes nothing
    and prints every problem (2)."""
    rows, problems = [], []
    for file in files:
        file_rows, file_problems = read_rows(Path(file))
        rows += file_rows
        problems += file_problems
    groups, found = check(params, rows)
    problems += found
    if not problems and not groups:
        problems.append(f"{', '.join(files)}: no labelled rows")
    if problems:
        print("\n".join(problems) + f"\nnothing imported: {len(problems)} problem(s)",
              file=sys.stderr)
        return 2
    results = {}
    for name, group in groups.items():
        model, domain, decoding = name.split("/")
        texts = [sample["text"] for _, sample, _ in group]
        labels = params.domain(domain).labels
        predicted = _predict(params, domain, texts)
        human = [label for _, _, label in group]
        intended = [labels[sample["label"]] for _, sample, _ in group]
        summary = summarize(human, intended, predicted)
        source = synthetic_file(model, domain, decoding)
        results[human_labels_file(model, domain, decoding)] = {
            **summary, "dataset": name, "labels": labels,
            "dataset_sha256": file_sha256(source),
            "classifier": (None if predicted is None else str(
                reference_classifier_dir(domain) / f"seed-{params.classifier.seeds[0]}")),
            "files": sorted({row.file for row, _, _ in group}),
            "rows": [{"id": row.id, "sample_index": sample["sample_index"], "label": label,
                      "intended": intended[k], "classifier": None if predicted is None
                      else predicted[k]} for k, (row, sample, label) in enumerate(group)]}
    for path, result in results.items():  # every file checked: now write them all
        write_json(path, result)
        agreement = result[K.classifier_agreement]
        print(f"{path}: {result['n_labelled']} labels of {result['dataset']}, label accuracy "
              f"{result['label_accuracy']:.3f}, classifier agreement "
              + (f"{agreement:.3f}" if agreement is not None else
                 "not computed (no reference classifier yet: dvc repro, then import again)"))
    return 0
