"""What generating cost, per cell: prompt and output tokens, wall time, device, and for models
with prices in params (models.<m>.api.*_price_per_million) the money; and the budget cap
(api.max_cost_usd) that stops a model's generation before a batch could take its spending
past the cap. Stage generate keeps one Ledger per model and writes it to data/ledger/<model>.json
(committed with the results); the report totals it (table_ledger), the dry run estimates it.

Token counts come from the backends (Completion.prompt_tokens / output_tokens: the hf backend
counts them, an API reports them in `usage`, vLLM in its outputs); a cell where any sample
lacks one records None rather than a partial sum.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

CHARS_PER_TOKEN = 4  # a prompt's token estimate before it is sent (the budget's worst case)


class BudgetExceeded(RuntimeError):
    """The next batch could take the model's spending past api.max_cost_usd."""


@dataclass
class Prices:
    """US dollars per million tokens; None: not priced (no cost is recorded, no cap applies)."""
    prompt: float | None = None
    output: float | None = None

    @property
    def priced(self) -> bool:
        return self.prompt is not None and self.output is not None

    def cost(self, prompt_tokens: int | None, output_tokens: int | None) -> float | None:
        if not self.priced or prompt_tokens is None or output_tokens is None:
            return None
        return (prompt_tokens * self.prompt + output_tokens * self.output) / 1e6


def sums(rows: list[dict]) -> tuple[int | None, int | None]:
    """(prompt tokens, output tokens) over rows; None for a count any row lacks."""
    out = []
    for key in ("prompt_tokens", "output_tokens"):
        values = [r.get(key) for r in rows]
        out.append(None if any(v is None for v in values) else int(sum(values)))
    return out[0], out[1]


@dataclass
class Ledger:
    """One model's cells (key "<domain>/<dataset>") and its spending against the cap."""
    prices: Prices
    cap_usd: float | None = None
    cells: dict[str, dict] = field(default_factory=dict)
    spent_usd: float = 0.0          # every cost recorded or charged in this run, kept cells too

    def __post_init__(self):
        self.spent_usd = sum(c.get("cost_usd") or 0.0 for c in self.cells.values())

    def charge(self, rows: list[dict]) -> None:
        """Count finished samples' cost against the cap as they come in."""
        cost = self.prices.cost(*sums(rows))
        self.spent_usd += cost or 0.0

    def check(self, prompts: list[str], max_new_tokens: int) -> None:
        """Raise BudgetExceeded when sending these prompts could pass the cap: each request
        priced at its prompt's estimated tokens and the full max_new_tokens."""
        if self.cap_usd is None or not self.prices.priced:
            return
        worst = self.prices.cost(sum(math.ceil(len(p) / CHARS_PER_TOKEN) for p in prompts),
                                 max_new_tokens * len(prompts))
        if self.spent_usd + worst > self.cap_usd:
            raise BudgetExceeded(
                f"the next {len(prompts)} requests could cost up to ${worst:.4f}; with "
                f"${self.spent_usd:.4f} spent that passes api.max_cost_usd = "
                f"${self.cap_usd:.2f}. Finished shards are kept: raise the cap (or lower "
                "the grid) and rerun to go on.")

    def record(self, key: str, rows: list[dict], seconds: float, device: str) -> dict:
        """The cell's entry, from its rows (the samples it kept, resumed ones included) and
        the wall time this run spent on it."""
        prompt, output = sums(rows)
        self.cells[key] = {"samples": len(rows), "prompt_tokens": prompt,
                           "output_tokens": output, "seconds": round(seconds, 3),
                           "device": device, "cost_usd": self.prices.cost(prompt, output)}
        return self.cells[key]


def estimate_cost(prices: Prices, requests: int, prompt_tokens: float,
                  output_tokens: float) -> float | None:
    """The dry run's cost of `requests` requests of the given mean sizes (None: unpriced)."""
    return prices.cost(round(requests * prompt_tokens), round(requests * output_tokens))
