"""generation/cpu_threads.py: inside small_ops_inline a CPU forward runs its small ops on one
thread and its matrix products on all; the thread count comes back afterwards, also after an
error; and no logit changes (models wide enough that torch really splits their elementwise ops
over threads: 256 rows x 256 features, above torch's 32,768-element grain, and 80
positions, where attention on one thread would round differently from two)."""
import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

from synthlens.generation import cpu_threads
from synthlens.generation.cpu_threads import small_ops_inline

needs_two = pytest.mark.skipif(torch.get_num_threads() < 2, reason="needs 2 or more threads")


@needs_two
def test_one_thread_inside_and_the_count_restored_after_an_error():
    threads = torch.get_num_threads()
    with small_ops_inline(torch.device("cpu")):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == threads
    with pytest.raises(RuntimeError, match="boom"):
        with small_ops_inline(torch.device("cpu")):
            raise RuntimeError("boom")
    assert torch.get_num_threads() == threads


@needs_two
def test_matrix_products_get_every_thread_and_small_ops_one(monkeypatch):
    threads, seen = torch.get_num_threads(), []
    real = torch.set_num_threads
    monkeypatch.setattr(cpu_threads.torch, "set_num_threads",
                        lambda n: (seen.append(n), real(n)))
    x, w = torch.randn(8, 4), torch.randn(3, 4)
    with small_ops_inline(torch.device("cpu")):
        seen.clear()
        (x * 2).relu()
        assert seen == []                       # elementwise: no change, one thread
        torch.nn.functional.linear(x, w)
        assert seen == [threads, 1]
        seen.clear()
        x @ w.T
        assert seen == [threads, 1]
    assert torch.get_num_threads() == threads


def test_other_devices_and_one_thread_are_left_alone(monkeypatch):
    threads = torch.get_num_threads()
    with small_ops_inline(torch.device("cuda")):  # nothing runs on it here: only the switch
        assert torch.get_num_threads() == threads
    calls = []
    monkeypatch.setattr(cpu_threads.torch, "get_num_threads", lambda: 1)
    monkeypatch.setattr(cpu_threads.torch, "set_num_threads", calls.append)
    with small_ops_inline(torch.device("cpu")):
        torch.nn.functional.linear(torch.ones(2, 2), torch.ones(2, 2))
    assert calls == []


def wide(kind: str):
    torch.manual_seed(0)
    if kind == "llama":
        config = LlamaConfig(vocab_size=500, hidden_size=256, intermediate_size=512,
                             num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2)
        return LlamaForCausalLM(config).eval()
    return GPT2LMHeadModel(GPT2Config(vocab_size=500, n_embd=256, n_layer=2, n_head=4)).eval()


@needs_two
@pytest.mark.parametrize("kind", ["llama", "gpt2"])
def test_no_logit_changes(kind):
    model = wide(kind)
    ids = torch.randint(0, 500, (256, 80), generator=torch.Generator().manual_seed(1))
    mask = torch.ones_like(ids)
    mask[::3, :2] = 0                            # some left padding, as the loop has

    def logits():
        with torch.inference_mode():
            out = model(input_ids=ids, attention_mask=mask, use_cache=True)
            step = model(input_ids=out.logits[:, -1].argmax(-1)[:, None],
                         attention_mask=torch.cat([mask, mask[:, :1] * 0 + 1], 1),
                         past_key_values=out.past_key_values, use_cache=True)
        return out.logits, step.logits

    plain = logits()
    with small_ops_inline(torch.device("cpu")):
        inline = logits()
    for a, b in zip(plain, inline):
        assert torch.equal(a, b)
