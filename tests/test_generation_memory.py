"""Generation that holds in GPU memory (issue 16): a batch that runs out of memory is split and
run again without changing any sample, the backend then keeps later batches below the size
that failed, and the static KV cache (the GPU's) samples what the dynamic one (the CPU's) does.

Out-of-memory errors are injected on the CPU: the model's forward raises torch.OutOfMemoryError
whenever it sees more rows than a GPU would hold."""
import functools

import pytest
import torch
from transformers import (GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM,
                          StaticCache)

from synthlens.config import CleaningSpec, DecodingSpec, Params
from synthlens.generation.hf_backend import HFBackend, batch_tokens, rows_within
from synthlens.generation.sampling import Request, sample
from synthlens.layout import synthetic_file
from synthlens.records import read_jsonl
from synthlens.stages import generate

from tiny_models import tokenizer

CPU = torch.device("cpu")
PROMPTS = ["Write a positive movie review.", "A dull", "Here is a news story about sports.",
           "How long should I roast a chicken? Here is", "The plot was gripping and the cast"]
REQUESTS = [Request(PROMPTS[i % len(PROMPTS)], 100 + i) for i in range(11)]
DECODING = DecodingSpec(temperature=1.0, top_p=0.9)


def tiny_model(kind: str, tok):
    ids = dict(vocab_size=len(tok), bos_token_id=tok.eos_token_id, eos_token_id=tok.eos_token_id,
               pad_token_id=tok.eos_token_id)
    torch.manual_seed(0)
    if kind == "gpt2":
        return GPT2LMHeadModel(GPT2Config(n_positions=64, n_embd=32, n_layer=2, n_head=2,
                                          **ids)).eval()
    return LlamaForCausalLM(LlamaConfig(hidden_size=32, intermediate_size=64,
                                        num_hidden_layers=2, num_attention_heads=4,
                                        num_key_value_heads=2, **ids)).eval()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    tok = tokenizer(chat=False)
    out = tmp_path_factory.mktemp("gen") / "tiny"
    tiny_model("gpt2", tok).save_pretrained(out)
    tok.save_pretrained(out)
    return out


def local_params(mini_params, model_dir) -> Params:
    mini_params["models"]["tiny"] = {"family": "vanilla", "source": "local",
                                     "path": str(model_dir), "prompt": "completion"}
    return Params.model_validate(mini_params)


def backend(mini_params, model_dir) -> HFBackend:
    return HFBackend(local_params(mini_params, model_dir), "tiny", "reviews", device=CPU)


def fail_above(model, max_rows: int, log: list):
    """Make `model` raise torch.OutOfMemoryError on a forward of more than max_rows rows;
    `log` records (rows, ok) of every forward. functools.wraps keeps forward's signature,
    which generate() inspects."""
    real = model.forward

    @functools.wraps(real)
    def forward(*args, **kwargs):
        ids = kwargs["input_ids"] if "input_ids" in kwargs else args[0]
        log.append((ids.shape[0], ids.shape[0] <= max_rows))
        if ids.shape[0] > max_rows:
            raise torch.OutOfMemoryError("CUDA out of memory (injected)")
        return real(*args, **kwargs)

    model.forward = forward


def test_batch_arithmetic():
    # 3 rows, the longest prompt 7 tokens, 5 new tokens each: 3 x 12 positions
    assert batch_tokens([4, 7, 2], 5) == 36
    assert rows_within([4, 7, 2], 5, None) == 3
    assert rows_within([4, 7, 2], 5, 36) == 3
    assert rows_within([4, 7, 2], 5, 35) == 2       # 2 rows x 12 = 24 fit, 3 x 12 do not
    assert rows_within([4, 7, 2], 5, 23) == 1       # 1 x 9 fits, 2 x 12 does not
    assert rows_within([4, 7, 2], 5, 3) == 1        # never zero rows


