"""The second featurizer of a domain: TF-IDF (word 1-2 grams, sublinear tf) and a truncated SVD
fit once on R-train (latent semantic analysis), then applied to any texts: R-test and every
synthetic dataset of the domain land in the same feature space, as gpt2-large's features do.

Fitting once per domain, not on R-train + S for each dataset, saves the refit (seconds per
dataset on a 10k-text R-train) and makes the second MAUVE of two datasets comparable: each is
measured with the same featurizer. A synthetic text whose words R-train never uses has no
TF-IDF weight and gets a zero feature row (far from every real text's unit row).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from .second_opinion import TOKEN_PATTERN


@dataclass
class TfidfSvd:
    """A fitted TF-IDF + SVD featurizer and the features of the texts it was fit on."""
    vectorizer: object
    svd: object
    reference_features: np.ndarray = field(repr=False)

    @classmethod
    def fit(cls, reference_texts: Sequence[str], *, dim: int, seed: int) -> "TfidfSvd":
        """Fit on `reference_texts` (R-train) with `dim` SVD components, fewer when the
        vocabulary or the text count is smaller."""
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        if dim < 1:
            raise ValueError("dim must be positive")
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True,
                                     token_pattern=TOKEN_PATTERN)
        x = vectorizer.fit_transform(list(reference_texts))
        k = min(dim, x.shape[1] - 1, x.shape[0] - 1)
        if k < 1:
            raise ValueError(f"too few texts or words for an SVD ({x.shape[0]} texts, "
                             f"{x.shape[1]} features)")
        svd = TruncatedSVD(n_components=k, random_state=seed)
        return cls(vectorizer, svd, _unit_rows(svd.fit_transform(x)))

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """float32 features of `texts`, one L2-normalised row each (zero for a text that has
        no R-train word)."""
        return _unit_rows(self.svd.transform(self.vectorizer.transform(list(texts))))


def _unit_rows(z) -> np.ndarray:
    from sklearn.preprocessing import normalize

    return normalize(z).astype(np.float32)
