"""R-test without the texts R-train already holds: a test text that also occurs in train (after
the whitespace and case normalisation of metrics.leakage) is removed from test, counted and
logged. Otherwise the reference classifier is scored partly on texts it was trained on, and the
reference row's leakage (R-train against R-test) reports copies that the data brought, not a
generator. Applied at prepare time to every source: builtin, local files, hub and streamed.
"""
from __future__ import annotations

import logging

from ..metrics.leakage import normalise

log = logging.getLogger(__name__)


def copied_test_rows(train_texts, test_texts) -> list[int]:
    """Indices of the test texts whose normalised form is that of some train text (None or
    non-string cells are compared as their str(); a None text is never a copy)."""
    pool = {normalise(str(t)) for t in train_texts if t is not None}
    return [i for i, t in enumerate(test_texts) if t is not None and normalise(str(t)) in pool]


def drop_test_copies(train_split, test_split, text_field: str, domain: str):
    """test_split (a datasets.Dataset) without the rows that copy a train_split text; the
    count is logged (a warning when any was removed)."""
    copies = copied_test_rows(train_split[text_field], test_split[text_field])
    if not copies:
        log.info("domains.%s: no R-test text occurs in R-train", domain)
        return test_split
    log.warning("domains.%s: %d of %d R-test texts also occur in R-train (whitespace and case "
                "ignored); removed from R-test", domain, len(copies), len(test_split))
    drop = set(copies)
    return test_split.select([i for i in range(len(test_split)) if i not in drop])
