"""The measures registry (metrics/measures.py) and docs/extending.md's worked example of a new
metric: a function of the dataset's view, one Measure entry, and its key in the metrics file."""
import pytest

from synthlens.config import Params
from synthlens.metrics import measures
from synthlens.metrics.measures import MEASURES, DatasetView, Measure, measure_all

from conftest import load_builtin_params


def view(params: Params, texts=("a short one", "", "a somewhat longer text")) -> DatasetView:
    # shared=None: a measure that reaches for the reference side would fail loudly here
    return DatasetView(params, None, list(texts), [0, 1, 0][:len(texts)], "m/reviews/t1_0")


def mean_chars(v: DatasetView) -> dict:
    """The worked example of docs/extending.md: mean characters per written sample."""
    return {"mean_chars": sum(len(t) for t in v.written) / len(v.written)}


def test_a_new_measure_adds_its_key_computed_on_the_written_texts():
    params = Params.model_validate(load_builtin_params())
    out = measure_all(view(params), [Measure("mean chars", mean_chars)])
    # by hand: "a short one" (11) and "a somewhat longer text" (22); the empty one is left out
    assert out == {"mean_chars": pytest.approx(16.5)}


def test_a_measure_runs_only_when_its_params_enable_it():
    raw = load_builtin_params()
    raw["learning_curve"] = {"sizes": []}
    params = Params.model_validate(raw)

    def must_not_run(v):
        raise AssertionError("ran although disabled")

    off = Measure("curve", must_not_run, lambda p: bool(p.learning_curve.sizes))
    assert measure_all(view(params), [off, Measure("mean chars", mean_chars)]) == {
        "mean_chars": pytest.approx(16.5)}


def test_two_measures_writing_one_key_is_an_error_not_an_overwrite():
    params = Params.model_validate(load_builtin_params())
    twice = [Measure("first", mean_chars), Measure("second", mean_chars)]
    with pytest.raises(ValueError, match="'second' writes keys another measure wrote"):
        measure_all(view(params), twice)


def test_a_measure_may_replace_only_the_keys_it_declares_it_refines():
    params = Params.model_validate(load_builtin_params())
    better = Measure("better", lambda v: {"mean_chars": 0.0}, refines=("mean_chars",))
    assert measure_all(view(params), [Measure("first", mean_chars), better]) == {
        "mean_chars": 0.0}


def test_the_registry_names_each_measure_once_with_the_five_characteristics_first():
    names = [m.name for m in MEASURES]
    assert len(names) == len(set(names))
    assert names[:3] == ["diversity", "mauve", "classifier characteristics"]
    # the analyses' measures follow params.analyses.enabled
    raw = load_builtin_params()
    raw["analyses"]["enabled"] = False
    off = Params.model_validate(raw)
    assert not [m.name for m in MEASURES if m.name in ("analyses", "embedding space",
                                                         "label quality") and m.enabled(off)]


def test_the_view_computes_the_embeddings_once_for_every_measure(monkeypatch):
    params = Params.model_validate(load_builtin_params())
    calls = []

    def fake_embed(spec, texts, device=None):
        calls.append(list(texts))
        return [[float(len(t))] for t in texts]

    monkeypatch.setattr(measures, "embed", fake_embed)

    class Shared:
        device = "cpu"

    v = DatasetView(params, Shared(), ["ab", "", "abcd"], [0, 1, 0], "m/reviews/t1_0")
    first = Measure("one", lambda v: {"n_features": len(v.features)})
    second = Measure("two", lambda v: {"first_feature": v.features[0][0]})
    assert measure_all(v, [first, second]) == {"n_features": 2, "first_feature": 2.0}
    assert calls == [["ab", "abcd"]]  # once, on the written texts only
