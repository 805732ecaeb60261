"""The report: this run's metrics as shared run data (rundata.py), the paper's tables and
figures, index.html, the claims checked on the run, and the comparison with committed results."""
