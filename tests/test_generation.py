"""Generation: seeded per sample, independent of batching, resumable after a crash."""
import json

import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel

from synthlens.config import DecodingSpec, Params
from synthlens.generation.hf_backend import HFBackend
from synthlens.generation.prompts import clean_output
from synthlens.generation.sampling import Request, sample, sample_seed
from synthlens.layout import generator_dir, shard_dir, synthetic_file
from synthlens.records import read_jsonl
from synthlens.stages import generate
from synthlens.stages.train_generator import build_tokenizer

from conftest import load_builtin_params

TEXTS = ["Here is a positive movie review: the cast was superb and the plot was gripping.",
         "Here is a negative movie review: the script was dull and the pacing was limp.",
         "Here is a news story: the central bank raised rates after weak earnings."] * 5


@pytest.fixture(scope="module")
def tiny_lm():
    tok = build_tokenizer(TEXTS, vocab_size=400)
    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=len(tok), n_positions=64, n_embd=32,
                                       n_layer=1, n_head=2, eos_token_id=tok.eos_token_id,
                                       bos_token_id=tok.eos_token_id,
                                       pad_token_id=tok.eos_token_id)).eval()
    return model, tok


def requests(seeds, prompt="Here is a positive movie review:"):
    return [Request(prompt, s) for s in seeds]


def test_same_seed_same_sample(tiny_lm):
    model, tok = tiny_lm
    decoding = DecodingSpec(temperature=1.0)
    a = sample(model, tok, requests([1, 2, 3]), decoding, 12)
    b = sample(model, tok, requests([1, 2, 3]), decoding, 12)
    assert a == b
    assert len(set(sample(model, tok, requests(range(10, 20)), decoding, 12))) > 1


def test_sample_does_not_depend_on_its_batch(tiny_lm):
    model, tok = tiny_lm
    decoding = DecodingSpec(temperature=1.2, top_p=0.9)
    alone = sample(model, tok, requests([7]), decoding, 12)
    mixed = [Request("Here is a news story:", 99), *requests([7]),
             Request("Here is a negative movie review: the", 5)]
    assert sample(model, tok, mixed, decoding, 12)[1] == alone[0]


def test_greedy_ignores_seed(tiny_lm):
    model, tok = tiny_lm
    out = sample(model, tok, requests([1, 2]), DecodingSpec(temperature=0.0), 10)
    assert out[0] == out[1]


def test_sample_seed_is_stable_and_distinct():
    assert sample_seed(0, "reviews", 1, 3) == sample_seed(0, "reviews", 1, 3)
    assert len({sample_seed(0, "reviews", label, i) for label in range(2) for i in range(50)}) == 100


def test_clean_output():
    assert clean_output('  "A fine film."  \n\nSecond paragraph') == "A fine film."
    assert clean_output("a\n  b ") == "a b"
    assert clean_output("") == ""


def one_cell(decoding: str) -> Params:
    """gpt2-mini on reviews x `decoding` only (the builtin fixture: no stop strings); 5 samples
    a label from the domain's own samples_per_label, which overrides generate's (2)."""
    raw = load_builtin_params()
    raw["domains"]["reviews"]["samples_per_label"] = 5
    raw["generate"].update(samples_per_label=2, shard_size=3, batch_size=2, max_new_tokens=8)
    raw["grid"] = {"models": ["gpt2-mini"], "domains": ["reviews"], "decodings": [decoding]}
    raw["probe"]["enabled"] = False  # R-test is not prepared here (tests/test_probe.py)
    return Params.model_validate(raw)


@pytest.fixture
def cell(tmp_path, monkeypatch, tiny_lm):
    """A gpt2-mini generator saved where the pipeline looks for it, in a scratch dir;
    returns one_cell."""
    monkeypatch.chdir(tmp_path)
    model, tok = tiny_lm
    out = generator_dir("gpt2-mini") / "reviews"
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return one_cell


def test_interrupted_generation_resumes_without_loss_or_duplicates(cell, monkeypatch):
    params = cell("t1_0")
    calls = {"n": 0}
    real_complete = HFBackend.complete

    def crash_on_fourth_batch(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt("simulated crash")
        return real_complete(self, *args, **kwargs)

    monkeypatch.setattr(HFBackend, "complete", crash_on_fourth_batch)
    with pytest.raises(KeyboardInterrupt):
        generate.run(params, "gpt2-mini")
    work = shard_dir("gpt2-mini", "reviews", "t1_0")
    assert sorted(p.name for p in work.glob("shard-*.jsonl")) == ["shard-00000.jsonl"]
    assert not synthetic_file("gpt2-mini", "reviews", "t1_0").exists()

    monkeypatch.setattr(HFBackend, "complete", real_complete)
    generate.run(params, "gpt2-mini")
    rows = read_jsonl(synthetic_file("gpt2-mini", "reviews", "t1_0"))
    assert [r["sample_index"] for r in rows] == list(range(10))
    assert [r["label_name"] for r in rows] == ["negative"] * 5 + ["positive"] * 5
    assert not work.exists()

    # an uninterrupted run gives the very same dataset
    synthetic_file("gpt2-mini", "reviews", "t1_0").unlink()
    generate.run(params, "gpt2-mini")
    assert read_jsonl(synthetic_file("gpt2-mini", "reviews", "t1_0")) == rows


def test_records_carry_provenance(cell):
    generate.run(cell("p0_9"), "gpt2-mini")
    row = read_jsonl(synthetic_file("gpt2-mini", "reviews", "p0_9"))[0]
    for key in ("model", "model_revision", "prompt_id", "prompt", "temperature", "top_p", "seed",
                "sample_index", "label", "label_name", "text"):
        assert key in row
    assert row["top_p"] == 0.9 and row["prompt"] == "Here is a negative movie review:"


def test_shards_from_other_settings_are_discarded(cell):
    params = cell("t0_5")
    work = shard_dir("gpt2-mini", "reviews", "t0_5")
    work.mkdir(parents=True)
    (work / "fingerprint.json").write_text(json.dumps({"fingerprint": "old"}))
    (work / "shard-00000.jsonl").write_text('{"sample_index": 999, "text": "stale"}\n')
    generate.run(params, "gpt2-mini")
    rows = read_jsonl(synthetic_file("gpt2-mini", "reviews", "t0_5"))
    assert [r["sample_index"] for r in rows] == list(range(10))


def test_model_generation_config_does_not_leak_into_sampling(tiny_lm, tmp_path):
    """A model whose generation_config.json adds a repetition penalty and an n-gram ban (as
    Qwen2.5-Instruct's adds repetition_penalty) samples exactly as the same model without."""
    import copy

    from transformers import GenerationConfig

    model, tok = tiny_lm
    leaky = copy.deepcopy(model)
    leaky.generation_config = GenerationConfig(repetition_penalty=50.0, no_repeat_ngram_size=1,
                                               eos_token_id=tok.eos_token_id)
    clean = copy.deepcopy(model)
    clean.generation_config = GenerationConfig(eos_token_id=tok.eos_token_id)
    for decoding in (DecodingSpec(temperature=1.0), DecodingSpec(temperature=0.0)):
        assert sample(leaky, tok, requests(range(8)), decoding, 16) == \
            sample(clean, tok, requests(range(8)), decoding, 16)


def test_sampling_runs_on_an_explicit_device(tiny_lm):
    """The noise generators live on the model's device; here the CPU, named explicitly."""
    model, tok = tiny_lm
    model = model.to(torch.device("cpu"))
    out = sample(model, tok, requests([3, 4]), DecodingSpec(temperature=1.0), 8)
    assert len(out) == 2
