"""make bench-gpu and the roofline helpers it shares with make bench: the arithmetic on known
answers, the hf sampling path timed for exactly the tokens asked for, the refusal without a
GPU, and the whole bench-gpu code path on the CPU with tiny configs."""
import importlib.util
import json
import subprocess
import sys

import pytest
import torch

from synthlens.config import DryRunSpec, load_params

from conftest import ROOT
from tiny_models import save_causal_lm

sys.path.insert(0, str(ROOT / "bench"))
import roofline  # noqa: E402

BENCH_GPU = ROOT / "bench" / "bench_gpu.py"
CPU = torch.device("cpu")


def clock(monkeypatch, *times):
    ticks = iter(times)
    monkeypatch.setattr(roofline, "perf_counter", lambda: next(ticks))


def test_gemm_rate_counts_2n3_flops_a_product(monkeypatch):
    clock(monkeypatch, 10.0, 12.0)
    assert roofline.gemm_flops(CPU, torch.float32, n=32, repeat=5) == 2 * 32 ** 3 * 5 / 2.0


def test_copy_bandwidth_counts_a_read_and_a_write(monkeypatch):
    clock(monkeypatch, 0.0, 0.5)
    assert roofline.copy_bandwidth(CPU, nbytes=1 << 20, repeat=4) == 2 * (1 << 20) * 4 / 0.5


def test_decode_bound_is_the_lower_of_compute_and_memory():
    # 1B parameters in 2 GB: 1e15 FLOP/s make 5e5 tokens/s; 2 TB/s read the weights 1000 times
    # a second, 64 tokens each time
    b = roofline.decode_bound(10 ** 9, 2 * 10 ** 9, 64, 1e15, 2e12)
    assert b == {"compute_bound_tokens_per_s": 5e5, "memory_bound_tokens_per_s": 64_000,
                 "bound_tokens_per_s": 64_000}
    # no bandwidth (the CPU bench): the compute bound alone
    assert roofline.decode_bound(10 ** 9, 2 * 10 ** 9, 64, 1e12) == {
        "compute_bound_tokens_per_s": 500, "bound_tokens_per_s": 500}


def test_decode_bound_counts_every_rows_kv_cache_next_to_the_weights():
    # 2 GB of weights, 64 rows each reading 100 positions of 0.5 MiB: a step reads
    # 2e9 + 64 x 52,428,800 = 5,355,443,200 bytes; 2 TB/s make 373.45 steps/s of 64 tokens
    b = roofline.decode_bound(10 ** 9, 2 * 10 ** 9, 64, 1e15, 2e12,
                              kv_bytes_per_row=100 * 2 ** 19)
    assert b["memory_bound_tokens_per_s"] == pytest.approx(23_900.92, rel=1e-6)
    assert b["bound_tokens_per_s"] == b["memory_bound_tokens_per_s"]
    # the weights alone would have promised 64,000: the KV cache costs 63 % of the speed here
    assert b["memory_bound_tokens_per_s"] < 0.38 * 64_000


def test_the_mean_cache_length_is_the_average_over_the_generated_steps():
    # 10 prompt tokens, 4 new: the steps making tokens 1..4 attend over 10, 11, 12, 13
    assert roofline.mean_cache_positions(10, 4) == sum(range(10, 14)) / 4 == 11.5
    assert roofline.mean_cache_positions(7, 1) == 7


def cache_bytes_per_position(model, length: int, rows: int = 3) -> float:
    """Bytes of the K/V cache a forward pass over rows x length tokens leaves, per position."""
    ids = torch.randint(3, 50, (rows, length))
    with torch.no_grad():
        cache = model(input_ids=ids, use_cache=True).past_key_values
    total = sum(t.numel() * t.element_size() for layer in cache.layers
                for t in (layer.keys, layer.values))
    return total / (rows * length)


@pytest.mark.parametrize("kind, by_hand", [
    # 2 layers x (K and V) x kv heads x head_dim 16 (64 / 4 heads) x 4 bytes (fp32)
    ("llama", 2 * 2 * 2 * 16 * 4),      # grouped-query: 2 K/V heads
    ("falcon", 2 * 2 * 1 * 16 * 4),     # multi-query: one K/V head
    # the new decoder architecture (Falcon-40B): transformers caches K/V expanded to all 4
    ("falcon-new", 2 * 2 * 4 * 16 * 4),
    ("qwen2", 2 * 2 * 2 * 16 * 4),
    ("gpt2", 2 * 2 * 4 * 16 * 4)])      # every head has its own K/V
