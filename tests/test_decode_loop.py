"""The CPU decoding loop (generation/decode_loop.py) against transformers' own generate(): for
each architecture and decoding, every token id is what generate() with a StaticCache (the GPU
path, written by transformers) samples; prompts shared by several rows run through the model
once; rows that end leave the batch; and a row's sample does not depend on its batch."""
import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

import synthlens.generation.decode_loop as loop
from synthlens.config import CleaningSpec, DecodingSpec
from synthlens.generation.prompts import prompt_token_ids
from synthlens.generation.sampling import PerRowUniform, Request, draw, row_keys, sample

from tiny_models import save_causal_lm

PROMPTS = ["Write a positive movie review.", "A dull", "Here is a news story about sports.",
           "How long should I roast a chicken? Here is"]
REPEATED = [Request(PROMPTS[i % len(PROMPTS)], 200 + i) for i in range(14)]
DISTINCT = [Request(p, 300 + i) for i, p in enumerate(PROMPTS)]
DECODINGS = {"t1": DecodingSpec(temperature=1.0), "topp": DecodingSpec(temperature=1.3, top_p=0.8),
             "greedy": DecodingSpec(temperature=0.0)}
STOP = CleaningSpec(stop_strings=["."])


@pytest.fixture(scope="module", params=["llama", "gpt2", "qwen2", "falcon"])
def lm(request, tmp_path_factory):
    out = save_causal_lm(request.param, tmp_path_factory.mktemp(request.param))
    return AutoModelForCausalLM.from_pretrained(out).eval(), AutoTokenizer.from_pretrained(out)


def forward_rows(model):
    """A list that records the rows of every forward call of `model` (remove the hook after)."""
    rows = []
    hook = model.register_forward_pre_hook(
        lambda module, args, kwargs: rows.append(kwargs["input_ids"].shape[0]), with_kwargs=True)
    return rows, hook


@pytest.mark.parametrize("decoding", DECODINGS)
@pytest.mark.parametrize("requests", [REPEATED, DISTINCT], ids=["repeated", "distinct"])
def test_the_loop_samples_what_generate_samples(lm, decoding, requests):
    model, tok = lm
    ours = sample(model, tok, requests, DECODINGS[decoding], 12, STOP)
    theirs = sample(model, tok, requests, DECODINGS[decoding], 12, STOP, cache="static")
    assert ours == theirs
    assert len(set(ours)) > 1
    # the batch holds rows that ended early (the stop string) and rows that ran to the end,
    # unless the tiny model never writes a '.'
    if any(not c.cut_off for c in ours):
        assert any(c.cut_off for c in ours) or decoding == "greedy"


def test_a_shared_prompt_runs_through_the_model_once(lm):
    model, tok = lm
    rows, hook = forward_rows(model)
    try:
        sample(model, tok, REPEATED, DECODINGS["t1"], 6)
    finally:
        hook.remove()
    assert rows[0] == len(PROMPTS)      # the prefill: one row per distinct prompt
    assert rows[1] == len(REPEATED)     # then every row steps


def test_ended_rows_leave_the_batch(lm, monkeypatch):
    """Rows end early (a tenth of the vocabulary ends a sequence); once a quarter of the batch
    has ended the steps run fewer rows than the batch, and no step runs fewer rows than are
    still running."""
    import copy

    model, tok = lm
    model = copy.deepcopy(model)
    vocab = model.get_output_embeddings().weight.shape[0]
    model.generation_config.eos_token_id = list(range(0, vocab, 10))
    requests = [Request(PROMPTS[i % len(PROMPTS)], 500 + i) for i in range(32)]
    returned = {}
    real = loop.decode
    monkeypatch.setattr(loop, "decode", lambda *a, **k: returned.setdefault("new", real(*a, **k)))
    rows, hook = forward_rows(model)
    try:
        sample(model, tok, requests, DECODINGS["t1"], 16)
    finally:
        hook.remove()
    lengths = [len(ids) for ids in returned["new"]]
    steps = rows[1:]  # after the prefill, step k feeds token k of the rows still in the batch
    assert steps, "every row ended at its first token"
    for k, batch in enumerate(steps):
        running = sum(n > k + 1 for n in lengths)
        assert batch >= running
    assert min(steps) < len(requests), "no ended row ever left the batch"
    assert sum(steps) < len(requests) * len(steps)


def test_a_sample_does_not_depend_on_its_batch(lm):
    model, tok = lm
    decoding = DECODINGS["topp"]
    alone = sample(model, tok, [REPEATED[5]], decoding, 12, STOP)
    assert sample(model, tok, REPEATED, decoding, 12, STOP)[5] == alone[0]


def test_a_batch_of_several_decodings_samples_each_as_its_own_batch(lm):
    """One decoding per request (the CPU loop batches several datasets of a model): every
    row is what a batch of its decoding alone samples, greedy and nucleus rows included."""
    model, tok = lm
    decodings = [DECODINGS["t1"], DECODINGS["topp"], DECODINGS["greedy"],
                 DecodingSpec(temperature=0.7, top_p=0.5)]
    requests = REPEATED[:12]
    per_row = [decodings[i % 4] for i in range(12)]
    mixed = sample(model, tok, requests, per_row, 12, STOP)
    for d in decodings:
        rows = [i for i in range(12) if per_row[i] is d]
        assert [mixed[i] for i in rows] == sample(model, tok, [requests[i] for i in rows], d,
                                                  12, STOP)
    with pytest.raises(ValueError, match="dynamic cache"):
        sample(model, tok, requests, per_row, 4, STOP, cache="static")


