"""The report's tables, one module per family, each exporting its builders (run, params) ->
tabular.Table (a builder is named after the file stem it writes) and the Section they are shown
under: the paper's (paper.py, notes under them in notes.py), robustness.py, leakage_and_labels.py,
prompt_sensitivity.py, contamination.py, learning_curves.py, human_labels.py, cost.py; and the
provenance tables (provenance.py). registry.py lists them all."""
