"""Stage report: this run's metrics files as the paper's tables and figures, in paper_figures/.

Only the metrics of the current grid (params `grid`) are read, so stale files of an older
grid never leak into a table. What is written (see paper_figures/README.md):

- results.{csv,md}, tradeoffs.csv (+ two more trade-off CSVs for `dvc plots`);
- every table (CSV, Markdown, LaTeX) and figure (PNG, PDF) that report/registry.py lists, in
  its order: the paper's (Table 2, the per-domain table, Tables 5 and 9, few-shot vs zero-shot,
  correlations; Figure 2, Figures 5/6 in per_domain/, Appendix D), and those beyond it
  (robustness, leakage, label quality, per label, the two heat maps, prompt sensitivity,
  contamination, learning curves, human labels, cost); the builders live in report/tables/
  and report/figures/, one module per family;
- provenance.md (report/tables/provenance.py);
- DVC's views (report/dvc_views.py): plots/ (confusion matrices, learning curves) for `dvc
  plots show`; and data/headline.json for `dvc metrics diff` and `dvc exp show`;
- index.html (report/html_page.py): every table and figure under its registry section and the
  verdicts on the paper's claims (computed here with report.claim_checks from the same metrics,
  so the page is never out of date).

Loading lives in report/rundata.py, the table model in report/tabular.py.
"""
from __future__ import annotations

import logging
import math
from pathlib import Path

from ..config import Params
from ..layout import DATA
from ..report import dvc_views, html_page, registry
from ..report.claim_checks import evaluate_claims
from ..report.claim_intervals import annotate
from ..report.manifest import Artefact, Manifest
from ..report.rundata import TRADEOFFS, domain_means, load_run, markdown_table, write_csv
from ..report.tables.provenance import provenance_markdown
from ..report.tabular import write_table

log = logging.getLogger(__name__)


def run(params: Params, out: str | Path = "paper_figures",
        metrics_dir: str | Path = DATA / "metrics",
        probe_dir: str | Path | None = None) -> Manifest:
    """Write every table and figure of this run under out, and the headline numbers beside
    metrics_dir (data/headline.json, committed with the results); returns what was written.
    probe_dir: the contamination probes (default: `probe` beside metrics_dir)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    run_data = load_run(params, metrics_dir, probe_dir)
    means = domain_means(run_data)
    manifest = Manifest(out)
    add = manifest.artefacts.append

    write_csv(run_data.rows, out / "results.csv")
    write_csv(means, out / "tradeoffs.csv")
    (out / "results.md").write_text(
        "# Results of this run\n\n## Every dataset\n\n" + markdown_table(run_data.rows) +
        "\n## Mean over domains\n\n" + markdown_table(means))
    add(Artefact("results.csv", "All datasets", "data", "Every dataset of this run"))
    add(Artefact("results.md", "All datasets", "data", "Every dataset of this run"))
    add(Artefact("tradeoffs.csv", "All datasets", "data",
                 "Means over domains (dvc plots: diversity vs MAUVE)"))
    for x, y, stem, _ in TRADEOFFS[1:]:  # dvc plots takes one x/y per file
        name = f"tradeoffs_{stem}.csv"
        write_csv([r for r in means if not (math.isnan(r[x]) or math.isnan(r[y]))],
                  out / name)
        add(Artefact(name, "All datasets", "data", f"dvc plots: {x} vs {y}"))

    for entry, drawn in registry.draw_figures(run_data, params, out):
        add(Artefact(drawn.file, entry.section.title, "figure", drawn.title, drawn.no_data))
    tables = [(entry.section.title, table)
              for entry, table in registry.build_tables(run_data, params)]
    for section, table in tables:
        for path in write_table(table, out):
            add(Artefact(path.name, section, "table", table.title))
    provenance = provenance_markdown(run_data)
    (out / "provenance.md").write_text(provenance)
    add(Artefact("provenance.md", "Provenance", "text", "Provenance of every metrics file"))

    # the verdicts are recomputed here rather than read from claims.md (stage verify): DVC
    # lets only one stage write a file, and this way the page always matches the tables
    claims = annotate(evaluate_claims(run_data, params), run_data, params)
    for folder in sorted({p.parent for p in dvc_views.write_plot_data(run_data, out)}):
        add(Artefact(f"{folder.relative_to(out).as_posix()}/", "DVC views", "data",
                     f"one CSV per dataset for `dvc plots show` ({folder.name})"))
    dvc_views.write_headline(run_data, claims, Path(metrics_dir).parent / dvc_views.HEADLINE)
    html_page.write(out / "index.html", manifest, tables, claims, run_data, params)
    add(Artefact("index.html", "index", "text", "Everything above on one page"))
    empty = manifest.no_data()
    log.info("report: %d metrics files -> %d files in %s (%d figures without data)",
             len(run_data.rows), len(manifest.artefacts), out.resolve(), len(empty))
    print(f"\nTables and figures of this run are in {out.resolve()}/ "
          f"(open {out.resolve() / 'index.html'})")
    return manifest
