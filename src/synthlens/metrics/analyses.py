"""The analyses beyond the paper's five numbers, for one dataset (params `analyses`): a second
opinion on each characteristic (TF-IDF + logistic regression as a second classifier, TF-IDF +
SVD as a second featurizer), leakage and self-duplicates, a real-vs-synthetic two-sample test,
diversity measures robust to length and tokenizer, bootstrap intervals of the five
characteristics, and per-label views. Names match the metrics JSON and the report's tables (report/tables/).

Bootstrap intervals, each at analyses.bootstrap_level: see metrics/intervals.py (what each
covers; diversity's and MAUVE's points become the means of their draws) and docs/intervals.md.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from ..config import Params
from . import intervals
from .characteristics import budgeted_tokens, conformity, distinct_n
from .lexical_diversity import compression_ratio_at_budget, diversity_per_label, self_bleu
from .leakage import leakage
from .per_label import confusion, faithfulness_per_label
from .schema import K
from .second_opinion import TfidfClassifier, scores, tfidf_classifier
from .tfidf_svd import TfidfSvd
from .two_sample import two_sample_auc


@dataclass
class Reference:
    """A domain's real data, as the analyses need it (built once per domain)."""
    train_texts: list[str]
    train_labels: list[int]
    test_texts: list[str]
    test_labels: list[int]
    label_names: list[str]
    tfidf: TfidfClassifier          # the second backbone trained on R-train
    _svd: dict = field(default_factory=dict, repr=False)

    def svd(self, dim: int, seed: int) -> TfidfSvd:
        """The second featurizer, fit on R-train at the first call and kept: once per domain,
        not once per dataset."""
        if (dim, seed) not in self._svd:
            self._svd[dim, seed] = TfidfSvd.fit(self.train_texts, dim=dim, seed=seed)
        return self._svd[dim, seed]


def reference(train_rows: list[dict], test_rows: list[dict], label_names: list[str],
              seed: int) -> Reference:
    train_texts, train_labels = [r["text"] for r in train_rows], [r["label"] for r in train_rows]
    return Reference(train_texts, train_labels, [r["text"] for r in test_rows],
                     [r["label"] for r in test_rows], list(label_names),
                     tfidf_classifier(train_texts=train_texts, train_labels=train_labels,
                                      seed=seed))


def _distinct_1(tokens: list[list[str]], order, k: int) -> float:
    """distinct-1 within the first k tokens of the texts taken in `order` (the rule of
    characteristics.diversity, on texts tokenized once); NaN below k tokens."""
    budget = budgeted_tokens(tokens, order, k)
    return float("nan") if len(budget) < k else distinct_n(budget, 1)


