"""Are the differences behind the claims' verdicts larger than the bootstrap intervals? For the
claims that compare identifiable datasets (claim 1 with same-base pairs, claims 2 and 3), each
comparison's two means are tested for overlapping intervals (metrics/bootstrap.overlaps); the
other claims get one sentence saying where the intervals are. Fills ClaimResult.intervals.
"""
from __future__ import annotations

from ..config import Params
from ..metrics.bootstrap import overlaps
from .claim_checks import chatgpt_models, instruct_pairs, llama_pairs
from .claims import NOT_RUN, ClaimResult, Means
from .rundata import LABELS, RunData

SHOWN = 6   # overlapping comparisons named per characteristic; the rest are counted
NO_TEST = ("This verdict rests on {what}, not on one difference between two datasets, so no "
           "interval test is applied; each dataset's bootstrap interval is in "
           "table_per_domain.")


def _ci(row: dict, c: str) -> tuple[float, float]:
    nan = float("nan")
    return row.get(f"{c}_ci_low", nan), row.get(f"{c}_ci_high", nan)


def _has(ci: tuple[float, float]) -> bool:
    return all(isinstance(v, float) and v == v for v in ci)


def overlap_note(units: list[tuple[str, dict, dict]], characteristics: list[str],
                 level: float) -> str:
    """One paragraph: per characteristic, in how many of the comparisons (name, row a, row b)
    with intervals on both sides the two intervals overlap, naming the first few."""
    parts, without = [], set()
    for c in characteristics:
        tested, inside = 0, []
        for name, a, b in units:
            ca, cb = _ci(a, c), _ci(b, c)
            if not (_has(ca) and _has(cb)):
                without.add(name)
                continue
            tested += 1
            if overlaps(ca, cb):
                inside.append(name)
        if not tested:
            continue
        text = f"{LABELS.get(c, c)} {len(inside)} of {tested}"
        if inside:
            text += " (" + "; ".join(inside[:SHOWN]) + (
                f"; and {len(inside) - SHOWN} more" if len(inside) > SHOWN else "") + ")"
        parts.append(text)
    if not parts:
        return ("The metrics files of the datasets compared carry no bootstrap intervals "
                "(written without params analyses), so whether these differences exceed "
                "resampling noise is not known here.")
    note = (f"{level:.0%} bootstrap intervals of the means over domains, propagated as in "
            "Table 2. Comparisons whose two intervals overlap, i.e. whose difference lies "
            "inside the intervals and could be resampling noise: " + "; ".join(parts) + ".")
    if without:
        note += f" {len(without)} comparison(s) lack an interval on one side and are not counted."
    return note


def _units_claim1(means: Means) -> list[tuple[str, dict, dict]] | None:
    pairs = instruct_pairs(means)
    if not pairs:
        return None   # the group comparison: no two identifiable datasets
    return [(f"{i} vs {v} at {dec}", means.get(v, dec), means.get(i, dec))
            for v, i in pairs for dec in means.params.grid.decodings
            if means.comparable(means.get(v, dec), means.get(i, dec))]


def _units_claim2(means: Means) -> list[tuple[str, dict, dict]]:
    units = []
    for target in chatgpt_models(means):
        others = [m for m in means.zero_shot() if m != target]
        for dec in means.params.grid.decodings:
            me = means.get(target, dec)
            rivals = [m for m in others if means.comparable(me, means.get(m, dec))]
            if me is not None and len(rivals) >= 2:
                units += [(f"{target} vs {m} at {dec}", me, means.get(m, dec)) for m in rivals]
    return units


def _units_claim3(means: Means) -> list[tuple[str, dict, dict]]:
    return [(f"{new} vs {old} at {dec}", means.get(old, dec), means.get(new, dec))
            for old, new in llama_pairs(means) for dec in means.params.grid.decodings
            if means.comparable(means.get(old, dec), means.get(new, dec))]


def annotate(results: list[ClaimResult], run: RunData, params: Params) -> list[ClaimResult]:
    """Set each verdict's `intervals` sentence (none for NOT RUN); returns results."""
    means = Means(run, params)
    level = params.analyses.bootstrap_level
    compared = {1: (_units_claim1, ["faithfulness", "diversity", "mauve"]),
                2: (_units_claim2, ["faithfulness", "complexity", "diversity", "mauve",
                                    "performance"]),
                3: (_units_claim3, ["mauve", "faithfulness", "diversity", "performance"])}
    for r in results:
        if r.verdict == NOT_RUN:
            continue
        units = compared[r.number][0](means) if r.number in compared else None
        what = ("means over groups of models" if r.number == 1 else
                "curves or fits over several datasets")
        r.intervals = (overlap_note(units, compared[r.number][1], level) if units
                       else NO_TEST.format(what=what))
    return results
