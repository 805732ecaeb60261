"""The report: this run's metrics as shared run data (rundata.py) and a table model
(tabular.py); the tables (tables/) and figures (figures/), one module per family, which
registry.py lists with their sections; index.html (html_page.py); what the stage wrote
(manifest.py); DVC's views (dvc_views.py); the paper's claims checked on the run (claims.py,
claim_checks.py, claim_curves.py, claim_stats.py, claim_intervals.py); the comparison with
committed results (compare.py); and dataset cards (dataset_card.py)."""
