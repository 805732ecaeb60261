"""The registry of the report's tables and figures: ENTRIES lists every one the report stage
writes, in the order of index.html, each with its file stem, its kind, the Section it is shown
under (heading and introduction) and its build function. The report stage draws every figure
entry, then builds and writes every table entry; index.html takes its sections, their order
and their introductions from here.

Not listed here (the report stage writes them itself): results.{csv,md}, the tradeoffs*.csv of
`dvc plots`, provenance.md and the provenance tables (tables/provenance.py), plots/ and
data/headline.json (dvc_views.py), and the claims (claim_checks.py). The page's sections
"Claims" before and "Provenance", "Files" after the registry's are fixed (html_page.py).

Adding a table (docs/extending.md, "A new table"; tests/test_report_registry.py):
1. write `def table_mine(run: RunData, params: Params) -> tabular.Table` in the tables/ module
   of its family (or a new one), the Table named "table_mine", and a `Section` if it opens a
   new one;
2. add `Entry("table_mine", TABLE, that_section, that_module.table_mine)` to ENTRIES where it
   belongs on the page. Its section joins the page at its first entry.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

from ..config import Params
from .figures import heatmaps, model_size, tradeoffs
from .figures import learning_curves as curve_figures
from .figures import prompt_sensitivity as template_figures
from .manifest import Drawn, Section
from .rundata import TRADEOFFS, RunData
from .tables import (contamination, cost, human_labels, leakage_and_labels, learning_curves,
                     paper, prompt_sensitivity, robustness)
from .tabular import Table

TABLE, FIGURE = "table", "figure"


@dataclass(frozen=True)
class Entry:
    """One table, or one figure or family of figures, of the report.

    stem: the file stem. A table is written as <stem>.csv, .md and .tex, and its builder's
    Table must be named <stem>. A figure is <stem>.png and .pdf; an entry that draws one figure
    per domain names the pattern (per_domain/figure5_<domain>_<trade-off>).
    build: a table's (run, params) -> Table; a figure's (run, params, out) -> [Drawn], the
    files it wrote under out."""
    stem: str
    kind: str                 # TABLE | FIGURE
    section: Section
    build: Callable


ENTRIES: list[Entry] = [
    *[Entry(f"figure2_{stem}", FIGURE, tradeoffs.FIGURE_2, partial(tradeoffs.figure2, stem))
      for _, _, stem, _ in TRADEOFFS],
    Entry("table2_models", TABLE, paper.TABLE_2, paper.table2_models),
    Entry("table_per_domain", TABLE, tradeoffs.FIGURES_5_6, paper.table_per_domain),
    Entry("per_domain/figure5_<domain>_<trade-off>", FIGURE, tradeoffs.FIGURES_5_6,
          tradeoffs.per_domain_figures),
    *[Entry(f"figure_appendixD_size_{stem}", FIGURE, model_size.APPENDIX_D,
            partial(model_size.size_tradeoff, stem)) for _, _, stem, _ in TRADEOFFS],
    Entry("figure_appendixD_size_characteristics", FIGURE, model_size.APPENDIX_D,
          model_size.characteristics_over_size),
    Entry("table5_prompts", TABLE, paper.TABLE_5, paper.table5_prompts),
    Entry("table9_reference", TABLE, paper.TABLE_9, paper.table9_reference),
    Entry("table_fewshot", TABLE, paper.FEWSHOT, paper.table_fewshot),
    Entry("table_correlations", TABLE, paper.CORRELATIONS, paper.table_correlations),
    Entry("table_robustness", TABLE, robustness.ROBUSTNESS, robustness.table_robustness),
    Entry("table_robustness_verdicts", TABLE, robustness.ROBUSTNESS,
          robustness.table_robustness_verdicts),
    Entry("table_leakage", TABLE, leakage_and_labels.LEAKAGE, leakage_and_labels.table_leakage),
    Entry("table_label_quality", TABLE, leakage_and_labels.LABEL_QUALITY,
          leakage_and_labels.table_label_quality),
    Entry("figure_correlations", FIGURE, heatmaps.CORRELATIONS, heatmaps.figure_correlations),
    Entry("figure_diversity_measures", FIGURE, heatmaps.DIVERSITY,
          heatmaps.figure_diversity_measures),
    Entry("table_per_label", TABLE, leakage_and_labels.PER_LABEL,
          leakage_and_labels.table_per_label),
    Entry("table_templates", TABLE, prompt_sensitivity.PROMPT_SENSITIVITY,
          prompt_sensitivity.table_templates),
    Entry("figure_templates", FIGURE, prompt_sensitivity.PROMPT_SENSITIVITY,
          template_figures.figure_templates),
    Entry("table_contamination", TABLE, contamination.CONTAMINATION,
          contamination.table_contamination),
    Entry("table_learning_curves", TABLE, learning_curves.LEARNING_CURVES,
          learning_curves.table_learning_curves),
    Entry("figure_learning_curves", FIGURE, learning_curves.LEARNING_CURVES,
          curve_figures.figure_learning_curves),
    Entry("table_human_labels", TABLE, human_labels.HUMAN_LABELS, human_labels.table_human_labels),
    Entry("table_ledger", TABLE, cost.COST, cost.table_ledger),
]


def sections() -> list[Section]:
    """The entries' sections in page order (each where its first entry is)."""
    out: dict[str, Section] = {}
    for e in ENTRIES:
        out.setdefault(e.section.title, e.section)
    return list(out.values())


def draw_figures(run: RunData, params: Params, out: Path) -> list[tuple[Entry, Drawn]]:
    """Every figure entry drawn under out, in registry order: (entry, each figure it drew)."""
    return [(e, d) for e in ENTRIES if e.kind == FIGURE for d in e.build(run, params, out)]


def build_tables(run: RunData, params: Params) -> list[tuple[Entry, Table]]:
    """Every table entry built, in registry order; ValueError when a builder's Table is not
    named after its entry's stem (its files would not be the ones the registry lists)."""
    out = []
    for e in ENTRIES:
        if e.kind != TABLE:
            continue
        table = e.build(run, params)
        if table.name != e.stem:
            raise ValueError(f"registry entry {e.stem!r}: its builder returned a table named "
                             f"{table.name!r}")
        out.append((e, table))
    return out