def test_kv_bytes_per_position_is_the_cache_a_forward_pass_fills(kind, by_hand):
    from transformers import (AutoModelForCausalLM, FalconConfig, GPT2Config, LlamaConfig,
                              Qwen2Config)

    config = {"llama": LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                   num_attention_heads=4, num_key_value_heads=2,
                                   vocab_size=64),
              "falcon": FalconConfig(hidden_size=64, num_hidden_layers=2,
                                     num_attention_heads=4, vocab_size=64),
              "falcon-new": FalconConfig(hidden_size=64, num_hidden_layers=2,
                                         num_attention_heads=4, num_kv_heads=2,
                                         new_decoder_architecture=True, vocab_size=64),
              "qwen2": Qwen2Config(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                   num_attention_heads=4, num_key_value_heads=2,
                                   vocab_size=64),
              "gpt2": GPT2Config(n_embd=64, n_layer=2, n_head=4, vocab_size=64)}[kind]
    model = AutoModelForCausalLM.from_config(config).eval()
    assert roofline.kv_bytes_per_position(config, 4) == by_hand
    assert cache_bytes_per_position(model, 7) == by_hand


def test_sampling_bounds_read_the_cache_at_its_current_and_at_its_static_length():
    measured = {"batch": 4, "new_tokens": 9, "prompt_tokens": 6.0, "padded_prompt_tokens": 11,
                "tokens_per_s": 100.0}
    out = roofline.sampling_bounds(measured, 1000, 8000, 10, 1e9, 1e6)
    # current length: 6 + (9 - 1) / 2 = 10 positions x 10 bytes a row; a step reads
    # 8000 + 4 x 100 = 8400 bytes -> 1e6 / 8400 steps/s x 4 tokens
    assert out["memory_bound_tokens_per_s"] == pytest.approx(4e6 / 8400)
    assert out["kv_gb_per_step"] == pytest.approx(400 / 1e9)
    # static cache: 11 + 9 = 20 positions a row, every step: 8000 + 4 x 200 bytes
    assert out["static_cache_bound_tokens_per_s"] == pytest.approx(4e6 / 8800)
    assert out["fraction_of_bound"] == pytest.approx(100 / (4e6 / 8400))


def test_weights_a_step_reads_leave_out_an_untied_input_embedding():
    from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

    llama = LlamaForCausalLM(LlamaConfig(hidden_size=16, intermediate_size=32,
                                         num_hidden_layers=1, num_attention_heads=2,
                                         vocab_size=100, tie_word_embeddings=False))
    total = sum(p.numel() for p in llama.parameters())
    assert roofline.weights_per_token(llama) == (total - 100 * 16, 4 * (total - 100 * 16))
    gpt2 = GPT2LMHeadModel(GPT2Config(n_embd=16, n_layer=1, n_head=2, vocab_size=100))
    total = sum(p.numel() for p in gpt2.parameters())  # lm_head is the embedding: counted once
    assert roofline.weights_per_token(gpt2)[0] == total


