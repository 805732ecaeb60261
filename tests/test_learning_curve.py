"""Learning curves and 'how many real samples is one synthetic sample worth' (issue 10), with
known answers: a separable task is learnt at every size, shuffled labels stay at chance, and
samples_worth on hand-made curves gives the hand-computed sizes."""
import math
import random

import numpy as np
import pytest

from synthlens.config import ClassifierSpec, EncoderSpec
from synthlens.device import choose
from synthlens.metrics.learning_curve import (backbone_fit_predict, learning_curve,
                                              samples_worth, stratified_draw,
                                              tfidf_fit_predict)

from tiny_models import save_classifier_backbone

def toy(n: int, seed: int, words=("awful", "lovely", "boring")) -> tuple[list[str], list[int]]:
    """'this <word> film number <k>': the word names the label, the rest is shared by every
    text or (k, unique per text and seed) never seen again: perfectly separable."""
    rng = random.Random(seed)
    labels = [i % len(words) for i in range(n)]
    rng.shuffle(labels)
    texts = [f"this {words[y]} film number {seed * 10_000 + i}" for i, y in enumerate(labels)]
    return texts, labels


def test_a_separable_task_is_learnt_at_every_size():
    texts, labels = toy(90, seed=0)
    test_texts, test_labels = toy(60, seed=1)
    curve = learning_curve(texts=texts, labels=labels, test_texts=test_texts,
                           test_labels=test_labels, sizes=[3, 9, 30, 90, 500], seed=0,
                           fit_predict=tfidf_fit_predict(seed=0))
    assert list(curve) == ["3", "9", "30", "90", "500"]
    assert [curve[k] for k in ("3", "9", "30", "90")] == [1.0] * 4
    assert math.isnan(curve["500"])   # larger than the data: not trained


def test_shuffled_labels_stay_near_chance():
    texts, _ = toy(300, seed=0)
    test_texts, _ = toy(400, seed=1)
    rng = np.random.default_rng(0)
    labels, test_labels = rng.integers(0, 2, 300).tolist(), rng.integers(0, 2, 400).tolist()
    curve = learning_curve(texts=texts, labels=labels, test_texts=test_texts,
                           test_labels=test_labels, sizes=[50, 300], seed=0,
                           fit_predict=tfidf_fit_predict(seed=0))
    for acc in curve.values():
        assert 0.4 < acc < 0.6


def test_stratified_draw_keeps_label_shares_and_is_seeded():
    labels = [0] * 30 + [1] * 10
    idx = stratified_draw(labels, 20, seed=3)
    assert len(set(idx)) == 20
    assert sorted(np.bincount([labels[i] for i in idx])) == [5, 15]
    assert idx == stratified_draw(labels, 20, seed=3)
    assert idx != stratified_draw(labels, 20, seed=4)
    assert stratified_draw(labels, 40, seed=3) == list(range(40))
    assert len(stratified_draw(labels, 1, seed=3)) == 1   # too few to stratify: plain draw
    with pytest.raises(ValueError):
        stratified_draw(labels, 41, seed=3)


def test_samples_worth_interpolates_on_the_real_curve():
    real = {"10": 0.5, "20": 0.7, "40": 0.8, "80": 0.8, "160": float("nan")}
    synthetic = {"5": 0.5, "10": 0.6, "20": 0.75, "30": 0.8, "40": 0.9, "50": 0.4,
                 "60": float("nan")}
    worth = samples_worth(synthetic, real)
    assert list(worth) == list(synthetic)
    assert worth["5"] == 10.0      # on a real point
    assert worth["10"] == pytest.approx(15.0)   # halfway between 10 (0.5) and 20 (0.7)
    assert worth["20"] == pytest.approx(30.0)   # halfway between 20 (0.7) and 40 (0.8)
    assert worth["30"] == 40.0     # flat stretch 40..80: the smallest size that reaches it
    for above_below_or_nan in ("40", "50", "60"):
        assert math.isnan(worth[above_below_or_nan])


def test_samples_worth_on_a_curve_that_dips():
    real = {"10": 0.6, "20": 0.5, "40": 0.9}
    worth = samples_worth({"1": 0.55, "2": 0.7}, real)
    assert worth["1"] == pytest.approx(15.0)   # the first crossing, on the way down
    assert worth["2"] == pytest.approx(30.0)   # 0.5 -> 0.9 between 20 and 40


def test_backbone_provider_fine_tunes_on_the_device(tmp_path):
    """One word decides the label: the fine-tuned tiny backbone gets every test text right."""
    backbone = save_classifier_backbone(tmp_path / "b")
    spec = ClassifierSpec(backbone=EncoderSpec(source="local", name=str(backbone)), epochs=1,
                          learning_rate=3e-3, batch_size=8, max_length=16, min_steps=40,
                          seeds=[0])
    fit_predict = backbone_fit_predict(spec=spec, num_labels=2, seed=0,
                                       device=choose())
    curve = learning_curve(texts=["awful", "lovely"] * 8, labels=[0, 1] * 8,
                           test_texts=["lovely", "awful"] * 5, test_labels=[1, 0] * 5,
                           sizes=[4, 16, 17], seed=0, fit_predict=fit_predict)
    assert curve["4"] == curve["16"] == 1.0 and math.isnan(curve["17"])
