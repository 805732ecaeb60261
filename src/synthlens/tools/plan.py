"""Dry run (`python -m synthlens plan`, `make dry-run`): the profile's grid and the wall time of
every stage of `dvc repro` on ONE GPU, printed as a table per stage group, with the total and
the profile's budget check. The arithmetic is tools/estimate.py; the throughputs it assumes
are params (dry_run), stated there with where each figure comes from. It prints whatever groups
the estimate has (estimate.GROUPS order)."""
from __future__ import annotations

from ..config import Params
from .estimate import (GROUPS, Item, budget_check, cpu_hours, estimate, generation_cells,
                       hours_by_group, total_hours)
from .estimate_sizes import evaluated_datasets


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:7.2f}"


def print_group(group: str, items: list[Item]) -> None:
    mine = [i for i in items if i.group == group]
    width = max(len(i.name) for i in mine)
    print(f"\n{group} ({sum(i.seconds for i in mine) / 3600:.2f} h)")
    for i in mine:
        print(f"  {i.name:<{width}}  {_hours(i.seconds)} h  {i.detail}")


def print_costs(params: Params) -> None:
    """The ledger's money, estimated: each API model's requests at its prices, with every
    sample taking its full max_new_tokens (an upper bound), next to its api.max_cost_usd."""
    from ..generation.ledger import Prices

    cells = generation_cells(params)
    lines, total = [], 0.0
    for model in params.grid.models:
        api = params.model(model).api
        if api is None:
            continue
        mine = [c for c in cells if c["model"] == model]
        prices = Prices(api.prompt_price_per_million, api.output_price_per_million)
        cost = prices.cost(sum(c["prompt_tokens"] for c in mine),
                           sum(c["output_tokens"] for c in mine))
        cap = f"; cap api.max_cost_usd ${api.max_cost_usd:,.2f}" if api.max_cost_usd else ""
        lines.append(f"  {model}: " + (f"at most ${cost:,.2f}{cap}" if cost is not None else
                                        "no prices in params (api.*_price_per_million)"))
        total += cost or 0.0
    if lines:
        print("\nAPI cost (every sample at its full max_new_tokens: an upper bound)")
        print("\n".join(lines) + f"\n  total: at most ${total:,.2f}")


def run(params: Params) -> list[Item]:
    g = params.grid
    items = estimate(params)
    counts = [sum(evaluated_datasets(params, d)[k] for d in g.domains) for k in range(3)]
    print(f"profile {params.profile}: {len(g.models)} models x {len(g.domains)} domains x "
          f"{len(g.decodings)} decodings = {counts[0]} synthetic datasets, + {counts[1]} "
          f"template variants and {counts[2]} mixture datasets; wall time of `dvc repro` from "
          f"nothing on ONE GPU, from the throughputs in params (dry_run: assumptions, not "
          f"measurements; `make bench-gpu` measures the main ones)")
    for group in GROUPS:
        if any(i.group == group for i in items):
            print_group(group, items)
    by_group = hours_by_group(items)
    total = total_hours(items)
    print("\nsummary")
    for group, hours in by_group.items():
        print(f"  {group:<22} {hours:7.2f} h  {100 * hours / total if total else 0:5.1f} %")
    print(f"  {'total':<22} {total:7.2f} h")
    api, cpu = by_group.get("API generation", 0.0), cpu_hours(items)
    print(f"\nEstimate: {total:.1f} hours of wall time for `dvc repro` on one GPU ("
          f"{total - api - cpu:.1f} h on the GPU, {cpu:.1f} h on the CPU: MAUVE k-means, "
          f"analyses, TF-IDF fits; "
          f"{api:.1f} h waiting for API endpoints); generation assumes "
          f"{params.dry_run.tokens_per_second_7b:g} output tokens/s for a 7B hf model "
          f"(dry_run.tokens_per_second_7b).")
    if any("(assumed)" in i.detail for i in items):
        print("(assumed): the dry run reads no data; a hub or local domain without max_train or "
              "max_test counts dry_run.unknown_train_rows / unknown_test_rows rows (fewer is "
              "faster).")
    print_costs(params)
    limit, fits = budget_check(params.profile, total)
    if limit is None:
        print(f"Budget: profile {params.profile} has none (it is not a GPU profile).")
    elif fits:
        print(f"Budget: within {limit:g} h for profile {params.profile} "
              f"({total:.1f} h estimated).")
    else:
        print(f"Budget: OVER the {limit:g} h of profile {params.profile} by "
              f"{total - limit:.1f} h ({total:.1f} h estimated); the largest groups: "
              + ", ".join(f"{k} {v:.1f} h" for k, v in
                          sorted(by_group.items(), key=lambda kv: -kv[1])[:3]) + ".")
    return items