def test_time_sampling_runs_every_row_to_max_new_tokens(tmp_path):
    """The tiny model has a stop token; the timing switches it off, so the count is exact."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from synthlens.config import DecodingSpec

    path = save_causal_lm("llama", tmp_path / "m")
    model = AutoModelForCausalLM.from_pretrained(path).eval()
    tok = AutoTokenizer.from_pretrained(path)
    assert tok.eos_token_id is not None
    out = roofline.time_sampling(model, tok, ["Write a positive movie review."] * 3,
                                 DecodingSpec(temperature=1.0), 12, CPU)
    assert out["batch"] == 3 and out["new_tokens"] == 12
    assert out["tokens_per_s"] == pytest.approx(36 / out["seconds"])
    assert "generate" not in vars(model)  # the recording wrapper is gone again
    assert out["peak_memory_gb"] is None  # the CPU has no CUDA allocator to ask


@pytest.mark.parametrize("cache", ["dynamic", "static"])
def test_time_sampling_reports_the_prompts_real_and_padded_lengths(tmp_path, cache):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from synthlens.config import DecodingSpec
    from synthlens.generation.prompts import prompt_token_ids

    path = save_causal_lm("llama", tmp_path / "m")
    model = AutoModelForCausalLM.from_pretrained(path).eval()
    tok = AutoTokenizer.from_pretrained(path)
    texts = ["Write a positive movie review.", "A dull, lifeless script.",
             "The plot was gripping and the cast superb."]
    lengths = [len(prompt_token_ids(tok, t)) for t in texts]
    assert len(set(lengths)) > 1
    out = roofline.time_sampling(model, tok, texts, DecodingSpec(temperature=1.0, top_p=0.9),
                                 5, CPU, cache=cache)
    assert out["prompt_tokens"] == pytest.approx(sum(lengths) / 3)
    assert out["padded_prompt_tokens"] == max(lengths)
    assert (out["batch"], out["new_tokens"]) == (3, 5)


def test_cpu_bench_times_the_hf_generator_next_to_its_compute_bound(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_cli", ROOT / "bench" / "bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    params = load_params(ROOT / "profiles" / "mini.yaml")
    path = save_causal_lm("llama", tmp_path / "smollm2", chat=True)
    out = bench.generator_on_cpu(params, "smollm2-135m-instruct", path)
    limit = params.max_new_tokens(params.grid.domains[0])
    for kind in ("steps", "pipeline"):
        m = out[kind]
        assert m["batch"] == params.generate.batch_size and m["new_tokens"] == limit
        assert m["bound_tokens_per_s"] == m["compute_bound_tokens_per_s"] > 0
        assert m["fraction_of_bound"] == pytest.approx(m["tokens_per_s"]
                                                       / m["bound_tokens_per_s"])
        assert m["tokens_per_s"] == pytest.approx(m["batch"] * m["mean_new_tokens"]
                                                  / m["seconds"])
    # stop tokens off: every row runs every step; on: no row runs more
    assert out["steps"]["mean_new_tokens"] == limit
    assert 0 < out["pipeline"]["mean_new_tokens"] <= limit


def run_bench_gpu(*args):
    return subprocess.run([sys.executable, str(BENCH_GPU), *args], capture_output=True,
                          text=True, timeout=300)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_bench_gpu_refuses_in_one_line_without_a_gpu(tmp_path):
    result = run_bench_gpu("--out", str(tmp_path / "gpu.json"))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--device cpu --tiny" in result.stderr
    result = run_bench_gpu("--device", "cpu", "--out", str(tmp_path / "gpu.json"))
    assert result.returncode == 2 and "--tiny" in result.stderr
    assert not (tmp_path / "gpu.json").exists()


def test_bench_gpu_tiny_on_the_cpu_writes_every_figure(tmp_path):
    out = tmp_path / "gpu.json"
    result = run_bench_gpu("--device", "cpu", "--tiny", "--out", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    results = json.loads(out.read_text())
    assert [g["model"] for g in results["generators"]] == ["llama-7b", "falcon-7b", "qwen2_5-7b"]
    bandwidth = results["copy_gb_per_s"] * 1e9
    # the tiny configs: 2 layers, head_dim 16, fp32; K/V heads 4 (llama), 1 (falcon), 2 (qwen2)
    per_position = {"llama-7b": 2 * 2 * 4 * 16 * 4, "falcon-7b": 2 * 2 * 1 * 16 * 4,
                    "qwen2_5-7b": 2 * 2 * 2 * 16 * 4}
    for g in results["generators"]:
        assert g["kv_bytes_per_position"] == per_position[g["model"]]
        runs = {r["scenario"]: r for r in g["scenarios"]}
        assert list(runs) == ["t1_0 zero-shot", "p0_9 zero-shot", "t1_0 few-shot"]
        assert runs["p0_9 zero-shot"]["decoding"] == {"temperature": 1.0, "top_p": 0.9}
        # prompts of 10-13 words (zero-shot) and 40-43 (few-shot), one token a word
        assert 10 <= runs["t1_0 zero-shot"]["prompt_tokens"] <= 13
        assert 40 <= runs["t1_0 few-shot"]["prompt_tokens"] <= 43
        for r in runs.values():
            assert (r["batch"], r["new_tokens"], r["cache"]) == (4, 8, "dynamic")
            assert r["peak_memory_gb"] is None
            # the memory bound counts every row's cache at its mean length over the steps
            kv_row = g["kv_bytes_per_position"] * (r["prompt_tokens"] + 3.5)
            assert r["memory_bound_tokens_per_s"] == pytest.approx(
                bandwidth * 4 / (g["weights_gb"] * 1e9 + 4 * kv_row), rel=1e-3)
            assert r["bound_tokens_per_s"] == min(r["compute_bound_tokens_per_s"],
                                                  r["memory_bound_tokens_per_s"])
            assert 0 < r["fraction_of_bound"] == pytest.approx(r["tokens_per_s"]
                                                               / r["bound_tokens_per_s"])
        # the longer prompt's larger cache lowers the bound
        assert (runs["t1_0 few-shot"]["memory_bound_tokens_per_s"]
                < runs["t1_0 zero-shot"]["memory_bound_tokens_per_s"])
        # the row's own figure is the slower zero-shot decoding
        assert g["tokens_per_s"] == min(runs["t1_0 zero-shot"]["tokens_per_s"],
                                        runs["p0_9 zero-shot"]["tokens_per_s"])
        assert g["few_shot_tokens_per_s"] == runs["t1_0 few-shot"]["tokens_per_s"]
    assert results["classifier"]["train_steps_per_s"] > 0
    featurizer = results["featurizer"]
    assert list(featurizer["texts_per_s_by_precision"]) == ["fp32"]  # no TF32 on the CPU
    assert featurizer["texts_per_s"] == featurizer["texts_per_s_by_precision"]["fp32"] > 0
    # the figures it suggests are valid dry_run params, one set per architecture
    spec = DryRunSpec(**results["dry_run"])
    assert spec.tokens_per_second_7b == round(results["generators"][0]["tokens_per_s"])
    assert {arch: (f.zero_shot, f.few_shot)
            for arch, f in spec.tokens_per_second_7b_by_arch.items()} == {
        g["arch"]: (round(g["tokens_per_s"]), round(g["few_shot_tokens_per_s"]))
        for g in results["generators"]}
    assert set(spec.tokens_per_second_7b_by_arch) == {"llama", "falcon", "qwen2"}
    assert "| llama-7b" in result.stdout and "p0_9 zero-shot" in result.stdout
    assert "steps/s" in result.stdout and "featurizer (last_token) fp32" in result.stdout
