"""The contamination table (table_contamination): has the generator seen the test set? Its
own zero-shot accuracy on R-test (the probe, data/probe/<model>.json) next to the majority
share and to the faithfulness and performance of its datasets, per model and domain. Exports
the builder (table_contamination) and its section.
"""
from __future__ import annotations

from ...config import Params
from ...metrics.schema import K
from ..manifest import Section
from ..rundata import RunData
from ..tabular import Table, is_number, number_in

CONTAMINATION = Section(
    "Contamination", "Has the generator seen the test set? Its own zero-shot accuracy on R-test "
    "(the probe) next to the majority-label share and to the faithfulness and performance of "
    "its datasets: a zero-shot accuracy far above the majority share says the model already "
    "solves the task, which may flatter its datasets.")
NAN = float("nan")


def table_contamination(run: RunData, params: Params) -> Table:
    t = Table("table_contamination", "Contamination probe: the generator's own zero-shot "
              "accuracy on R-test next to its datasets' faithfulness and performance",
              ["model", "domain", "zero-shot acc. (probe)", "majority share", "probe n",
               K.faithfulness, K.performance, "decodings", "probe note"],
              keys=["model", "domain", "zero_shot_accuracy", "majority_share", "probe_n",
                    K.faithfulness, K.performance, "n_decodings", "probe_note"],
              notes=["zero-shot acc.: the generator asked to label R-test itself (data/probe/"
                     "<model>.json); majority share: accuracy of always answering the most "
                     "frequent label, the floor to compare with. faithfulness and performance: "
                     "mean over the model's grid decodings in that domain ('decodings' of them)."],
              empty_note="no grid dataset of this run has metrics")
    if not run.probes:
        t.notes.append("No contamination probe in this run (no data/probe/<model>.json): the "
                       "probe columns are —.")
    for model in params.grid.models:
        probe = run.probes.get(model, {})
        for domain in params.grid.domains:
            cells = [r for r in run.synthetic() if r["model"] == model and r["domain"] == domain]
            p = probe.get(domain, {})
            if not cells and not p:
                continue
            means = []
            for c in (K.faithfulness, K.performance):
                vals = [number_in(r, c) for r in cells if is_number(number_in(r, c))]
                means.append(sum(vals) / len(vals) if vals else NAN)
            n = p.get("n")
            t.rows.append([model, domain, number_in(p, "zero_shot_accuracy"),
                           number_in(p, "majority_share"), int(n) if is_number(n) else NAN,
                           *means, len(cells),
                           str(p.get("note") or "")])
    return t
