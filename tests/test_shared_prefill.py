"""Shared prefill (sampling.shared_prefill): rows with the same prompt share one prefill of it,
and every sample keeps the exact token ids the unshared path gives, for each architecture,
decoding, stop strings, padding (prompts of different lengths) and a batch with no repeats."""
import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from synthlens.config import CleaningSpec, DecodingSpec
from synthlens.generation.prompts import prompt_token_ids
from synthlens.generation.sampling import Request, sample, shared_prefill

from tiny_models import save_causal_lm

PROMPTS = ["Write a positive movie review.", "A dull", "Here is a news story about sports.",
           "How long should I roast a chicken? Here is"]
REPEATED = [Request(PROMPTS[i % len(PROMPTS)], 200 + i) for i in range(14)]
DISTINCT = [Request(p, 300 + i) for i, p in enumerate(PROMPTS)]
DECODINGS = {"t1": DecodingSpec(temperature=1.0), "topp": DecodingSpec(temperature=1.3, top_p=0.8),
             "greedy": DecodingSpec(temperature=0.0)}


@pytest.fixture(scope="module", params=["llama", "gpt2", "qwen2", "falcon"])
def lm(request, tmp_path_factory):
    out = save_causal_lm(request.param, tmp_path_factory.mktemp(request.param))
    return AutoModelForCausalLM.from_pretrained(out).eval(), AutoTokenizer.from_pretrained(out)


def run(model, tok, requests, decoding, monkeypatch, **kwargs):
    """The completions, the generated token ids, the past_key_values generate() got and how
    many positions it held then."""
    seen = {}
    real = model.generate

    def spy(**kw):
        seen["past"] = kw.get("past_key_values")
        seen["cached"] = seen["past"].get_seq_length() if seen["past"] is not None else 0
        seen["ids"] = real(**kw)
        return seen["ids"]

    monkeypatch.setattr(model, "generate", spy)
    done = sample(model, tok, requests, decoding, 12, CleaningSpec(stop_strings=["."]), **kwargs)
    monkeypatch.undo()
    return done, seen["ids"], seen["past"], seen["cached"]


@pytest.mark.parametrize("decoding", DECODINGS)
def test_shared_prefill_keeps_every_token(lm, decoding, monkeypatch):
    model, tok = lm
    plain, plain_ids, plain_past, _ = run(model, tok, REPEATED, DECODINGS[decoding], monkeypatch)
    shared, shared_ids, past, cached = run(model, tok, REPEATED, DECODINGS[decoding],
                                           monkeypatch, share_prefill=True)
    assert plain_past is None and past is not None
    # the cache handed over holds every row's padded prompt but its last token
    assert cached == max(len(prompt_token_ids(tok, r.text)) for r in REPEATED) - 1
    assert torch.equal(shared_ids, plain_ids)
    assert shared == plain
    assert len(set(plain)) > 1


def test_the_prefill_runs_once_per_distinct_prompt(lm):
    model, tok = lm
    tok.padding_side = "left"
    batch = tok.pad({"input_ids": [prompt_token_ids(tok, r.text) for r in REPEATED]},
                    padding=True, return_tensors="pt")
    rows = []
    hook = model.register_forward_pre_hook(
        lambda module, args, kwargs: rows.append(kwargs["input_ids"].shape[0]), with_kwargs=True)
    try:
        with torch.inference_mode():
            past = shared_prefill(model, batch["input_ids"], batch["attention_mask"])
    finally:
        hook.remove()
    assert rows == [len(PROMPTS)]
    assert past.get_seq_length() == batch["input_ids"].shape[1] - 1
    # rows of one prompt got the same keys; rows of different prompts did not
    keys = past.layers[0].keys
    assert keys.shape[0] == len(REPEATED)
    assert torch.equal(keys[0], keys[len(PROMPTS)]) and not torch.equal(keys[0], keys[1])


def test_no_repeated_prompt_means_the_plain_path(lm, monkeypatch):
    model, tok = lm
    plain, plain_ids, _, _ = run(model, tok, DISTINCT, DECODINGS["topp"], monkeypatch)
    shared, shared_ids, past, _ = run(model, tok, DISTINCT, DECODINGS["topp"], monkeypatch,
                                   share_prefill=True)
    assert past is None
    assert torch.equal(shared_ids, plain_ids) and shared == plain


def test_a_shared_sample_does_not_depend_on_its_batch(lm):
    model, tok = lm
    decoding = DECODINGS["topp"]
    alone = sample(model, tok, [REPEATED[5]], decoding, 12)
    assert sample(model, tok, REPEATED, decoding, 12, share_prefill=True)[5] == alone[0]


def test_the_static_cache_does_not_share(lm, monkeypatch):
    """The static cache (CUDA's) keeps its own prefill: sharing is for the dynamic cache."""
    model, tok = lm
    dynamic = sample(model, tok, REPEATED, DECODINGS["t1"], 12)
    static, _, past, cached = run(model, tok, REPEATED, DECODINGS["t1"], monkeypatch, cache="static",
                          share_prefill=True)
    assert type(past).__name__ == "StaticCache" and cached == 0
    assert static == dynamic


def test_the_cpu_backend_shares_and_keeps_every_sample(mini_params, tmp_path, monkeypatch):
    from synthlens.config import Params
    from synthlens.generation.hf_backend import HFBackend

    out = save_causal_lm("llama", tmp_path / "tiny")
    mini_params["models"]["tiny"] = {"family": "vanilla", "source": "local", "path": str(out),
                                     "prompt": "completion"}
    hf = HFBackend(Params.model_validate(mini_params), "tiny", "reviews",
                   device=torch.device("cpu"))
    assert hf.cache == "dynamic" and hf.share_prefill
    seen = []
    real = hf.model.generate
    monkeypatch.setattr(hf.model, "generate",
                        lambda **kw: seen.append(kw.get("past_key_values")) or real(**kw))
    shared = hf.complete(REPEATED, DECODINGS["topp"], 10)
    assert seen and all(past is not None for past in seen)
    hf.share_prefill = False
    assert hf.complete(REPEATED, DECODINGS["topp"], 10) == shared
    assert seen[-1] is None
