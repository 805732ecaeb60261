"""Incremental reruns: a stage whose outputs are `persist` keeps each result it made before
unless that result's inputs changed, and removes the results of datasets that left the grid.
One home for what every such stage needs: the canonical hash a kept result is keyed by, the
hash of an input file, and the removal of stale results.

The canonical hash of a payload is sha256 over its JSON with sorted keys and the default
separators; a value JSON cannot hold (a Path, a set) is written as its str(). The same payload
gives the same key in any process, on any machine, whatever the dicts' insertion order.
"""
from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Iterable

log = logging.getLogger(__name__)


def canonical_sha256(payload, length: int | None = None) -> str:
    """The hex sha256 of the payload's canonical JSON (module doc), cut to `length` hex digits
    when given (fingerprints and params hashes use 16)."""
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:length]


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def drop_stale(paths: Iterable[Path], keep: set[Path], stage: str) -> list[Path]:
    """Remove every file of `paths` (a stage's results on disk, e.g. a glob) that is not in
    `keep` (the results the stage makes this run), logging each under the stage's name;
    returns the removed ones."""
    removed = []
    for path in sorted(paths):
        if path not in keep:
            log.info("%s: removing %s (no longer in the grid)", stage, path)
            path.unlink()
            removed.append(path)
    return removed
