"""The robustness tables: do the characteristics rank the synthetic datasets alike under a
second classifier backbone and MAUVE featurizer (table_robustness, Spearman per
characteristic), and the paper's claims' verdicts under each (table_robustness_verdicts).
Exports the two builders (table_robustness, table_robustness_verdicts) and their section.
"""
from __future__ import annotations

from dataclasses import replace

from ...config import Params
from ...metrics.schema import K
from ..claim_checks import evaluate_claims
from ..manifest import Section
from ..rank_correlation import spearman, synthetic
from ..rundata import LABELS, RunData
from ..tabular import Table, number_in

ROBUSTNESS = Section("Robustness", "Do the conclusions survive a second classifier backbone "
                     "(TF-IDF + logistic regression) and a second MAUVE featurizer (TF-IDF + "
                     "SVD)? Spearman ρ near 1 means the datasets keep their order; the second "
                     "table gives each claim's verdict under either.")
# each characteristic computed twice: main key -> second key, and what differs
SECOND = {K.faithfulness: (K.faithfulness_2, "classifier backbone"),
          K.complexity: (K.complexity_2, "classifier backbone"),
          K.performance: (K.performance_2, "classifier backbone"),
          K.mauve: (K.mauve_2, "featurizer")}


def robustness(rows: list[dict]) -> list[dict]:
    """Per characteristic computed twice: Spearman rank agreement of the main and the second
    value across the synthetic rows, {'characteristic', 'second', 'swapped', 'spearman', 'n'}."""
    syn = synthetic(rows)
    out = []
    for c, (second, swapped) in SECOND.items():
        rho, n = spearman([number_in(r, c) for r in syn], [number_in(r, second) for r in syn])
        out.append({"characteristic": c, "second": second, "swapped": swapped,
                    "spearman": rho, "n": n})
    return out


def robustness_table(rows: list[dict]) -> Table:
    """table_robustness of flat rows: one row per characteristic computed twice."""
    t = Table("table_robustness", "Do the characteristics rank the synthetic datasets alike "
              "under a second classifier backbone / featurizer?",
              ["characteristic", "second value", "what changes", "Spearman ρ", "datasets"],
              notes=["Spearman rank correlation across the synthetic datasets having both "
                     "values; 1 = the same order. — with fewer than 3 datasets or a constant "
                     "column. Second backbone: TF-IDF + logistic regression; second "
                     "featurizer: TF-IDF + truncated SVD.",
                     "One point per synthetic dataset (model × domain × decoding); "
                     "'datasets' is n. The second values come from the same evaluate stage "
                     "(params analyses)."],
              keys=["characteristic", "second", "swapped", "spearman", "n"])
    for r in robustness(rows):
        t.rows.append([LABELS.get(r["characteristic"], r["characteristic"]), r["second"],
                       r["swapped"], r["spearman"], r["n"]])
    return t


def table_robustness(run: RunData, params: Params) -> Table:
    return robustness_table(run.rows)


def verdicts_table(verdicts_main: dict, verdicts_second: dict) -> Table:
    """table_robustness_verdicts: per claim its verdict under each backbone and featurizer and
    whether they agree ('—' where a side has no verdict). Claims in the order of
    verdicts_main, then those only in verdicts_second."""
    claims = list(verdicts_main) + [c for c in verdicts_second if c not in verdicts_main]
    t = Table("table_robustness_verdicts", "The paper's claims under the main and the second "
              "classifier backbone and MAUVE featurizer",
              ["claim", "main backbone + featurizer", "second backbone + featurizer",
               "same verdict"],
              notes=["The same checks as claims.md, once on this run's numbers and once with "
                     "faithfulness, complexity, performance and conformity replaced by the "
                     "second backbone's / featurizer's values (diversity is unchanged). "
                     "Claims as numbered in claims.md; a verdict that flips rests on the "
                     "choice of model."])
    for c in claims:
        a, b = verdicts_main.get(c), verdicts_second.get(c)
        same = "—" if a is None or b is None else "yes" if a == b else "no"
        t.rows.append([str(c), "—" if a is None else str(a), "—" if b is None else str(b), same])
    return t


def second_opinion_run(run: RunData) -> RunData:
    """A copy of the run whose faithfulness, complexity, performance and MAUVE are the second
    backbone's / featurizer's values (their stds the second stds, no intervals: neither the
    per-dataset ones nor the bootstrap draws a mean over domains would get one from)."""
    nan = float("nan")
    rows = []
    for r in run.rows:
        r = dict(r)
        boot = r.get("bootstrap") or {}
        r["bootstrap"] = {"level": boot.get("level"),
                          K.draws: {c: d for c, d in (boot.get(K.draws) or {}).items()
                                    if c not in SECOND}}
        for c, (second, _) in SECOND.items():
            r[c] = r.get(second, nan)
            r[f"{c}_std"] = r.get(f"{second}_std", nan)
            r[f"{c}_ci_low"] = r[f"{c}_ci_high"] = nan
        rows.append(r)
    return replace(run, rows=rows)


def table_robustness_verdicts(run: RunData, params: Params) -> Table:
    main = {r.number: r.verdict for r in evaluate_claims(run, params)}
    second = {r.number: r.verdict for r in evaluate_claims(second_opinion_run(run), params)}
    return verdicts_table(main, second)
