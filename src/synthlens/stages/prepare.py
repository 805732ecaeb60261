"""Stage prepare: a domain's reference data as train/test JSONL with integer labels (the rows
come from domains.reference: builtin generator, local files or hub dataset)."""
from __future__ import annotations

import logging

from ..config import Params
from ..domains.reference import load_reference
from ..layout import reference_dir
from ..records import write_jsonl

log = logging.getLogger(__name__)


def run(params: Params, domain: str) -> None:
    spec = params.domain(domain)
    train, test = load_reference(spec, domain, params.seed)
    out = reference_dir(domain)
    write_jsonl(out / "train.jsonl", train)
    write_jsonl(out / "test.jsonl", test)
    log.info("prepare %s: %d train, %d test examples -> %s", domain, len(train), len(test), out)
