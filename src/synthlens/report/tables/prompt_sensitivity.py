"""The prompt-sensitivity table (table_templates): per model, the spread of each
characteristic across its prompt templates (params templates) at one decoding, next to the
spread across the grid's decodings with its own prompt, means over domains. Exports the
builder (table_templates), its section, and the spreads figures/prompt_sensitivity.py draws.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...config import Params
from ..manifest import Section
from ..rundata import CHARACTERISTICS, LABELS, RunData, average_over_domains
from ..tabular import Table, is_number, number_in

PROMPT_SENSITIVITY = Section(
    "Prompt sensitivity", "How much does the prompt wording move a characteristic? Per model, "
    "the spread (max − min, and std) of each characteristic across its prompts at one "
    "decoding, next to the spread across the grid's decodings with its own prompt: a prompt "
    "spread as large as the decoding spread means the prompt matters as much as the whole "
    "temperature / top-p sweep.")
NAN = float("nan")


def spread(values: list[float]) -> tuple[float, float]:
    """(max − min, sample std with ddof 1) of the values that are numbers; NaN for fewer
    than two."""
    vals = [v for v in values if is_number(v)]
    if len(vals) < 2:
        return NAN, NAN
    # rounded: means of equal values differ in the last bits, which is no spread
    return round(max(vals) - min(vals), 12), round(float(np.std(vals, ddof=1)), 12)


@dataclass
class Spread:
    """One model, template decoding and characteristic: the values per prompt at that
    decoding and per grid decoding with the model's own prompt (means over domains)."""
    model: str
    decoding: str
    characteristic: str
    prompts: dict[str, float]
    decodings: dict[str, float]

    @property
    def prompt_spread(self) -> tuple[float, float]:
        return spread(list(self.prompts.values()))

    @property
    def decoding_spread(self) -> tuple[float, float]:
        return spread(list(self.decodings.values()))


def template_spreads(run: RunData, params: Params) -> list[Spread]:
    """A Spread per model with template variants, decoding they were run at and
    characteristic; the model's own prompt is the grid cell at that decoding."""
    variants = average_over_domains(run.templates())
    own = average_over_domains([r for r in run.synthetic()
                                if r["model"] in {v["model"] for v in variants}])
    out = []
    for model in params.grid.models:
        mine = [v for v in variants if v["model"] == model]
        grid = {r["decoding"]: r for r in own if r["model"] == model}
        ordered = [d for d in params.grid.decodings if d in grid]
        for decoding in dict.fromkeys(v["base_decoding"] for v in mine):
            at = [grid[decoding]] if decoding in grid else []
            at += [v for v in mine if v["base_decoding"] == decoding]
            for c in CHARACTERISTICS:
                prompts = {r["prompt_id"] or r["decoding"]: number_in(r, c) for r in at}
                out.append(Spread(model, decoding, c, prompts,
                                  {d: number_in(grid[d], c) for d in ordered}))
    return out


def _values_text(values: dict[str, float]) -> str:
    return " · ".join(f"{k}: {v:.3f}" if is_number(v) else f"{k}: —" for k, v in values.items())


def table_templates(run: RunData, params: Params) -> Table:
    t = Table("table_templates", "Prompt sensitivity: the spread of each characteristic across "
              "a model's prompts vs across the grid's decodings (mean over domains)",
              ["model", "decoding", "characteristic", "prompts", "prompt range",
               "prompt std", "per prompt", "decodings", "decoding range", "decoding std",
               "per decoding", "prompt / decoding range"],
              keys=["model", "decoding", "characteristic", "n_prompts", "prompt_range",
                    "prompt_std", "per_prompt", "n_decodings", "decoding_range",
                    "decoding_std", "per_decoding", "range_ratio"],
              notes=["prompts: the model's own prompt (its grid cell at that decoding) and "
                     "the templates of params templates, each at that decoding; decodings: "
                     "the grid's decodings with the model's own prompt. range = max − min, "
                     "std = sample std (ddof 1), over the values that exist (— with fewer "
                     "than two). Values are means over domains, as in Table 2.",
                     "prompt / decoding range above 1: the wording of the prompt moves the "
                     "characteristic more than the whole decoding sweep."],
              empty_note="this run has no template variants (params templates) with metrics")
    for s in template_spreads(run, params):
        (pr, ps), (dr, ds) = s.prompt_spread, s.decoding_spread
        ratio = pr / dr if is_number(pr, dr) and dr > 0 else NAN
        t.rows.append([s.model, s.decoding, LABELS[s.characteristic], len(s.prompts), pr, ps,
                       _values_text(s.prompts), len(s.decodings), dr, ds,
                       _values_text(s.decodings), ratio])
    return t