def test_padding_and_positions_match_the_unpadded_row(lm):
    """A short prompt padded on the left beside a long one samples what it samples alone."""
    model, tok = lm
    short, long = Request("A dull", 7), Request(PROMPTS[3], 8)
    assert len(prompt_token_ids(tok, short.text)) < len(prompt_token_ids(tok, long.text))
    assert sample(model, tok, [long, short], DECODINGS["t1"], 10)[1] == \
        sample(model, tok, [short], DECODINGS["t1"], 10)[0]


def test_the_reserved_cache_holds_what_the_concatenating_one_holds():
    """The in-place cache layer (decode_loop.Reserved) returns, step after step, the keys and
    values transformers' DynamicLayer returns by concatenation: past its reserved capacity
    (it grows) and after rows leave (batch_select_indices)."""
    from transformers.cache_utils import DynamicLayer

    gen = torch.Generator().manual_seed(0)
    ours, theirs = loop.Reserved(capacity=6), DynamicLayer()
    batch = 5
    for step, length in enumerate([4, 1, 1, 1, 1, 1, 1]):  # 10 positions > capacity 6
        k, v = (torch.randn(batch, 2, length, 3, generator=gen) for _ in range(2))
        got, want = ours.update(k, v), theirs.update(k, v)
        assert all(torch.equal(a, b) for a, b in zip(got, want))
        assert ours.get_seq_length() == theirs.get_seq_length()
        if step == 2:
            rows = torch.tensor([0, 3, 4])
            ours.batch_select_indices(rows)
            theirs.batch_select_indices(rows)
            batch = len(rows)
    assert ours.get_seq_length() == 10


def test_the_loop_reserves_room_for_every_new_token(lm, monkeypatch):
    """The decoding loop's cache never grows while decoding: prefill reserves prompt +
    max_new_tokens positions in every plain attention layer."""
    model, tok = lm
    grown = []
    real = loop.Reserved.update

    def update(self, k, v, *args, **kwargs):
        before = getattr(self, "_buffer_k", None)
        out = real(self, k, v, *args, **kwargs)
        if before is not None and self._buffer_k is not before:
            grown.append(self.length)
        return out

    monkeypatch.setattr(loop.Reserved, "update", update)
    sample(model, tok, DISTINCT, DECODINGS["t1"], 12)
    assert grown == []


def test_completions_count_their_tokens_for_the_ledger(lm):
    """prompt_tokens: the prompt's own tokens (padding not counted); output_tokens: the new
    tokens up to the row's end, max_new_tokens for a row that was cut off; the same counts
    on both cache paths."""
    model, tok = lm
    ours = sample(model, tok, DISTINCT, DECODINGS["t1"], 12, STOP)
    theirs = sample(model, tok, DISTINCT, DECODINGS["t1"], 12, STOP, cache="static")
    for request, one, other in zip(DISTINCT, ours, theirs):
        assert one.prompt_tokens == len(prompt_token_ids(tok, request.text))
        assert 0 < one.output_tokens <= 12
        assert one.output_tokens == 12 or not one.cut_off
        assert (one.prompt_tokens, one.output_tokens) == (other.prompt_tokens,
                                                          other.output_tokens)


# ------------------------------------------------------------------ the draw
def test_the_draw_follows_the_softmax():
    """Rows with different seeds draw each token about as often as its probability; the next
    step draws afresh; a token of probability zero is never drawn."""
    probs = torch.tensor([0.5, 0.3, 0.15, 0.05, 0.0])
    n = 20_000
    keys = row_keys(torch.arange(n))
    scores = probs.log().expand(n, -1)
    first, second = draw(scores, keys, 0), draw(scores, keys, 1)
    for picks in (first, second):
        freq = torch.bincount(picks, minlength=5).float() / n
        # binomial standard error <= 0.0036 at n = 20,000: 0.015 is over 4 of them
        assert torch.allclose(freq, probs, atol=0.015), freq
        assert freq[4] == 0
    assert (first != second).float().mean() > 0.4


def test_a_draw_depends_on_its_row_alone():
    torch.manual_seed(0)
    scores = torch.randn(6, 300)
    keys = row_keys(torch.tensor([11, 12, 13, 14, 15, 16]))
    together = draw(scores, keys, 3)
    apart = torch.cat([draw(scores[i:i + 1], keys[i:i + 1], 3) for i in range(6)])
    assert torch.equal(together, apart)
    # the processor form (generate()'s path) picks the same tokens, step after step
    processor = PerRowUniform([11, 12, 13, 14, 15, 16], torch.device("cpu"))
    for step in range(3):
        assert torch.equal(processor(None, scores).argmax(-1), draw(scores, keys, step))


def test_the_draw_finds_tokens_across_blocks():
    """The two-level draw (blocks of sampling.CHUNK tokens): mass on the last token of one
    block, the first of the next, and the last token of a vocabulary that is not a whole
    number of blocks; every other token has probability zero."""
    from synthlens.generation.sampling import CHUNK

    vocab = 2 * CHUNK + 88
    scores = torch.full((vocab,), float("-inf"))
    want = {CHUNK - 1: 0.2, CHUNK: 0.5, vocab - 1: 0.3}
    for token, p in want.items():
        scores[token] = torch.tensor(p).log()
    n = 20_000
    picks = draw(scores.expand(n, -1), row_keys(torch.arange(n)), 7)
    freq = torch.bincount(picks, minlength=vocab).float() / n
    assert set(picks.unique().tolist()) == set(want)
    for token, p in want.items():
        assert abs(freq[token] - p) < 0.015, (token, freq[token])
