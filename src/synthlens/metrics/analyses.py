"""The analyses beyond the paper's five numbers, for one dataset (params `analyses`): a second
opinion on each characteristic (TF-IDF + logistic regression as a second classifier, TF-IDF +
SVD as a second featurizer), leakage and self-duplicates, a real-vs-synthetic two-sample test,
diversity measures robust to length and tokenizer, bootstrap intervals of the five
characteristics, and per-label views. Names match the metrics JSON and report/beyond.py.

Bootstrap intervals, each at analyses.bootstrap_level:
  - faithfulness: resampling S's per-sample agreement with the reference classifier;
  - complexity: resampling S's held-out part (the split of the first classifier seed);
  - performance: resampling R-test's per-sample correctness (resampling S itself would mean
    one more fine-tuning per resample);
  - diversity: seeded reorderings of S (the k-token budget then covers other texts; a draw
    with replacement would repeat texts, which biases distinct-n down);
  - MAUVE: analyses.mauve_resamples resamples of S's features, each against its own reference
    subsample (0 = no interval).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..config import Params
from .bootstrap import bootstrap_ci, mean_ci
from .characteristics import budgeted_tokens, conformity, distinct_n
from .diversity_more import compression_ratio, diversity_per_label, self_bleu
from .leakage import leakage
from .per_label import confusion, faithfulness_per_label
from .second_opinion import TfidfClassifier, scores, tfidf_classifier, tfidf_svd_features
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


def reference(train_rows: list[dict], test_rows: list[dict], label_names: list[str],
              seed: int) -> Reference:
    train_texts, train_labels = [r["text"] for r in train_rows], [r["label"] for r in train_rows]
    return Reference(train_texts, train_labels, [r["text"] for r in test_rows],
                     [r["label"] for r in test_rows], list(label_names),
                     tfidf_classifier(train_texts=train_texts, train_labels=train_labels,
                                      seed=seed))


def _ci(name: str, ci: tuple[float, float]) -> dict[str, float]:
    return {f"{name}_ci_low": ci[0], f"{name}_ci_high": ci[1]}


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
    rng = np.random.default_rng(params.seed)
    draws = np.asarray([_distinct_1(tokens, rng.permutation(len(texts)), e.diversity_tokens)
                        for _ in range(a.bootstrap_resamples)] if texts else [])
    draws = draws[~np.isnan(draws)]
    tail = (1 - a.bootstrap_level) / 2 * 100
    ci = (tuple(float(v) for v in np.percentile(draws, [tail, 100 - tail])) if draws.size
          else (float("nan"), float("nan")))
    return {"compression_ratio": compression_ratio(texts),
            "self_bleu": self_bleu(texts=texts, sample=a.self_bleu_sample, seed=params.seed),
            "diversity_per_label": mean,
            "diversity_by_label": {str(k): v for k, v in per.items()}, **_ci("diversity", ci)}


def second_mauve(params: Params, ref: Reference, texts: list[str]) -> float:
    """MAUVE on TF-IDF + SVD features (the second featurizer), R-train against S, with the
    first MAUVE seed only (a second opinion on the ranking, at the cost of one MAUVE run)."""
    e, a = params.evaluate, params.analyses
    written = [t for t in texts if t]
    if len(written) < 2:
        return float("nan")
    p, q = tfidf_svd_features(reference_texts=ref.train_texts, synthetic_texts=written,
                              dim=a.svd_dim, seed=params.seed)
    return conformity(p, q, e.mauve_seeds[:1], e.mauve_samples, e.mauve_scaling_factor)["mauve"]


def mauve_interval(params: Params, reference_features, synthetic_features) -> dict:
    e, a = params.evaluate, params.analyses
    n = len(synthetic_features)
    if a.mauve_resamples == 0 or n < 2:
        return _ci("mauve", (float("nan"), float("nan")))

    def stat(idx: np.ndarray) -> float:
        seed = int(idx[0]) + 1000 * int(idx[-1])  # a fresh reference subsample per resample
        return conformity(reference_features, np.asarray(synthetic_features)[idx], [seed],
                          e.mauve_samples, e.mauve_scaling_factor)["mauve"]

    return _ci("mauve", bootstrap_ci(stat, n, resamples=a.mauve_resamples,
                                     level=a.bootstrap_level, seed=params.seed))


def synthetic(params: Params, ref: Reference, texts: list[str], labels: list[int], *,
              predicted: np.ndarray, holdout_correct: np.ndarray, test_correct: np.ndarray,
              reference_features, synthetic_features, classifier_accuracy: float,
              tokenize: Callable[[str], list[str]]) -> dict:
    """Every analysis of one synthetic dataset. predicted: the reference classifier's labels
    for S; holdout_correct / test_correct: the per-sample correctness behind complexity and
    performance (first classifier seed)."""
    a = params.analyses
    out = {"classifier_accuracy": classifier_accuracy}
    out.update(scores(reference_classifier=ref.tfidf, test_texts=ref.test_texts,
                      test_labels=ref.test_labels, texts=texts, labels=labels,
                      holdout_fraction=params.evaluate.holdout_fraction,
                      seeds=params.classifier.seeds))
    out["mauve_2"] = second_mauve(params, ref, texts)
    out.update(leakage(synthetic_texts=texts, train_texts=ref.train_texts,
                       test_texts=ref.test_texts, n=a.near_ngram, threshold=a.near_threshold))
    out["two_sample_auc"] = two_sample_auc(reference_texts=ref.train_texts,
                                           synthetic_texts=texts, seed=params.seed,
                                           folds=a.two_sample_folds)
    out.update(diversity_measures(params, texts, labels, tokenize))
    agree = (np.asarray(predicted) == np.asarray(labels)).astype(float)
    kw = dict(resamples=a.bootstrap_resamples, level=a.bootstrap_level, seed=params.seed)
    out.update(_ci("faithfulness", mean_ci(agree, **kw)))
    low, high = mean_ci(holdout_correct, **kw)
    out.update(_ci("complexity", (1 - high, 1 - low)))
    out.update(_ci("performance", mean_ci(test_correct, **kw)))
    out.update(mauve_interval(params, reference_features, synthetic_features))
    out["faithfulness_by_label"] = faithfulness_per_label(
        predicted=predicted, labels=labels, label_names=ref.label_names)
    out["confusion"] = confusion(predicted=predicted, labels=labels, label_names=ref.label_names)
    return out


def real(params: Params, ref: Reference, classifier_accuracy: float,
         tokenize: Callable[[str], list[str]]) -> dict:
    """The same analyses for the reference row (R-train against R-test): second opinions,
    train/test overlap, real-vs-real two-sample AUC (a baseline near 0.5), diversity measures."""
    a = params.analyses
    out = {"classifier_accuracy": classifier_accuracy,
           "classifier_accuracy_2": ref.tfidf.accuracy(ref.test_texts, ref.test_labels)}
    out["faithfulness_2"] = out["performance_2"] = out["classifier_accuracy_2"]
    cx = scores(reference_classifier=ref.tfidf, test_texts=ref.test_texts,
                test_labels=ref.test_labels, texts=ref.train_texts, labels=ref.train_labels,
                holdout_fraction=params.evaluate.holdout_fraction, seeds=params.classifier.seeds)
    out["complexity_2"], out["complexity_2_std"] = cx["complexity_2"], cx["complexity_2_std"]
    e = params.evaluate
    p, q = tfidf_svd_features(reference_texts=ref.train_texts, synthetic_texts=ref.test_texts,
                              dim=a.svd_dim, seed=params.seed)
    out["mauve_2"] = conformity(p, q, e.mauve_seeds[:1], e.mauve_samples,
                                e.mauve_scaling_factor)["mauve"]
    out.update(leakage(synthetic_texts=ref.train_texts, train_texts=[],
                       test_texts=ref.test_texts, n=a.near_ngram, threshold=a.near_threshold))
    out["leak_exact_train"] = out["leak_near_train"] = float("nan")  # R-train against itself
    out["two_sample_auc"] = two_sample_auc(reference_texts=ref.test_texts,
                                           synthetic_texts=ref.train_texts, seed=params.seed,
                                           folds=a.two_sample_folds)
    out.update(diversity_measures(params, ref.train_texts, ref.train_labels, tokenize))
    return out
