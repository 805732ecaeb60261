"""Sampling exactly as params say (issue 8): one BOS policy on every backend, generation that
stops at EOS and at the stop strings with the text cut there, a cut-off flag that tells
max_new_tokens from a real ending (on both decoding paths: the CPU's loop and generate()),
and vLLM's knobs held at their neutral values. The draw itself: tests/test_decode_loop.py."""
import re
import sys
import types

import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

from synthlens.config import CleaningSpec, DecodingSpec, Params
from synthlens.generation.prompts import adds_bos, prompt_token_ids
from synthlens.generation.sampling import Completion, Request, sample
from synthlens.generation.vllm_backend import NEUTRAL, VLLMBackend, build_requests

from tiny_models import bos_tokenizer, tokenizer

PROMPT = "Write a positive movie review."


# ------------------------------------------------------------------ one BOS
def test_a_tokenizer_that_adds_bos_gets_exactly_one():
    tok = bos_tokenizer()
    plain = tok(PROMPT, add_special_tokens=False)["input_ids"]
    assert adds_bos(tok) and tok.bos_token_id not in plain
    assert prompt_token_ids(tok, PROMPT) == [tok.bos_token_id, *plain]


def test_a_chat_template_that_writes_its_own_bos_gets_no_second_one():
    tok = bos_tokenizer(chat=True)
    text = tok.apply_chat_template([{"role": "user", "content": PROMPT}], tokenize=False,
                                   add_generation_prompt=True)
    bos = tok.bos_token_id
    assert text.startswith("<s>[INST]")
    assert tok(text)["input_ids"][:2] == [bos, bos]  # what tokenizing with defaults does
    ids = prompt_token_ids(tok, text)
    assert ids == tok(text, add_special_tokens=False)["input_ids"]
    assert ids[0] == bos and ids.count(bos) == 1


def test_a_gpt2_style_tokenizer_gets_no_bos():
    tok = tokenizer(chat=False)  # GPT-2's way: bos = eos = <|endoftext|>, never added
    assert tok.bos_token_id is not None and not adds_bos(tok)
    ids = prompt_token_ids(tok, PROMPT)
    assert ids == tok(PROMPT, add_special_tokens=False)["input_ids"]
    assert tok.bos_token_id not in ids


def tiny_llama(tok):
    torch.manual_seed(0)
    return LlamaForCausalLM(LlamaConfig(
        vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
        num_attention_heads=4, num_key_value_heads=2, bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)).eval()


def test_vllm_requests_carry_the_ids_the_hf_model_sees(monkeypatch):
    tok = bos_tokenizer(chat=True)
    model = tiny_llama(tok)
    chat = tok.apply_chat_template([{"role": "user", "content": PROMPT}], tokenize=False,
                                   add_generation_prompt=True)
    requests = [Request(PROMPT, 1), Request(chat, 2), Request("A dull", 3)]
    import synthlens.generation.decode_loop as loop

    seen = {}
    real_decode = loop.decode

    def spy(model_, tok_, input_ids, attention_mask, *args, **kwargs):
        seen.update(input_ids=input_ids, attention_mask=attention_mask)
        return real_decode(model_, tok_, input_ids, attention_mask, *args, **kwargs)

    monkeypatch.setattr(loop, "decode", spy)
    sample(model, tok, requests, DecodingSpec(temperature=1.0), 4)
    fed = [ids[mask.bool()].tolist() for ids, mask in zip(seen["input_ids"],
                                                             seen["attention_mask"])]
    prompts, _ = build_requests(tok, requests, DecodingSpec(temperature=1.0), 4, CleaningSpec())
    assert [p["prompt_token_ids"] for p in prompts] == fed
    assert [ids.count(tok.bos_token_id) for ids in fed] == [1, 1, 1]


# ------------------------------------------------------------------ stops and cut-offs (hf)
@pytest.fixture(scope="module")
def tiny_gpt2():
    tok = tokenizer(chat=False)
    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=len(tok), n_positions=64, n_embd=32,
                                       n_layer=1, n_head=2, eos_token_id=tok.eos_token_id,
                                       bos_token_id=tok.eos_token_id,
                                       pad_token_id=tok.eos_token_id)).eval()
    return model, tok


SAMPLING = DecodingSpec(temperature=1.0)


def test_generation_stops_at_a_stop_string_and_the_text_is_cut_before_it(tiny_gpt2):
    model, tok = tiny_gpt2
    requests = [Request("Here is a positive movie review:", seed) for seed in range(6)]
    full = sample(model, tok, requests, SAMPLING, 24)
    # a stop string that one sample writes after its third character
    stop = next(m.group() for c in full for m in [re.search(r"[A-Za-z]{2,}", c.raw[3:])] if m)
    rules = CleaningSpec(stop_strings=["@@never@@", stop])
    cut = sample(model, tok, requests, SAMPLING, 24, rules)
    hits = 0
    for before, after in zip(full, cut):
        at = before.raw.find(stop)
        if at >= 0:
            hits += 1
            assert after.raw == before.raw[:at] and not after.cut_off
        else:  # samples without the stop string are untouched
            assert after == before
    assert hits >= 1


def new_ids(monkeypatch, cache: str) -> list:
    """A list that receives, per sample() call, the new token ids of every row as the decoding
    path returned them (cache "dynamic": decode_loop.decode's lists, a row ends where it
    ended; "static": generate()'s rows, which run to the longest row's end)."""
    import synthlens.generation.decode_loop as loop

    calls = []
    if cache == "dynamic":
        real = loop.decode
        monkeypatch.setattr(loop, "decode",
                            lambda *a, **k: calls.append(real(*a, **k)) or calls[-1])
    else:
        real_generate = GPT2LMHeadModel.generate

        def spy(self, **kwargs):
            out = real_generate(self, **kwargs)
            calls.append(out[:, kwargs["input_ids"].shape[1]:].tolist())
            return out

        monkeypatch.setattr(GPT2LMHeadModel, "generate", spy)
    return calls


