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
    # word edit similarity is 19/20 = 0.95: near at 0.8 although Jaccard (0.71) is below it,
    # and at 0.96 neither rule (nor containment, 0.83) reaches its threshold
    assert lk.near_flags([s], [r], n=3, threshold=0.8)[0]
    assert not lk.near_flags([s], [r], n=3, threshold=0.8, edit_threshold=0.96)[0]
    assert not lk.near_flags([s], [r], n=3, threshold=0.96, edit_threshold=0.96)[0]
    assert not lk.near_flags([s], [r], n=3, threshold=0.96, measure="containment",
                             edit_threshold=0.96)[0]
    # within S, only the later of the two counts
    assert list(lk.self_near_flags([r, s], n=3, threshold=0.7)) == [False, True]


def test_texts_shorter_than_n_are_judged_by_edit_similarity():
    # no 3-grams at all: "c d" vs "c e" is one substitution in two words, 0.5
    assert list(lk.near_flags(["a b", "c d"], ["a b", "c e"], n=3, threshold=0.8)) \
        == [True, False]
    assert list(lk.near_flags(["a b", "c d"], ["a b", "c e"], n=3, threshold=0.8,
                              edit_threshold=0.5)) == [True, True]
    assert list(lk.self_near_flags(["a b", "a b", "x"], n=3, threshold=0.5,
                                   edit_threshold=0.5)) == [False, True, False]


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


# ------------------------------------------------------------- the near rule on short texts
SHORT = "the film has a great cast and story"          # 8 words, 6 word 3-grams


def test_a_one_word_edit_of_an_8_word_text_is_a_near_duplicate():
    edited = "the film has a weak cast and story"   # word 5 of 8 replaced
    # by hand: 3-grams 'has a great', 'a great cast', 'great cast and' are gone, so 3-gram
    # Jaccard = 3 / 9 (the rule alone misses it); words: one substitution, 1 - 1/8 = 0.875
    a, b = lk.ngram_matrices([edited], [SHORT], 3)
    assert lk.max_similarity(a, b)[0] == pytest.approx(3 / 9)
    out = lk.leakage(synthetic_texts=[edited, "an unrelated sentence about the weather today"],
                     train_texts=[], test_texts=[SHORT])
    assert out["leak_exact_test"] == 0.0 and out["leak_near_test"] == 0.5
    out = lk.leakage(synthetic_texts=[SHORT, edited], train_texts=[], test_texts=[])
    assert out["self_exact"] == 0.0 and out["self_near"] == 0.5


@pytest.mark.parametrize("edited", [
    "the film has a great cast, and story!",       # punctuation added
    "The film has a great cast and story.",        # case and a full stop
    "the film has a great cast and a story",       # one word inserted: 1 - 1/9
    "the film has great cast and story",           # one word dropped: 1 - 1/8
    "the film had a great cast and story",         # one word changed at the start
])
def test_lightly_edited_copies_of_a_short_text_are_near(edited):
    assert lk.near_flags([edited], [SHORT], n=3, threshold=0.8)[0]


ON_TOPIC = [  # distinct reviews on one topic, sharing frame words; every pair differs in
    # at least 2 of 5 words or 1 of 4 (a one-word change of a 4-word text is another text)
    "the acting was superb and moving",
    "the acting was wooden and dull",
    "a gripping thriller with a clever plot",
    "a tedious thriller with a clumsy plot",
    "the plot was dull",
    "the plot was great",
    "the cast is great but the story is thin",
    "the story is great but the cast is thin and tired",
    "i loved the soundtrack and the cinematography",
    "i hated the soundtrack and the ending",
    # pairs of the builtin review generator's templates, opposite in meaning: one word of
    # five (0.8) and one inserted word in six (1 - 1/6 = 0.83), both below the default 0.85
    "The soundtrack was mostly flat.",
    "The soundtrack was mostly witty.",
    "It earns its running time.",
    "It never earns its running time.",
]


def test_on_topic_distinct_short_texts_are_not_near_duplicates():
    out = lk.leakage(synthetic_texts=ON_TOPIC[::2], train_texts=ON_TOPIC[1::2],
                     test_texts=ON_TOPIC[1::2])
    assert out["leak_near_train"] == out["leak_near_test"] == 0.0
    assert not lk.self_near_flags(ON_TOPIC, n=3, threshold=0.8).any()
    # the reason the edit threshold is 0.85 and not the Jaccard threshold's 0.8
    assert list(lk.self_near_flags(ON_TOPIC[-4:], n=3, threshold=0.8, edit_threshold=0.8)) \
        == [False, True, False, True]


def wagner_fischer(a, b):
    """Textbook Levenshtein DP over two sequences (an independent reference)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
    return d[-1][-1]


def test_edit_distances_by_hand_and_against_the_textbook_dp():
    ids = [np.array([ord(c) for c in w]) for w in ("kitten", "sitting", "flaw", "lawn", "")]
    assert list(lk.edit_distances(ids[:3] + [ids[4]], ids[1:2] + [ids[0], ids[3], ids[3]])) \
        == [3, 3, 2, 4]  # kitten/sitting = 3 and flaw/lawn = 2, the classic examples
    rng = np.random.default_rng(0)
    a = [rng.integers(0, 3, rng.integers(0, 9)) for _ in range(400)]
    b = [rng.integers(0, 3, rng.integers(0, 9)) for _ in range(400)]
    expected = [wagner_fischer(list(x), list(y)) for x, y in zip(a, b)]
    assert len(set(expected)) > 4
    assert list(lk.edit_distances(a, b)) == expected


@pytest.mark.parametrize("threshold", [0.7, 0.75, 0.8])
def test_screening_loses_no_pair_that_reaches_the_threshold(threshold):
    """Texts of 3-word vocabulary with repeated words (where a set bound would be wrong):
    the flags equal a brute force over all pairs with the textbook DP."""
    rng = random.Random(1)
    texts = [" ".join(rng.choice("abc") for _ in range(rng.randrange(1, 7))) for _ in range(60)]
    against = [" ".join(rng.choice("abc") for _ in range(rng.randrange(1, 7))) for _ in range(40)]

    def sim(x, y):
        x, y = x.split(), y.split()
        return 1 - wagner_fischer(x, y) / max(len(x), len(y))
    expected = [any(sim(t, u) >= threshold for u in against) for t in texts]
    assert 5 < sum(expected) < len(texts) - 5  # hits and misses alike
    assert list(lk.edit_near(texts, against, threshold=threshold, chunk=7)) == expected
    earlier = [any(sim(t, u) >= threshold for u in texts[:i]) for i, t in enumerate(texts)]
    assert list(lk.edit_near(texts, [], threshold=threshold, earlier_only=True)) == earlier