@pytest.mark.parametrize("max_rows", [1, 3])
def test_out_of_memory_splits_the_batch_and_changes_no_sample(mini_params, model_dir, max_rows):
    expected = backend(mini_params, model_dir).complete(REQUESTS, DECODING, 10)
    hf = backend(mini_params, model_dir)
    calls = []
    fail_above(hf.model, max_rows, calls)
    assert hf.complete(REQUESTS, DECODING, 10) == expected
    assert not calls[0][1]                                  # the full batch did fail
    assert max(rows for rows, ok in calls if ok) <= max_rows
    assert hf.token_budget is not None
    # the next batch starts within the remembered budget: no more failures
    calls.clear()
    assert hf.complete(REQUESTS[:6], DECODING, 10) == expected[:6]
    assert all(ok for _, ok in calls)


def test_a_single_request_that_does_not_fit_says_so(mini_params, model_dir):
    hf = backend(mini_params, model_dir)
    fail_above(hf.model, 0, [])
    with pytest.raises(torch.OutOfMemoryError, match="one request alone .* does not fit"):
        hf.complete(REQUESTS[:4], DECODING, 10)


def test_generate_stage_writes_the_same_dataset_under_out_of_memory(
        mini_params, model_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mini_params["domains"]["reviews"]["samples_per_label"] = 6
    mini_params["generate"].update(batch_size=12, shard_size=12, max_new_tokens=8)
    mini_params["grid"] = {"models": ["tiny"], "domains": ["reviews"], "decodings": ["t1_0"]}
    params = local_params(mini_params, model_dir)
    out = synthetic_file("tiny", "reviews", "t1_0")
    generate.run(params, "tiny")
    expected = read_jsonl(out)
    out.unlink()
    calls = []
    real_init = HFBackend.__init__

    def init_failing(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        fail_above(self.model, 5, calls)

    monkeypatch.setattr(HFBackend, "__init__", init_failing)
    generate.run(params, "tiny")
    assert not all(ok for _, ok in calls)
    assert read_jsonl(out) == expected


@pytest.mark.parametrize("kind", ["gpt2", "llama"])
def test_static_cache_samples_what_the_dynamic_cache_samples(kind, monkeypatch):
    tok = tokenizer(chat=False)
    model = tiny_model(kind, tok)
    rules = CleaningSpec(stop_strings=["."])
    dynamic = sample(model, tok, REQUESTS, DECODING, 12, rules)
    seen = {}
    real_generate = model.generate

    def spy(**kwargs):
        seen.update(kwargs)
        return real_generate(**kwargs)

    monkeypatch.setattr(model, "generate", spy)
    static = sample(model, tok, REQUESTS, DECODING, 12, rules, cache="static")
    assert static == dynamic
    cache = seen["past_key_values"]
    assert isinstance(cache, StaticCache)
    # allocated once for the longest prompt plus every new token
    assert cache.layers[0].keys.shape[0] == len(REQUESTS)
    assert cache.layers[0].max_cache_len == seen["input_ids"].shape[1] + 12
    assert seen["generation_config"].disable_compile


def test_the_cpu_keeps_the_dynamic_cache(mini_params, model_dir, monkeypatch):
    """On the CPU the backend decodes with decode_loop (dynamic cache), never generate()."""
    import synthlens.generation.decode_loop as loop

    hf = backend(mini_params, model_dir)
    assert hf.cache == "dynamic" and hf.device.endswith("/fp32")
    used = []
    real = loop.decode
    monkeypatch.setattr(loop, "decode", lambda *a, **k: used.append("loop") or real(*a, **k))
    monkeypatch.setattr(hf.model, "generate", lambda **kw: used.append("generate"))
    hf.complete(REQUESTS[:3], DECODING, 4)
    assert used == ["loop"]


@pytest.mark.gpu
def test_on_cuda_out_of_memory_splits_change_no_sample(mini_params, model_dir):
    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    cuda = torch.device("cuda")
    params = local_params(mini_params, model_dir)
    first = HFBackend(params, "tiny", "reviews", device=cuda)
    assert first.cache == "static"
    expected = first.complete(REQUESTS, DECODING, 10)
    hf = HFBackend(params, "tiny", "reviews", device=cuda)
    calls = []
    fail_above(hf.model, 3, calls)
    assert hf.complete(REQUESTS, DECODING, 10) == expected
    assert not calls[0][1]