@pytest.mark.parametrize("cache", ["dynamic", "static"])
def test_eos_ends_a_sample_that_is_then_not_cut_off(tiny_gpt2, monkeypatch, cache):
    import copy

    model, tok = tiny_gpt2
    request = [Request("Here is a positive movie review:", 0)]
    calls = new_ids(monkeypatch, cache)
    full = sample(model, tok, request, SAMPLING, 12, cache=cache)[0]
    new = calls[-1][0]
    assert len(new) == 12 and full.cut_off and full.raw == tok.decode(new)
    # the model's own generation_config names the token this sample writes third as its EOS
    ender = copy.deepcopy(model)
    ender.generation_config.eos_token_id = new[2]
    stopped = sample(ender, tok, request, SAMPLING, 12, cache=cache)[0]
    assert calls[-1][0] == new[:3]  # generation stopped there
    assert stopped == Completion(tok.decode(new[:3]).strip(), tok.decode(new[:3]), False)


@pytest.mark.parametrize("cache", ["dynamic", "static"])
def test_cut_off_tells_max_new_tokens_from_eos_and_stop_strings_in_one_batch(tiny_gpt2,
                                                                             monkeypatch, cache):
    import copy

    model, tok = tiny_gpt2
    ender = copy.deepcopy(model)  # twenty ends of sequence: some rows end early, some do not
    ender.generation_config.eos_token_id = list(range(100, 120))
    requests = [Request("Here is a positive movie review:", seed) for seed in range(12)]
    calls = new_ids(monkeypatch, cache)
    full = sample(ender, tok, requests, SAMPLING, 8, cache=cache)
    ends = set(range(100, 120)) | {tok.eos_token_id}
    ended = [bool(ends & set(row)) for row in calls[-1]]
    assert [c.cut_off for c in full] == [not e for e in ended]
    assert any(ended) and not all(ended)  # this batch holds both kinds
    stop = next(m.group() for c in full for m in [re.search(r"[A-Za-z]{2,}", c.raw[1:])] if m)
    cut = sample(ender, tok, requests, SAMPLING, 8, CleaningSpec(stop_strings=[stop]),
                 cache=cache)
    assert [c.cut_off for c in cut] == [c.cut_off and stop not in c.raw for c in full]
    assert any(stop in c.raw for c in full if c.cut_off)


def test_vllm_sampling_params_hold_every_other_knob_neutral():
    tok = bos_tokenizer()
    requests = [Request(PROMPT, 11), Request("A dull", 12)]
    rules = CleaningSpec(stop_strings=["\n\n", "###"])
    _, params = build_requests(tok, requests, DecodingSpec(temperature=0.7, top_p=0.9), 32, rules)
    assert params[0] == {"temperature": 0.7, "top_p": 0.9, "top_k": -1, "min_p": 0.0,
                         "repetition_penalty": 1.0, "presence_penalty": 0.0,
                         "frequency_penalty": 0.0, "max_tokens": 32, "seed": 11,
                         "stop": ["\n\n", "###"], "skip_special_tokens": True}
    assert params[1]["seed"] == 12
    _, greedy = build_requests(tok, requests, DecodingSpec(temperature=0.0, top_p=0.5), 8,
                               CleaningSpec())
    assert greedy[0]["top_p"] == 1.0 and greedy[0]["stop"] is None
    assert {k: greedy[0][k] for k in NEUTRAL} == NEUTRAL


def test_vllm_backend_ignores_the_model_generation_config_and_flags_length(
        tmp_path, monkeypatch, mini_params):
    """A stand-in vllm module records what the backend hands the engine."""
    calls = {}

    class LLM:
        def __init__(self, **kwargs):
            calls["llm"] = kwargs

        def get_tokenizer(self):
            return bos_tokenizer()

        def generate(self, prompts, sampling, use_tqdm):
            calls["prompts"], calls["sampling"] = prompts, sampling
            texts = [("Sure! Here is a review:\n\nGreat film.", "stop"), ("A dull, lif", "length")]
            return [types.SimpleNamespace(outputs=[types.SimpleNamespace(
                text=t, finish_reason=r)]) for t, r in texts]

    fake = types.SimpleNamespace(LLM=LLM, SamplingParams=lambda **kw: kw)
    monkeypatch.setitem(sys.modules, "vllm", fake)
    (tmp_path / "m").mkdir()
    mini_params["models"]["m"] = {"family": "vanilla", "source": "local", "backend": "vllm",
                                  "path": str(tmp_path / "m"), "prompt": "completion"}
    backend = VLLMBackend(Params.model_validate(mini_params), "m", "reviews")
    out = backend.complete([Request(PROMPT, 1), Request("A dull", 2)],
                           DecodingSpec(temperature=1.0), 16)
    assert calls["llm"]["generation_config"] == "vllm"
    assert calls["prompts"][0] == {"prompt_token_ids": prompt_token_ids(bos_tokenizer(), PROMPT)}
    assert calls["sampling"][1]["seed"] == 2 and calls["sampling"][1]["top_k"] == -1
    assert out == [Completion("Great film.", "Sure! Here is a review:\n\nGreat film.", False),
                   Completion("A dull, lif", "A dull, lif", True)]
