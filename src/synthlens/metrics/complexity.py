"""The procedure behind complexity and performance: fine-tune the classifier on a stratified
part of a dataset and test it on the held-out rest (complexity = 1 - that accuracy), and on
R-test (performance). The same procedure serves synthetic and reference datasets."""
from __future__ import annotations

from ..config import Params
from . import classifier
from .characteristics import stratified_split


def split_complexity(params: Params, texts: list[str], labels: list[int], num_labels: int,
                     seed: int, desc: str, extra_test: tuple[list[str], list[int]] | None = None,
                     device=None):
    """Train on a stratified part of a dataset, test on the rest: (complexity, accuracy on
    extra_test). The same procedure serves synthetic and reference datasets."""
    train_idx, hold_idx = stratified_split(labels, params.evaluate.holdout_fraction, seed)
    model, tok = classifier.train_classifier(
        params.classifier, [texts[i] for i in train_idx],
        [labels[i] for i in train_idx], num_labels, seed, desc, device=device)
    max_len = params.classifier.max_length
    complexity = 1 - classifier.accuracy(model, tok, [texts[i] for i in hold_idx],
                                         [labels[i] for i in hold_idx], max_len)
    other = (classifier.accuracy(model, tok, extra_test[0], extra_test[1], max_len)
             if extra_test else float("nan"))
    return complexity, other
