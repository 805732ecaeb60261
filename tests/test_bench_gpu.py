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


def test_cpu_bench_times_the_hf_generator_next_to_its_compute_bound(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_cli", ROOT / "bench" / "bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    params = load_params(ROOT / "profiles" / "mini.yaml")
    path = save_causal_lm("llama", tmp_path / "smollm2", chat=True)
    out = bench.generator_on_cpu(params, "smollm2-135m-instruct", path)
    assert out["batch"] == params.generate.batch_size
    assert out["new_tokens"] == params.generate.max_new_tokens
    assert out["bound_tokens_per_s"] == out["compute_bound_tokens_per_s"] > 0
    assert out["fraction_of_bound"] == pytest.approx(out["tokens_per_s"]
                                                     / out["bound_tokens_per_s"])


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
    for g in results["generators"]:
        assert (g["batch"], g["new_tokens"]) == (4, 8)
        assert g["bound_tokens_per_s"] == min(g["compute_bound_tokens_per_s"],
                                              g["memory_bound_tokens_per_s"])
        assert 0 < g["fraction_of_bound"] == pytest.approx(g["tokens_per_s"]
                                                           / g["bound_tokens_per_s"])
    assert results["classifier"]["train_steps_per_s"] > 0
    assert results["featurizer"]["texts_per_s"] > 0
    # the figures it suggests are valid dry_run params
    assert DryRunSpec(**results["dry_run"]).tokens_per_second_7b == round(
        results["generators"][0]["tokens_per_s"])
    assert "| llama-7b" in result.stdout and "steps/s" in result.stdout
