"""The shipped classifier (params classifier: its method, a linear probe in the mini profile,
and its training budget) is enough to learn from a dataset of the synthetic size: a stratified draw of each default-profile domain's real R-train, as large
as a synthetic dataset, trained exactly as complexity/performance train (the same split and
budget), beats the majority share of R-test clearly (a one-sided binomial test against
always answering the majority label, p < 0.001) and does not predict one class. At the old
budget (12 steps) a 128-text draw of real SST-2 scored 0.515 with 93 % of R-test one class."""
import numpy as np
import pytest
import yaml
from scipy.stats import binomtest

from conftest import ROOT
from synthlens.config import Params
from synthlens.device import choose
from synthlens.domains.reference import load_reference
from synthlens.metrics.characteristics import stratified_subsample
from synthlens.metrics.complexity import split_scores, top_class_share

PARAMS = Params(**yaml.safe_load((ROOT / "params.yaml").read_text()))


@pytest.mark.parametrize("domain", PARAMS.grid.domains)
def test_a_real_draw_of_synthetic_size_learns_with_the_shipped_budget(domain, monkeypatch):
    monkeypatch.chdir(ROOT)  # local domains name their files relative to the project
    spec = PARAMS.domain(domain)
    train, test = load_reference(spec, domain, PARAMS.seed)
    n = PARAMS.samples_per_label(domain) * len(spec.labels)
    labels = [r["label"] for r in train]
    idx = stratified_subsample(labels, n, seed=PARAMS.seed)
    texts, ys = [train[i]["text"] for i in idx], [labels[i] for i in idx]
    test_texts, test_labels = [r["text"] for r in test], [r["label"] for r in test]
    split = split_scores(PARAMS, texts, ys, len(spec.labels), PARAMS.classifier.seeds[0],
                         f"budget {domain}", extra_test=(test_texts, test_labels),
                         device=choose())
    majority = np.bincount(test_labels).max() / len(test_labels)
    assert split.test_top_share < 0.9, f"{domain}: one class ({split.test_top_share:.2f})"
    correct = int(split.test_correct.sum())
    p = binomtest(correct, len(test_labels), majority, alternative="greater").pvalue
    assert p < 0.001, (f"{domain}: R-test accuracy {split.performance:.3f} vs majority share "
                       f"{majority:.3f} (p = {p:.2g})")
