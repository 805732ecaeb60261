"""The notes printed under the tables of the paper's numbers (Table 2, the per-domain table):
the like-for-like reference row and the one-class flag with its threshold, and what the
bootstrap intervals shown are taken over, how the interval of a mean over domains is computed,
and whether the classifier characteristics' intervals include training variance
(docs/intervals.md says more).
"""
from __future__ import annotations

from ...config import Params

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
INTERVAL_NOTE = ("[low, high]: percentile interval (params analyses.bootstrap_level) of the "
                 "draws the point is the mean of: diversity over random orders of the texts "
                 "(subsamples without replacement up to the token budget k); conformity over "
                 "MAUVE seeds (analyses.mauve_resamples), each with its own R-train subsample "
                 "and k-means, all of S in each (so conditional on S); faithfulness, complexity "
                 "and performance by a bootstrap over the classifier seeds and the samples. "
                 "— or absent where the metrics file has none (docs/intervals.md).")
MEAN_INTERVAL_NOTE = ("[low, high] of a mean over D domains: the percentile interval of the "
                      "means of the domains' bootstrap draws (draw b of the mean = the mean of "
                      "each domain's draw b; domains independent), not an average of the "
                      "per-domain intervals; — where a domain has no draws.")
MEAN_NOTE = ("Mean over the domains each model was run on (column 'domains'); ± is the seed "
             "std of that mean (classifier seeds for faithfulness, complexity and performance; "
             "MAUVE k-means seeds for conformity), propagated as sqrt(sum of squared "
             "per-domain stds)/D. Diversity is one number per dataset (no ±). A domain "
             "without a value (e.g. fewer tokens than the diversity budget k) makes the mean —.")
REFERENCE_NOTE = ("Reference row: diversity of R-train, conformity = MAUVE of R-train against "
                  "R-test, complexity of R-train by the same split procedure, and the R-train "
                  "classifier's accuracy on R-test shown as both faithfulness and performance.")
HUMAN_NOTE = ("label acc. (human): share of the human labels equal to the label the sample was "
              "written for, pooled over the domains with human labels (weighted by their "
              "number; n and the classifier agreement in table_human_labels); — without any.")
MIXTURE_NOTE = ("Rows of family 'mixture': a synthetic dataset drawn from the member datasets "
                "('mixture of'; params mixtures, stage mix), evaluated like any other, listed "
                "after the rows of its last member model; the claims do not use them.")


def classifier_interval_note(params: Params) -> str:
    """Whether the intervals of faithfulness, complexity and performance include training
    variance: only with several classifier seeds (params classifier.seeds)."""
    k = len(params.classifier.seeds)
    if k == 1:
        return ("The intervals of faithfulness, complexity and performance are conditional on "
                "the trained classifier: one classifier seed (params classifier.seeds), so "
                "they resample the samples scored, not the training; a retrained classifier "
                "can land outside them.")
    return (f"The intervals of faithfulness, complexity and performance include training "
            f"variance: they resample the {k} classifier seeds as well as the samples scored "
            "(with few seeds a rough estimate of it).")
