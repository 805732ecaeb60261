"""Stage cards: a shareable folder per synthetic dataset of the grid (its cells and template
variants), data/cards/<model>/<domain>/<dataset>/: the rows as data.jsonl and a dataset card
(README.md, Hugging Face format: report/dataset_card.py) with how it was generated, its sizes,
this run's measures of it and the source data's licence (params domains.<d>.license,
.citation). The folder is rebuilt from nothing each run, so no card outlives its dataset."""
from __future__ import annotations

import logging
import shutil

from ..config import Params
from ..layout import DATA, card_dir, metrics_file, synthetic_file
from ..records import read_json, read_jsonl, write_jsonl, write_text
from ..report.dataset_card import card

log = logging.getLogger(__name__)


def run(params: Params) -> None:
    if (DATA / "cards").exists():
        shutil.rmtree(DATA / "cards")
    written = 0
    for model in params.grid.models:
        for domain, name, decoding, _ in params.datasets(model):
            rows = read_jsonl(synthetic_file(model, domain, name))
            if not rows:
                raise ValueError(f"{synthetic_file(model, domain, name)} is empty")
            spec = params.domain(domain)
            out = card_dir(model, domain, name)
            write_jsonl(out / "data.jsonl", rows)
            write_text(out / "README.md", card(
                rows, read_json(metrics_file(model, domain, name)), domain=domain,
                subject=spec.subject, labels=list(spec.labels), license=spec.license,
                citation=spec.citation, max_new_tokens=params.max_new_tokens(domain)))
            written += 1
    log.info("cards: %d dataset folders in %s", written, DATA / "cards")
