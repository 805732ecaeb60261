"""The intervals of the metrics files mean what docs/intervals.md says: diversity and MAUVE
without draws with replacement and with their point the mean of the same draws (so inside the
interval), the classifier characteristics' intervals over seeds and samples, and a mean over
domains with an interval computed from the per-domain draws."""
import math
from pathlib import Path

import numpy as np
import pytest

from synthlens.config import load_params
from synthlens.metrics import analyses, intervals
from synthlens.metrics.characteristics import conformity
from synthlens.report.rundata import average_over_domains, flatten

ROOT = Path(__file__).resolve().parents[1]


def changed(p, section: str, **values):
    """A copy of params p with some values of one section changed (params are frozen)."""
    return p.model_copy(update={section: getattr(p, section).model_copy(update=values)})


@pytest.fixture
def params():
    return changed(load_params(ROOT / "profiles" / "mini.yaml"), "analyses",
                   bootstrap_resamples=300)


def test_diversity_draws_never_repeat_a_text():
    # 30 texts of 10 tokens each, no token shared: any subsample of distinct texts has
    # distinct-1 = 1 exactly; a draw with replacement repeats texts and falls below 1
    tokens = [[f"w{i}_{j}" for j in range(10)] for i in range(30)]
    draws = intervals.diversity_draws(tokens, k=100, resamples=200, seed=0)
    assert draws.size == 200 and np.all(draws == 1.0)
    assert intervals.diversity_draws(tokens, k=301, resamples=5, seed=0).size == 0  # < k tokens


def test_diversity_point_is_the_mean_of_its_draws_and_lies_inside(params):
    rng = np.random.default_rng(0)
    vocab = [f"t{i}" for i in range(60)]
    texts = [" ".join(rng.choice(vocab, rng.integers(3, 12))) for _ in range(80)]
    labels = [i % 2 for i in range(80)]
    params = changed(params, "evaluate", diversity_tokens=200)
    out = analyses.diversity_measures(params, texts, labels, str.split)
    draws = out["bootstrap_draws"]["diversity"]
    assert out["diversity"] == pytest.approx(np.mean(draws), abs=1e-6)
    assert out["diversity_ci_low"] <= out["diversity"] <= out["diversity_ci_high"]
    assert (out["diversity_ci_low"], out["diversity_ci_high"]) == pytest.approx(
        tuple(np.percentile(draws, [2.5, 97.5])), abs=1e-6)
    assert out["bootstrap_level"] == 0.95


def test_mauve_draws_are_seed_runs_at_full_size_with_the_point_their_mean(params):
    rng = np.random.default_rng(1)
    ref = rng.normal(size=(200, 16))
    syn = rng.normal(0.4, 1.0, size=(60, 16))
    params = changed(changed(params, "evaluate", mauve_seeds=[0, 1], mauve_samples=60),
                     "analyses", mauve_resamples=5)
    assert intervals.mauve_seeds(params) == [0, 1, 2, 3, 4]
    draws = intervals.mauve_draws(params, ref, syn)
    # each draw is conformity's own run for that seed: evaluate's point runs are among them
    for s, d in zip([0, 1, 4], draws[[0, 1, 4]]):
        assert d == pytest.approx(conformity(ref, syn, [s], 60, 5.0)["mauve"])
    out = analyses.with_intervals(params, {}, {"mauve": draws}, points_from_draws=["mauve"])
    assert out["mauve"] == pytest.approx(draws.mean(), abs=1e-9)
    assert out["mauve_std"] == pytest.approx(draws.std(), abs=1e-9)
    assert out["mauve_ci_low"] <= out["mauve"] <= out["mauve_ci_high"]
    # no interval: no draws, the point left alone
    assert intervals.mauve_seeds(changed(params, "analyses", mauve_resamples=0)) == []


def test_classifier_intervals_resample_seeds_and_samples(params):
    hold = [np.array([1.0] * 30 + [0.0] * 10), np.array([1.0] * 20 + [0.0] * 20)]
    test = [np.array([1.0] * 70 + [0.0] * 30), np.array([1.0] * 60 + [0.0] * 40)]
    agree = [np.array([1.0] * 50 + [0.0] * 50)] * 2
    draws = intervals.classifier_draws(params, agreement=agree, holdout_correct=hold,
                                       test_correct=test)
    out = intervals.summarise(params, draws)
    # points the seeds' means (complexity = 1 - held-out accuracy), each inside its interval
    for c, point in (("complexity", 1 - (0.75 + 0.5) / 2), ("performance", 0.65),
                     ("faithfulness", 0.5)):
        assert out[f"{c}_ci_low"] < point < out[f"{c}_ci_high"]
        assert np.mean(out["bootstrap_draws"][c]) == pytest.approx(point, abs=0.01)
    # one array is one seed, conditional on that classifier: narrower than across both seeds
    one = intervals.summarise(params, intervals.classifier_draws(
        params, agreement=agree[0], holdout_correct=hold[0], test_correct=test[0]))
    assert (one["complexity_ci_high"] - one["complexity_ci_low"] <
            out["complexity_ci_high"] - out["complexity_ci_low"])


def _metrics(domain: str, draws: dict, level=0.95) -> dict:
    m = {"info": {"model": "m", "domain": domain, "decoding": "t1_0", "kind": "synthetic"},
         "temperature": 1.0, "bootstrap_level": level, "bootstrap_draws": draws}
    for c, d in draws.items():
        m[c] = float(np.mean(d))
        m[f"{c}_ci_low"], m[f"{c}_ci_high"] = np.percentile(d, [2.5, 97.5])
    for c in ("diversity", "mauve", "faithfulness", "complexity", "performance"):
        m.setdefault(c, 0.5)
    return m


def test_table2_interval_of_a_mean_over_domains_is_computed_from_the_draws():
    # MAUVE near 0 in one domain (a one-sided, skewed interval), near 0.5 in the other
    rng = np.random.default_rng(5)
    a = list(0.006 + rng.exponential(0.004, 200))
    b = list(0.5 + rng.normal(0, 0.03, 200))
    rows = [flatten(_metrics("reviews", {"mauve": a})), flatten(_metrics("news", {"mauve": b}))]
    (mean,) = average_over_domains(rows)
    expect = np.percentile((np.array(a) + np.array(b)) / 2, [2.5, 97.5])
    assert (mean["mauve_ci_low"], mean["mauve_ci_high"]) == pytest.approx(tuple(expect))
    assert mean["mauve_ci_low"] <= mean["mauve"] <= mean["mauve_ci_high"]
    # characteristics without draws in a domain get no interval of their mean
    assert math.isnan(mean["faithfulness_ci_low"]) and math.isnan(mean["faithfulness_ci_high"])
    # intervals at different levels are not combined
    rows[1] = flatten(_metrics("news", {"mauve": b}, level=0.9))
    assert math.isnan(average_over_domains(rows)[0]["mauve_ci_low"])
