"""Exact and near duplicates of R-train / R-test texts in S, and within S."""
import random

import numpy as np
import pytest

from synthlens.metrics import leakage as lk


def sentences(n, seed, words=20, vocab=500, prefix="w"):
    rng = random.Random(seed)
    return [" ".join(f"{prefix}{rng.randrange(vocab)}" for _ in range(words)) for _ in range(n)]


def test_a_copy_of_r_test_leaks_entirely_and_disjoint_texts_not_at_all():
    train, test = sentences(50, 1, prefix="a"), sentences(30, 2, prefix="b")
    out = lk.leakage(synthetic_texts=list(test), train_texts=train, test_texts=test)
    assert out["leak_exact_test"] == out["leak_near_test"] == 1.0
    assert out["leak_exact_train"] == out["leak_near_train"] == 0.0
    assert out["self_exact"] == out["self_near"] == 0.0
    out = lk.leakage(synthetic_texts=sentences(40, 3, prefix="c"), train_texts=train,
                     test_texts=test)
    assert all(v == 0.0 for v in out.values())


def test_exact_matches_ignore_case_and_spacing():
    flags = lk.exact_flags(["Hello  World ", "hello world!", "bye"], ["hello world", "BYE"])
    assert list(flags) == [True, False, True]


def test_two_repeated_sentences_are_half_self_duplicates():
    a, b = "the cat sat on the mat today", "a dog ran in the park at noon"
    out = lk.leakage(synthetic_texts=[a, b, a.upper(), b], train_texts=[], test_texts=[])
    assert out["self_exact"] == out["self_near"] == 0.5
    assert list(lk.self_exact_flags([a, b, a, b])) == [False, False, True, True]


def test_one_changed_word_is_near_by_hand_computed_jaccard_and_containment():
    words = [f"w{i}" for i in range(20)]
    changed = words[:10] + ["other"] + words[11:]
    s, r = " ".join(changed), " ".join(words)
    # trigrams: 18 per text; the changed word kills 3 -> 15 shared, 21 in the union
    a, b = lk.ngram_matrices([s], [r], 3)
    assert lk.max_similarity(a, b, measure="jaccard")[0] == pytest.approx(15 / 21)
    assert lk.max_similarity(a, b, measure="containment")[0] == pytest.approx(15 / 18)
    assert lk.near_flags([s], [r], n=3, threshold=0.7)[0]
    assert not lk.near_flags([s], [r], n=3, threshold=0.8)[0]
    assert lk.near_flags([s], [r], n=3, threshold=0.8, measure="containment")[0]
    # within S, only the later of the two counts
    assert list(lk.self_near_flags([r, s], n=3, threshold=0.7)) == [False, True]


def test_texts_shorter_than_n_are_near_duplicates_only_when_exact():
    assert list(lk.near_flags(["a b", "c d"], ["a b", "c e"], n=3, threshold=0.5)) \
        == [True, False]
    assert list(lk.self_near_flags(["a b", "a b", "x"], n=3, threshold=0.5)) \
        == [False, True, False]


def brute_force(texts, against, n, earlier_only):
    def grams(t):
        w = t.lower().split()
        return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}
    out = []
    for i, t in enumerate(texts):
        best = 0.0
        for j, u in enumerate(against):
            if earlier_only and j >= i:
                continue
            a, b = grams(t), grams(u)
            if a & b:
                best = max(best, len(a & b) / len(a | b))
        out.append(best)
    return np.array(out)


@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_sparse_similarity_matches_python_sets_in_any_chunk_size(chunk):
    rng = random.Random(4)
    pool = sentences(25, 5, words=8, vocab=6)  # tiny vocabulary: many shared bigrams
    texts = [rng.choice(pool) if rng.random() < 0.3 else t for t in sentences(30, 6, 8, 6)]
    a, b = lk.ngram_matrices(texts, pool, 2)
    expected = brute_force(texts, pool, 2, False)
    assert len(set(expected.round(6))) > 3  # copies, partial overlaps and misses alike
    assert np.allclose(lk.max_similarity(a, b, chunk=chunk), expected)
    a, _ = lk.ngram_matrices(texts, [], 2)
    assert np.allclose(lk.max_similarity(a, a, earlier_only=True, chunk=chunk),
                       brute_force(texts, texts, 2, True))


def test_empty_synthetic_set_and_bad_measure():
    out = lk.leakage(synthetic_texts=[], train_texts=["a b c"], test_texts=[])
    assert all(np.isnan(v) for v in out.values())
    a, b = lk.ngram_matrices(["a b c"], ["a b c"], 2)
    with pytest.raises(ValueError, match="measure"):
        lk.max_similarity(a, b, measure="cosine")


def test_self_duplicates_count_only_the_later_copy():
    texts = ["x y z w", "p q r s", "X  y z w", "p q r s"]
    assert list(lk.self_near_flags(texts, n=2, threshold=0.9)) == [False, False, True, True]
