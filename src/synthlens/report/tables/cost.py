"""The cost table (table_ledger): what generating each dataset cost, from stage generate's
ledgers (data/ledger/, generation/ledger.py), one row per (model, cell) and a total per model
and for the run: prompt and output tokens, wall time, device, and the money where params give
the model's prices. Exports the builder (table_ledger) and its section.
"""
from __future__ import annotations

from ...config import Params
from ..manifest import Section
from ..rundata import RunData
from ..tabular import Table

COST = Section("Cost", "What generating each dataset took: prompt and output tokens, seconds, "
               "the device, and the money where params give an API model's prices "
               "(data/ledger/).")
NUMBERS = ("samples", "prompt_tokens", "output_tokens", "seconds", "cost_usd")


def _total(entries: list[dict], key: str):
    values = [e.get(key) for e in entries]
    if not values or any(not isinstance(v, (int, float)) for v in values):
        return None  # a count some cell lacks: no partial sum
    return round(sum(values), 6) if key in ("seconds", "cost_usd") else int(sum(values))


def table_ledger(run: RunData, params: Params) -> Table:
    t = Table("table_ledger", "What generating each dataset cost: tokens, time, device, money",
              ["model", "cell", "samples", "prompt tokens", "output tokens", "seconds",
               "device", "cost (USD)"],
              keys=["model", "cell", *NUMBERS[:4], "device", "cost_usd"],
              notes=["From each model's generate stage (data/ledger/<model>.json). seconds: "
                     "wall time of the run that made the cell (a resumed cell: the resumed "
                     "part), model load excluded. cost: tokens at the model's "
                     "api.prompt_price_per_million / output_price_per_million; — where params "
                     "give no price (local models) or a backend reports no token counts. "
                     "api.max_cost_usd stops a model's generation before a batch could pass "
                     "it."],
              empty_note="no generation ledger in this run (data/ledger/, written by stage "
                         "generate)")
    everything = []
    for model in params.grid.models:
        cells = run.ledgers.get(model, {})
        if not cells:
            continue
        for key in sorted(cells):
            e = cells[key]
            t.rows.append([model, key] + [e.get(k) for k in NUMBERS[:4]] +
                          [e.get("device", ""), e.get("cost_usd")])
        entries = list(cells.values())
        everything += entries
        t.rows.append([model, "total"] + [_total(entries, k) for k in NUMBERS[:4]] +
                      ["", _total(entries, "cost_usd")])
    if everything and len(run.ledgers) > 1:
        t.rows.append(["all models", "total"] + [_total(everything, k) for k in NUMBERS[:4]] +
                      ["", _total(everything, "cost_usd")])
    return t
