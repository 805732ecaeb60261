"""Where the uncertainty behind the claims' verdicts comes from, and the run the verdicts are
repeated on under the second classifier backbone and MAUVE featurizer.

annotate() fills each ClaimResult.intervals with one sentence: which characteristics the claim
uses, how many of their values carry a bootstrap interval, a seed std, both, or nothing (a value
with neither makes every test that needs it undecided). second_run() is the run with the
*_2 values in place of faithfulness, complexity, performance and conformity; each keeps an
uncertainty: its own interval and draws (`<c>_2_ci_low/high`, `bootstrap_draws.<c>_2`) where
the metrics file has them, else the main value's interval and draws moved onto it (the same
samples, resampled the same way: a stand-in, said so in claims.md), and its own seed std.
"""
from __future__ import annotations

from dataclasses import replace

from ..config import Params
from ..metrics.schema import K
from .claim_checks import evaluate_claims
from .claims import NOT_RUN, ClaimResult, Means
from .rundata import CHARACTERISTICS, LABELS, RunData
from .tabular import is_number

SECOND = {K.faithfulness: K.faithfulness_2, K.complexity: K.complexity_2,
          K.performance: K.performance_2, K.mauve: K.mauve_2}
USES = {1: [K.faithfulness, K.diversity, K.mauve], 2: CHARACTERISTICS,
        3: [K.mauve, K.faithfulness, K.diversity, K.performance],
        4: [K.diversity, K.faithfulness, K.mauve], 5: [K.diversity, K.mauve, K.faithfulness,
                                                       K.complexity],
        6: [K.diversity, K.mauve]}


def second_run(run: RunData) -> RunData:
    """A copy of the run whose faithfulness, complexity, performance and MAUVE are the second
    backbone's / featurizer's values, each with an uncertainty (see the module text)."""
    nan = float("nan")
    rows = []
    for r in run.rows:
        r = dict(r)
        raw = run.raw.get(r.get("path"), {})
        boot = r.get("bootstrap") or {}
        draws = dict(boot.get(K.draws) or {})
        for c, second in SECOND.items():
            main, value = r[c], r.get(second, nan)
            low, high = raw.get(f"{second}_ci_low"), raw.get(f"{second}_ci_high")
            own = (raw.get(K.bootstrap_draws) or {}).get(second)
            if isinstance(own, list):
                draws[c] = own
            elif c in draws:
                draws[c] = [d - main + value for d in draws[c]]
            if not is_number(low, high):
                low = value - (main - r.get(f"{c}_ci_low", nan))
                high = value + (r.get(f"{c}_ci_high", nan) - main)
            r[c], r[f"{c}_ci_low"], r[f"{c}_ci_high"] = value, low, high
            r[f"{c}_std"] = r.get(f"{second}_std", nan)
        r["bootstrap"] = {"level": boot.get("level"), K.draws: draws}
        rows.append(r)
    return replace(run, rows=rows)


def evaluate_second(run: RunData, params: Params) -> list[ClaimResult]:
    """The six verdicts under the second backbone and featurizer, annotated."""
    second = second_run(run)
    return annotate(evaluate_claims(second, params), second, params)


def _sources(means: Means, c: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in means.by.values():
        if is_number(r[c]):
            counts[r[f"{c}_se_from"]] = counts.get(r[f"{c}_se_from"], 0) + 1
    return counts


def annotate(results: list[ClaimResult], run: RunData, params: Params) -> list[ClaimResult]:
    """Set each verdict's `intervals` sentence (none for NOT RUN); returns results."""
    means = Means(run, params)
    sources = {c: _sources(means, c) for c in CHARACTERISTICS}
    for r in results:
        if r.verdict == NOT_RUN:
            continue
        parts, lacking = [], []
        for c in USES[r.number]:
            counts = sources[c]
            total = sum(counts.values())
            if not total:
                continue
            parts.append(f"{LABELS[c]}: " + ", ".join(
                f"{n} of {total} from {src}" for src, n in sorted(counts.items())))
            if counts.get("none"):
                lacking.append(LABELS[c])
        text = ("Standard errors of the means over domains (Table 2's datasets of the grid) — "
                + "; ".join(parts) + ".")
        if lacking:
            text += (" A value 'from none' has no bootstrap interval and no seed spread (metrics "
                     "written without params analyses, or a single seed): every test that "
                     "needs it stays undecided, whatever its size (" + ", ".join(lacking) + ").")
        r.intervals = text
    return results
