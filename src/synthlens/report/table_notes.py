"""Notes under Table 2 about the like-for-like reference row and the one-class flag, and the
flag's threshold."""

ONE_CLASS = 0.9   # a classifier giving one label to more of R-test than this is flagged
SIZED_NOTE = ("reference (n=N): the reference row like for like with the synthetic datasets: "
              "evaluate.reference_draws stratified draws of N R-train texts (N = the synthetic "
              "size), each scored as a synthetic dataset (same split, training budget and MAUVE "
              "sample size; MAUVE of N R-test texts against R-train), mean ± std over the "
              "draws; faithfulness as in the full reference row.")
ONE_CLASS_NOTE = (f"one class: the performance classifier (trained on the dataset; for the "
                  f"full reference row the R-train classifier) gives one label to more than "
                  f"{ONE_CLASS:.0%} of R-test in at least one domain: its complexity and "
                  "performance describe a classifier that did not learn, not the data.")
