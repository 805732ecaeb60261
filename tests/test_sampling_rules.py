"""Sampling exactly as params say (issue 8): one BOS policy on every backend, generation that
stops at EOS and at the stop strings with the text cut there, a cut-off flag that tells
max_new_tokens from a real ending, and vLLM's knobs held at their neutral values."""
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
    seen = {}
    real_generate = model.generate

    def spy(**kwargs):
        seen.update(kwargs)
        return real_generate(**kwargs)

    monkeypatch.setattr(model, "generate", spy)
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


def test_eos_ends_a_sample_that_is_then_not_cut_off(tiny_gpt2, monkeypatch):
    import copy

    model, tok = tiny_gpt2
    request = [Request("Here is a positive movie review:", 0)]
    outputs = []
    real_generate = GPT2LMHeadModel.generate

    def spy(self, **kwargs):
        outputs.append(real_generate(self, **kwargs))
        return outputs[-1]

    monkeypatch.setattr(GPT2LMHeadModel, "generate", spy)
    full = sample(model, tok, request, SAMPLING, 12)[0]
    new = outputs[-1][0, -12:].tolist()
    assert full.cut_off and full.raw == tok.decode(new)
    # the model's own generation_config names the token this sample writes third as its EOS
    ender = copy.deepcopy(model)
    ender.generation_config.eos_token_id = new[2]
    stopped = sample(ender, tok, request, SAMPLING, 12)[0]
    assert outputs[-1].shape[1] == outputs[0].shape[1] - 9
    assert stopped == Completion(tok.decode(new[:3]).strip(), tok.decode(new[:3]), False)


def test_cut_off_tells_max_new_tokens_from_eos_and_stop_strings_in_one_batch(tiny_gpt2,
                                                                             monkeypatch):
    import copy

    model, tok = tiny_gpt2
    ender = copy.deepcopy(model)  # twenty ends of sequence: some rows end early, some do not
    ender.generation_config.eos_token_id = list(range(100, 120))
    requests = [Request("Here is a positive movie review:", seed) for seed in range(12)]
    outputs = []
    real_generate = GPT2LMHeadModel.generate
    monkeypatch.setattr(GPT2LMHeadModel, "generate", lambda self, **kw: outputs.append(
        real_generate(self, **kw)) or outputs[-1])
    full = sample(ender, tok, requests, SAMPLING, 8)
    ends = set(range(100, 120)) | {tok.eos_token_id}
    ended = [bool(ends & set(row)) for row in outputs[-1][:, -8:].tolist()]
    assert [c.cut_off for c in full] == [not e for e in ended]
    assert any(ended) and not all(ended)  # this batch holds both kinds
    stop = next(m.group() for c in full for m in [re.search(r"[A-Za-z]{2,}", c.raw[1:])] if m)
    cut = sample(ender, tok, requests, SAMPLING, 8, CleaningSpec(stop_strings=[stop]))
    assert [c.cut_off for c in cut] == [c.cut_off and stop not in c.raw for c in full]
    assert any(stop in c.raw for c in full if c.cut_off)


# ------------------------------------------------------------------ neutral knobs (vllm)
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


# ------------------------------------------------------------------ the noise
def test_gumbel_noise_draws_from_the_softmax():
    """Gumbel-max over rows with different seeds: argmax frequencies match the probabilities."""
    from synthlens.generation.sampling import PerRowGumbel

    probs = torch.tensor([0.5, 0.3, 0.15, 0.05])
    n = 20_000
    noise = PerRowGumbel(list(range(n)), torch.device("cpu"))
    scores = probs.log().expand(n, -1)
    first = noise(None, scores).argmax(-1)
    second = noise(None, scores).argmax(-1)  # the next step: fresh noise for every row
    for picks in (first, second):
        freq = torch.bincount(picks, minlength=4).float() / n
        assert torch.allclose(freq, probs, atol=0.015), freq
    assert (first != second).float().mean() > 0.5
    again = PerRowGumbel([7, 3], torch.device("cpu"))(None, scores[:2])
    assert torch.equal(again[0], PerRowGumbel([7], torch.device("cpu"))(None, scores[:1])[0])
    assert torch.isfinite(again).all()
