"""The report's figures, one module per family, each exporting its builders (run, params, out)
-> [manifest.Drawn] and the Section they are shown under: trade-offs over temperature
(tradeoffs.py: Figure 2, Figures 5 and 6), over model size (model_size.py: Appendix D), the
heat maps (heatmaps.py), prompt sensitivity and learning curves (prompt_sensitivity.py,
learning_curves.py, drawing the numbers of the tables of the same name); plotting.py holds what
they share. registry.py lists them all."""