def diversity_measures(params: Params, texts: list[str], labels: Sequence[int],
                       tokenize: Callable[[str], list[str]]) -> dict:
    """Compression ratio, Self-BLEU, per-label diversity (distinct-1 at a budget of k / labels
    tokens per label) and the interval of diversity (texts tokenized once)."""
    e, a = params.evaluate, params.analyses
    per_label_k = max(1, e.diversity_tokens // max(1, len(set(labels))))
    tokens = [tokenize(t) for t in texts]
    index = {id(t): i for i, t in enumerate(texts)}

    def by_label(subset: list[str]) -> float:
        order = [index[id(t)] for t in subset]
        random.Random(params.seed).shuffle(order)
        return _distinct_1(tokens, order, per_label_k)

    per, mean = diversity_per_label(texts=texts, labels=list(labels), diversity=by_label)
    draws = intervals.diversity_draws(tokens, e.diversity_tokens, a.bootstrap_resamples,
                                      params.seed)
    return {K.compression_ratio: compression_ratio_at_budget(
                texts, k=e.diversity_tokens, seed=params.seed, tokenize=tokenize),
            K.self_bleu: self_bleu(texts=texts, sample=a.self_bleu_sample, seed=params.seed),
            K.diversity_per_label: mean,
            K.diversity_by_label: {str(k): v for k, v in per.items()},
            **intervals.summarise(params, {K.diversity: draws}, points_from_draws=[K.diversity])}


def second_mauve(params: Params, ref: Reference, texts: list[str]) -> float:
    """MAUVE on TF-IDF + SVD features (the second featurizer, fit on R-train once per
    domain: ref.svd), R-train against S, with the first MAUVE seed only (a second opinion on
    the ranking, at the cost of one MAUVE run)."""
    e, a = params.evaluate, params.analyses
    written = [t for t in texts if t]
    if len(written) < 2:
        return float("nan")
    svd = ref.svd(a.svd_dim, params.seed)
    return conformity(svd.reference_features, svd.transform(written), e.mauve_seeds[:1],
                      e.mauve_samples, e.mauve_scaling_factor)[K.mauve]


def with_intervals(params: Params, out: dict, draws: dict, points_from_draws=()) -> dict:
    """out updated with intervals.summarise of the draws, keeping the draws already in out."""
    more = intervals.summarise(params, draws, points_from_draws=points_from_draws)
    more[intervals.DRAWS_KEY] = {**out.get(intervals.DRAWS_KEY, {}), **more[intervals.DRAWS_KEY]}
    out.update(more)
    return out


def synthetic(params: Params, ref: Reference, texts: list[str], labels: list[int], *,
              predicted: np.ndarray, holdout_correct, test_correct,
              reference_features, synthetic_features, classifier_accuracy: float,
              tokenize: Callable[[str], list[str]], predicted_by_seed=None) -> dict:
    """Every analysis of one synthetic dataset. predicted: the reference classifier's labels
    for S (first classifier seed; predicted_by_seed: every seed's, for the intervals);
    holdout_correct / test_correct: the per-sample correctness behind complexity and
    performance, one array per classifier seed (or one array: one seed)."""
    a = params.analyses
    out = {K.classifier_accuracy: classifier_accuracy}
    out.update(scores(reference_classifier=ref.tfidf, test_texts=ref.test_texts,
                      test_labels=ref.test_labels, texts=texts, labels=labels,
                      holdout_fraction=params.evaluate.holdout_fraction,
                      seeds=params.classifier.seeds))
    out[K.mauve_2] = second_mauve(params, ref, texts)
    out.update(leakage(synthetic_texts=texts, train_texts=ref.train_texts,
                       test_texts=ref.test_texts, n=a.near_ngram, threshold=a.near_threshold,
                       edit_threshold=a.near_edit_threshold))
    out[K.two_sample_auc] = two_sample_auc(reference_texts=ref.train_texts,
                                           synthetic_texts=texts, seed=params.seed,
                                           folds=a.two_sample_folds)
    out.update(diversity_measures(params, texts, labels, tokenize))
    agree = [(np.asarray(p) == np.asarray(labels)).astype(float)
             for p in (predicted_by_seed if predicted_by_seed is not None else [predicted])]
    draws = intervals.classifier_draws(params, agreement=agree, holdout_correct=holdout_correct,
                                       test_correct=test_correct)
    draws[K.mauve] = intervals.mauve_draws(params, reference_features, synthetic_features)
    with_intervals(params, out, draws, points_from_draws=[K.mauve])
    out[intervals.SEEDS_KEY] = len(agree)
    out[K.faithfulness_by_label] = faithfulness_per_label(
        predicted=predicted, labels=labels, label_names=ref.label_names)
    out[K.confusion] = confusion(predicted=predicted, labels=labels, label_names=ref.label_names)
    return out


def real(params: Params, ref: Reference, classifier_accuracy: float,
         tokenize: Callable[[str], list[str]], reference_features=None,
         test_features=None) -> dict:
    """The same analyses for the reference row (R-train against R-test): second opinions,
    train/test overlap, real-vs-real two-sample AUC (a baseline near 0.5), diversity measures;
    with the R-train and R-test features, MAUVE's interval (its point the mean of the draws)."""
    a = params.analyses
    out = {K.classifier_accuracy: classifier_accuracy,
           K.classifier_accuracy_2: ref.tfidf.accuracy(ref.test_texts, ref.test_labels)}
    out[K.faithfulness_2] = out[K.performance_2] = out[K.classifier_accuracy_2]
    cx = scores(reference_classifier=ref.tfidf, test_texts=ref.test_texts,
                test_labels=ref.test_labels, texts=ref.train_texts, labels=ref.train_labels,
                holdout_fraction=params.evaluate.holdout_fraction, seeds=params.classifier.seeds)
    out[K.complexity_2], out[K.complexity_2_std] = cx[K.complexity_2], cx[K.complexity_2_std]
    e = params.evaluate
    svd = ref.svd(a.svd_dim, params.seed)
    out[K.mauve_2] = conformity(svd.reference_features, svd.transform(ref.test_texts),
                                e.mauve_seeds[:1], e.mauve_samples,
                                e.mauve_scaling_factor)[K.mauve]
    out.update(leakage(synthetic_texts=ref.train_texts, train_texts=[],
                       test_texts=ref.test_texts, n=a.near_ngram, threshold=a.near_threshold,
                       edit_threshold=a.near_edit_threshold))
    out[K.leak_exact_train] = out[K.leak_near_train] = float("nan")  # R-train against itself
    out[K.two_sample_auc] = two_sample_auc(reference_texts=ref.test_texts,
                                           synthetic_texts=ref.train_texts, seed=params.seed,
                                           folds=a.two_sample_folds)
    out.update(diversity_measures(params, ref.train_texts, ref.train_labels, tokenize))
    if reference_features is not None and test_features is not None:
        with_intervals(params, out, {K.mauve: intervals.mauve_draws(
            params, reference_features, test_features)}, points_from_draws=[K.mauve])
    return out
