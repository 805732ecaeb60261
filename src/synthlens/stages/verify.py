"""Stage verify: the paper's six claims checked on this run's metrics, written to
paper_figures/claims.md and printed: each verdict PASS or FAIL only when its effect clears its
uncertainty, else INCONCLUSIVE (report/claim_checks.py, claim_curves.py, claim_stats.py), and
the same verdicts under the second classifier backbone and featurizer next to them
(report/claim_intervals.py).

Exit status (run): 0 whenever the run's metrics are readable, whatever the verdicts; 2 for a
malformed run (no metrics files, unreadable JSON, missing keys).
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

from ..config import Params
from ..layout import DATA
from ..report.claim_checks import evaluate_claims
from ..report.claim_intervals import annotate, evaluate_second
from ..report.claims import claims_markdown
from ..report.rundata import MalformedRun, load_run

log = logging.getLogger(__name__)


def run(params: Params, metrics_dir: str | Path = DATA / "metrics",
        out_dir: str | Path = "paper_figures") -> int:
    """Write out_dir/claims.md and print it. 0 unless the run is malformed (then 2)."""
    out = Path(out_dir)
    try:
        run_data = load_run(params, metrics_dir)
    except MalformedRun as e:
        stale = out / "claims.md"
        if stale.is_file():
            stale.unlink()  # never leave verdicts of an older run behind
        print(f"synthlens verify: malformed run: {e}", file=sys.stderr)
        return 2
    results = annotate(evaluate_claims(run_data, params), run_data, params)
    second = evaluate_second(run_data, params)
    text = claims_markdown(results, run_data, params, second)
    out.mkdir(parents=True, exist_ok=True)
    (out / "claims.md").write_text(text, encoding="utf-8")
    print(text)
    summary = ", ".join(f"{r.number}: {r.verdict}" for r in results)
    log.info("verify: %s -> %s", summary, (out / "claims.md").resolve())
    return 0
