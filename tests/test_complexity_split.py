"""metrics/complexity.split_scores, the procedure behind complexity and performance, with a
stand-in classifier whose answers are known: it memorises its training texts and calls every
text it has not seen label 0. So accuracy on texts it never saw is their share of label 0, and
a held-out text that leaked into training would be answered right."""
import numpy as np
import pytest

from synthlens.config import load_params
from synthlens.metrics import complexity
from synthlens.metrics.characteristics import stratified_split


@pytest.fixture
def memoriser(monkeypatch):
    trained = []

    def train(spec, texts, labels, num_labels, seed, desc, device=None):
        trained.append({"texts": list(texts), "seed": seed, "num_labels": num_labels})
        return dict(zip(texts, labels)), None

    def predict(model, tok, texts, max_length):
        return np.array([model.get(t, 0) for t in texts])

    monkeypatch.setattr(complexity.classifier, "train_classifier", train)
    monkeypatch.setattr(complexity.classifier, "predict", predict)
    return trained


@pytest.fixture
def params(mini_params, write_params):
    mini_params["evaluate"]["holdout_fraction"] = 0.3
    return load_params(write_params(mini_params))


def test_complexity_is_the_error_on_the_held_out_part_only(params, memoriser):
    """40 texts, 30 labelled 0 and 10 labelled 1: the stratified 30 % holdout is 9 + 3 texts.
    The memoriser gets the 9 label-0 ones right and the 3 label-1 ones wrong: complexity
    3/12 = 0.25. R-test (3 of 10 labelled 0, never seen): performance 0.3."""
    texts = [f"text {i}" for i in range(40)]
    labels = [0] * 30 + [1] * 10
    test = ([f"test {j}" for j in range(10)], [0, 0, 0] + [1] * 7)
    s = complexity.split_scores(params, texts, labels, 2, seed=3, desc="t", extra_test=test)
    assert s.complexity == pytest.approx(0.25)
    assert s.performance == pytest.approx(0.3)
    assert sorted(s.holdout_correct.tolist()) == [0.0] * 3 + [1.0] * 9
    assert s.test_correct.tolist() == [1.0] * 3 + [0.0] * 7
    [run] = memoriser
    assert len(run["texts"]) == 28 and run["seed"] == 3 and run["num_labels"] == 2
    # no held-out text in training (a leak would be memorised and lower the complexity)
    _, hold = stratified_split(labels, 0.3, 3)
    assert not {texts[i] for i in hold} & set(run["texts"])
    assert complexity.split_complexity(params, texts, labels, 2, 3, "t", test) == (
        pytest.approx(0.25), pytest.approx(0.3))


def test_the_seed_picks_the_split(params, memoriser):
    texts = [f"text {i}" for i in range(40)]
    labels = [i % 2 for i in range(40)]
    for seed in (0, 1, 0):
        complexity.split_scores(params, texts, labels, 2, seed=seed, desc="t")
    a, b, again = (set(r["texts"]) for r in memoriser)
    assert a != b and a == again


def test_no_r_test_gives_nan_performance(params, memoriser):
    s = complexity.split_scores(params, [f"t{i}" for i in range(10)], [0, 1] * 5, 2, 0, "t")
    assert np.isnan(s.performance) and s.test_correct.size == 0
    # 5 texts per label, round(0.3 * 5) = 2 of each held out: 2 right (label 0), 2 wrong
    assert s.complexity == pytest.approx(0.5)
