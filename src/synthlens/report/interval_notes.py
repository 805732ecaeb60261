"""What the report says about the bootstrap intervals it shows: what each per-dataset interval
is taken over, how the interval of a mean over domains is computed, and whether the classifier
characteristics' intervals include training variance (docs/intervals.md says more).
"""
from __future__ import annotations

from ..config import Params

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
