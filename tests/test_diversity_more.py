"""Compression ratio, Self-BLEU and per-label diversity."""
import math
import random

import pytest

from synthlens.metrics import diversity_more as dm


def random_texts(n, seed, words=20):
    rng = random.Random(seed)
    return [" ".join(f"w{rng.randrange(100000)}" for _ in range(words)) for _ in range(n)]


REPEATED = ["the quick brown fox jumps over the lazy dog",
            "a stitch in time saves nine they always say"] * 60


def test_a_repetitive_dataset_compresses_far_better_than_a_varied_one():
    assert dm.compression_ratio(REPEATED) > 3 * dm.compression_ratio(random_texts(120, 1))
    assert math.isnan(dm.compression_ratio([]))


def test_self_bleu_is_one_for_repeats_and_near_zero_for_distinct_words():
    assert dm.self_bleu(texts=REPEATED, sample=50, seed=0) == pytest.approx(1.0)
    # a hypothesis is never its own reference, or this would be 1 as well
    assert dm.self_bleu(texts=random_texts(200, 2), sample=50, seed=0) < 0.05


def test_self_bleu_by_hand():
    # each text is the other's only reference. "a b c d" vs "a b c e": p1..p4 = 3/4, 2/3,
    # 1/2 and, smoothed, 0.1/1; equal lengths so BP = 1; the same the other way round
    expected = (0.75 * (2 / 3) * 0.5 * 0.1) ** 0.25
    assert dm.self_bleu(texts=["a b c d", "a b c e"], sample=2, seed=0) \
        == pytest.approx(expected)
    # "a b" vs "a b c d": p1 = p2 = 1, two orders only, BP = exp(1 - 4/2);
    # "a b c d" vs "a b": p = 2/4, 1/3, 0.1/2, 0.1/1, BP = 1
    short = math.exp(1 - 4 / 2)
    long = (0.5 * (1 / 3) * 0.05 * 0.1) ** 0.25
    assert dm.self_bleu(texts=["a b", "A B C D"], sample=2, seed=0) \
        == pytest.approx((short + long) / 2)


def test_self_bleu_samples_with_the_seed():
    texts = random_texts(30, 3, words=6) + ["x y z"] * 30
    a = dm.self_bleu(texts=texts, sample=10, seed=1)
    assert a == dm.self_bleu(texts=texts, sample=10, seed=1)
    # the share of "x y z" copies drawn, hence the score, changes with the seed
    assert len({dm.self_bleu(texts=texts, sample=10, seed=s) for s in range(6)}) > 1
    assert math.isnan(dm.self_bleu(texts=["only one"], sample=5, seed=0))


def distinct_1(texts):
    tokens = " ".join(texts).split()
    return len(set(tokens)) / len(tokens) if len(tokens) >= 4 else float("nan")


def test_diversity_per_label_applies_the_function_to_each_label():
    texts = ["a a", "a a", "b c", "d e", "z"]
    labels = ["neg", "neg", "pos", "pos", "odd"]
    per, mean = dm.diversity_per_label(texts=texts, labels=labels, diversity=distinct_1)
    assert per["neg"] == 0.25 and per["pos"] == 1.0 and math.isnan(per["odd"])
    assert mean == pytest.approx(0.625)  # NaN labels are left out of the mean
    _, mean = dm.diversity_per_label(texts=["z"], labels=[0], diversity=distinct_1)
    assert math.isnan(mean)
