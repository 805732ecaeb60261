"""Stage second_opinion@<domain>: the real side of the analyses (metrics/analyses.py), fit once
per domain and saved for every evaluate process that scores the domain: the second backbone
(TF-IDF + logistic regression trained on R-train) and the second featurizer (TF-IDF + SVD fit on
R-train, analyses.svd_dim dimensions), with R-train and R-test. Without this stage each
evaluate@<model> would refit them (about 15 s a domain on the paper profile's R-train).
With analyses.enabled false it writes None: nothing is fit, and nothing reads it."""
from __future__ import annotations

import logging

from ..config import Params
from ..layout import reference_dir, second_opinion_file
from ..metrics import analyses
from ..metrics.domain_reference import save_analyses_reference
from ..records import read_jsonl

log = logging.getLogger(__name__)


def run(params: Params, domain: str) -> None:
    path = second_opinion_file(domain)
    if not params.analyses.enabled:  # nothing reads it; the file stands for "not fit"
        save_analyses_reference(None, path)
        log.info("second_opinion %s: analyses disabled, nothing fit -> %s", domain, path)
        return
    train = read_jsonl(reference_dir(domain) / "train.jsonl")
    test = read_jsonl(reference_dir(domain) / "test.jsonl")
    ref = analyses.reference(train, test, params.domain(domain).labels, params.seed)
    ref.svd(params.analyses.svd_dim, params.seed)  # fit now: evaluate reads it, never refits
    save_analyses_reference(ref, path)
    log.info("second_opinion %s: TF-IDF classifier and %d-dim TF-IDF + SVD on %d R-train "
             "texts -> %s", domain, params.analyses.svd_dim, len(train), path)
