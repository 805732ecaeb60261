"""make bench-gpu: what one GPU does with the paper profile's work, measured with no download.

Randomly initialised models built from configs of the paper's architectures (a 7B Llama,
Falcon-7B, Qwen2.5-7B) in bf16 on the GPU run the project's hf sampling path
(generation/sampling.py sample() with the static KV cache the hf backend uses on CUDA) at the
profile's batch size and max_new_tokens, in three runs each: temperature 1 and top-p 0.9 on
the profile's zero-shot prompt length, temperature 1 on its few-shot prompt length. Each
output tokens/s is printed next to the GPU's roofline bound (bench/roofline.py: measured copy
bandwidth over the bytes a step reads, every weight once plus each row's K/V cache at its
current length, and the measured bf16 matmul rate) and the peak GPU memory of the run. Then
the classifier (DistilBERT config, random init) through metrics/classifier.py: fine-tuning
steps/s and inference texts/s, and the MAUVE featurizer (gpt2-large config) through
metrics/encoder.py in fp32 and TF32: texts/s. The figures map onto params' dry_run fields,
per architecture (printed; docs/gpu-bench.md).

Writes bench/results/gpu.json and prints a Markdown table. Without a CUDA device it refuses
(exit 2); `--device cpu --tiny` runs the same code path with tiny configs on the CPU
(tests/test_bench_gpu.py).
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from time import perf_counter

sys.path.insert(0, str(Path(__file__).resolve().parent))
import roofline  # noqa: E402  (bench/ is not a package)

ROOT = Path(__file__).resolve().parents[1]


def generator_configs(tiny: bool) -> dict:
    """{name: config} of the paper's generator architectures (tiny: the same families, small)."""
    from transformers import FalconConfig, LlamaConfig, Qwen2Config

    if tiny:
        return {"llama-7b": LlamaConfig(hidden_size=64, intermediate_size=128,
                                        num_hidden_layers=2, num_attention_heads=4,
                                        vocab_size=512),
                "falcon-7b": FalconConfig(hidden_size=64, num_hidden_layers=2,
                                          num_attention_heads=4, vocab_size=512),
                "qwen2_5-7b": Qwen2Config(hidden_size=64, intermediate_size=128,
                                          num_hidden_layers=2, num_attention_heads=4,
                                          num_key_value_heads=2, vocab_size=512)}
    return {"llama-7b": LlamaConfig(hidden_size=4096, intermediate_size=11008,
                                    num_hidden_layers=32, num_attention_heads=32,
                                    vocab_size=32000),
            # FalconConfig's defaults are tiiuae/falcon-7b's: hidden 4544, 32 layers, 71 heads,
            # multi-query attention, vocab 65024, tied embeddings
            "falcon-7b": FalconConfig(),
            "qwen2_5-7b": Qwen2Config(hidden_size=3584, intermediate_size=18944,
                                      num_hidden_layers=28, num_attention_heads=28,
                                      num_key_value_heads=4, vocab_size=152064,
                                      tie_word_embeddings=False)}


def word_tokenizer(vocab_size: int):
    """A word-level tokenizer over the words w2 .. w{vocab_size-1} (0 pad, 1 unknown), no stop
    token: every id a random model samples decodes to a word."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "<unk>": 1, **{f"w{i}": i for i in range(2, vocab_size)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", unk_token="<unk>")


def prompts(n: int, vocab_size: int, words: int = 10) -> list[str]:
    """n prompts of words .. words + 3 words, about as long as the paper's zero-shot prompts."""
    return [" ".join(f"w{2 + (7 * i + 13 * j) % (vocab_size - 2)}" for j in range(words + i % 4))
            for i in range(n)]


def texts(n: int, vocab_size: int, words: int) -> list[str]:
    return [" ".join(f"w{2 + (31 * i + 17 * j) % (vocab_size - 2)}" for j in range(words))
            for i in range(n)]


# the dry run's architecture keys (dry_run.tokens_per_second_7b_by_arch): a model whose hub path
# contains the key uses that architecture's figure
ARCH = {"llama-7b": "llama", "falcon-7b": "falcon", "qwen2_5-7b": "qwen2"}


def prompt_lengths(params, tiny: bool) -> dict[str, int]:
    """Prompt tokens of the profile's longest zero-shot and few-shot prompts (the dry run's
    4-characters-a-token count, tools/estimate_sizes.prompt_tokens, over its local models and
    domains); a profile without a few-shot model: the zero-shot prompt + 3 examples of
    dry_run.example_chars."""
    from synthlens.tools.estimate_sizes import prompt_tokens

    if tiny:
        return {"zero-shot": 10, "few-shot": 40}
    local = [m for m in params.grid.models if params.model(m).backend != "openai"]
    by_shots = {k: [prompt_tokens(params, m, d) for m in local for d in params.grid.domains
                    if bool(params.model(m).shots) == k] for k in (False, True)}
    zero = max(by_shots[False], default=16)
    return {"zero-shot": zero,
            "few-shot": max(by_shots[True], default=zero + 3 * params.dry_run.example_chars // 4)}


def scenarios(lengths: dict[str, int]) -> list[tuple[str, dict, int, bool]]:
    """(name, decoding, prompt words, few-shot) of each run: temperature 1 and top-p 0.9 on
    zero-shot prompts, temperature 1 on few-shot prompts."""
    return [("t1_0 zero-shot", {"temperature": 1.0}, lengths["zero-shot"], False),
            ("p0_9 zero-shot", {"temperature": 1.0, "top_p": 0.9}, lengths["zero-shot"], False),
            ("t1_0 few-shot", {"temperature": 1.0}, lengths["few-shot"], True)]


def run_scenario(model, config, tok, decoding, words, settings, device, flops, bandwidth,
                 n, nbytes) -> dict:
    """One timed batch (the hf backend's cache: static on CUDA, dynamic on the CPU; out of
    memory halves the batch, as the backend does) and its bounds: the roofline with the KV
    cache each row reads at its current length (the bound), and the one of the static cache,
    which attends over its whole allocated length every step."""
    import torch

    batch, halvings = settings["batch_size"], 0
    cache = "static" if device.type == "cuda" else "dynamic"
    while True:
        try:
            measured = roofline.time_sampling(model, tok, prompts(batch, config.vocab_size,
                                                                  words),
                                              decoding, settings["max_new_tokens"], device,
                                              cache=cache)
            break
        except torch.OutOfMemoryError:
            if batch == 1:
                raise
            batch, halvings = batch // 2, halvings + 1
            gc.collect()
            torch.cuda.empty_cache()
    per_position = roofline.kv_bytes_per_position(config, next(model.parameters())
                                                  .element_size())
    return {**measured, "cache": cache, "oom_halvings": halvings,
            **roofline.sampling_bounds(measured, n, nbytes, per_position, flops, bandwidth)}


def bench_generators(args, settings, lengths, device, dtype, flops, bandwidth) -> list[dict]:
    """One row per architecture: its scenarios, and on the row itself the slower zero-shot
    scenario's figures (what the dry run's zero_shot uses)."""
    import torch
    from transformers import AutoModelForCausalLM

    from synthlens.config import DecodingSpec

    rows = []
    configs = generator_configs(args.tiny)
    if args.short:  # make gpu-check: the 7B Llama only
        configs = {"llama-7b": configs["llama-7b"]}
    for name, config in configs.items():
        print(f"bench-gpu: {name} ...", flush=True)
        torch.manual_seed(0)
        with torch.device(device):  # built in place: a 7B model never passes through CPU RAM
            model = AutoModelForCausalLM.from_config(config, dtype=dtype).eval()
        tok = word_tokenizer(config.vocab_size)
        n, nbytes = roofline.weights_per_token(model)
        runs = []
        for label, decoding, words, few in scenarios(lengths):
            runs.append({"scenario": label, "few_shot": few, "decoding": decoding,
                         **run_scenario(model, config, tok, DecodingSpec(**decoding), words,
                                        settings, device, flops, bandwidth, n, nbytes)})
        zero = min((r for r in runs if not r["few_shot"]), key=lambda r: r["tokens_per_s"])
        rows.append({"model": name, "arch": ARCH[name], "params": n, "weights_gb": nbytes / 1e9,
                     "kv_bytes_per_position": roofline.kv_bytes_per_position(
                         config, next(model.parameters()).element_size()),
                     **{k: v for k, v in zero.items() if k != "decoding"},
                     "few_shot_tokens_per_s": next(r["tokens_per_s"] for r in runs
                                                   if r["few_shot"]),
                     "scenarios": runs})
        del model
        gc.collect()
        if device.type == "cuda":
            torch.cuda.empty_cache()
    return rows


def save_encoder(kind: str, out: Path, tiny: bool) -> Path:
    """A random DistilBERT (classifier backbone) or gpt2-large (featurizer) with a word-level
    tokenizer, saved where metrics/ can load it as a local encoder."""
    import torch
    from transformers import DistilBertConfig, DistilBertModel, GPT2Config, GPT2Model

    torch.manual_seed(0)
    if kind == "classifier":
        config = (DistilBertConfig(vocab_size=512, dim=32, hidden_dim=64, n_layers=1, n_heads=4)
                  if tiny else DistilBertConfig())
        model = DistilBertModel(config)
    else:
        config = (GPT2Config(vocab_size=512, n_embd=32, n_layer=1, n_head=4, bos_token_id=None,
                             eos_token_id=None) if tiny
                  else GPT2Config(n_embd=1280, n_layer=36, n_head=20))
        model = GPT2Model(config)
    model.save_pretrained(out)
    word_tokenizer(config.vocab_size).save_pretrained(out)
    return out


@contextlib.contextmanager
def timed_optimizer_steps():
    """The time of every AdamW step taken inside the block (metrics/classifier.py's
    optimiser), read with perf_counter as each step starts."""
    import torch

    stamps, original = [], torch.optim.AdamW

    class Timed(original):
        def step(self, *args, **kwargs):
            stamps.append(perf_counter())
            return super().step(*args, **kwargs)

    torch.optim.AdamW = Timed
    try:
        yield stamps
    finally:
        torch.optim.AdamW = original


def bench_classifier(args, settings, device, tmp: Path) -> dict:
    from synthlens.config import ClassifierSpec, EncoderSpec
    from synthlens.metrics import classifier

    backbone = save_encoder("classifier", tmp / "classifier", args.tiny)
    b, length = settings["classifier_batch_size"], settings["classifier_max_length"]
    spec = ClassifierSpec(backbone=EncoderSpec(source="local", name=str(backbone)), epochs=1,
                          learning_rate=5e-5, batch_size=b, max_length=length, seeds=[0])
    steps, skip = (6, 1) if args.tiny else (20, 3) if args.short else (60, 5)
    # texts longer than max_length, as a generator's 128 new tokens are: every batch is full
    data = texts(b * steps, 512 if args.tiny else 30522, words=length + 20)
    labels = [i % 4 for i in range(len(data))]
    print("bench-gpu: classifier ...", flush=True)
    with timed_optimizer_steps() as stamps:
        model, tok = classifier.train_classifier(spec, data, labels, 4, 0,
                                                 "bench-gpu classifier", device=device)
    # from one optimiser step to the next: tokenising, forward, backward, clipping, the step
    # (the loop reads the loss every step, which waits for the GPU); the first ones warm up
    train_steps_per_s = (len(stamps) - 1 - skip) / (stamps[-1] - stamps[skip])
    n_infer = 64 if args.tiny else 4096
    infer_data = (data * -(-n_infer // len(data)))[:n_infer]
    classifier.predict(model, tok, infer_data[:64], length)  # warm-up
    roofline.synchronize(device)
    start = perf_counter()
    classifier.predict(model, tok, infer_data, length)
    roofline.synchronize(device)
    infer = n_infer / (perf_counter() - start)
    return {"batch_size": b, "max_length": length, "train_steps_per_s": train_steps_per_s,
            "infer_texts_per_s": infer}


def bench_featurizer(args, params, device, tmp: Path) -> dict:
    """texts/s of metrics/encoder.py's embed() with the profile's pooling and max_length, in
    every precision the device offers (CUDA: fp32 exact and TF32; the CPU: fp32); the figure
    for the dry run is the device's default precision (encoder.default_precision)."""
    from synthlens.config import EncoderSpec
    from synthlens.metrics.encoder import default_precision, embed

    pooling = params.featurizer.pooling
    spec = EncoderSpec(source="local", name=str(save_encoder("featurizer", tmp / "featurizer",
                                                             args.tiny)), pooling=pooling,
                       max_length=params.featurizer.max_length)
    data = texts(64 if args.tiny else 512 if args.short else 2048, 512 if args.tiny else 50257,
                 words=150)
    print("bench-gpu: featurizer ...", flush=True)
    default = default_precision(device, pooling)
    rates = {}
    for precision in dict.fromkeys(["fp32", *(["tf32"] if device.type == "cuda" else []),
                                    default]):
        embed(spec, data[:64], device=device, precision=precision)  # load and warm up
        roofline.synchronize(device)
        start = perf_counter()
        embed(spec, data, device=device, precision=precision)
        roofline.synchronize(device)
        rates[precision] = len(data) / (perf_counter() - start)
    return {"texts": len(data), "pooling": pooling, "texts_per_s_by_precision": rates,
            "precision": default, "texts_per_s": rates[default]}


def table(results: dict) -> str:
    gb = lambda x: "n/a" if x is None else f"{x:.1f} GB"  # noqa: E731
    lines = [f"| measure ({results['device']}) | value | bound (KV at current length) | "
             "share of bound | static-cache bound | peak memory |",
             "|---|---|---|---|---|---|",
             f"| {results['gemm_dtype']} matmul ({results['gemm_n']}^3) | "
             f"{results['gemm_tflops']:.3g} TFLOP/s | | | | |",
             f"| device-to-device copy | {results['copy_gb_per_s']:.0f} GB/s | | | | |"]
    for g in results["generators"]:
        for r in g["scenarios"]:
            lines.append(f"| {g['model']} ({g['params'] / 1e9:.2f}B) {r['scenario']} "
                         f"({r['prompt_tokens']:.0f} prompt tokens), batch {r['batch']}, "
                         f"{r['new_tokens']} new | {r['tokens_per_s']:,.0f} tokens/s | "
                         f"{r['bound_tokens_per_s']:,.0f} tokens/s | "
                         f"{100 * r['fraction_of_bound']:.1f} % | "
                         f"{r['static_cache_bound_tokens_per_s']:,.0f} tokens/s | "
                         f"{gb(r['peak_memory_gb'])} |")
    c, f = results["classifier"], results["featurizer"]
    lines.append(f"| classifier fine-tuning, batch {c['batch_size']} x {c['max_length']} | "
                 f"{c['train_steps_per_s']:.1f} steps/s | | | | |")
    lines.append(f"| classifier inference | {c['infer_texts_per_s']:,.0f} texts/s | | | | |")
    for precision, rate in f["texts_per_s_by_precision"].items():
        mark = " (default)" if precision == f["precision"] else ""
        lines.append(f"| featurizer ({f['pooling']}) {precision}{mark} | {rate:,.0f} texts/s "
                     "| | | | |")
    return "\n".join(lines)


def dry_run_figures(results: dict) -> dict:
    """What to put into params' dry_run to estimate with these figures: the 7B Llama's
    zero-shot rate as tokens_per_second_7b, every architecture's own figures, the classifier
    and the featurizer (its default precision)."""
    llama = next(g for g in results["generators"] if g["model"] == "llama-7b")
    return {"tokens_per_second_7b": round(llama["tokens_per_s"]),
            "tokens_per_second_7b_by_arch": {
                g["arch"]: {"zero_shot": round(g["tokens_per_s"]),
                            "few_shot": round(g["few_shot_tokens_per_s"])}
                for g in results["generators"]},
            "classifier_steps_per_second": round(results["classifier"]["train_steps_per_s"], 1),
            "classifier_texts_per_second": round(results["classifier"]["infer_texts_per_s"]),
            "featurizer_texts_per_second": round(results["featurizer"]["texts_per_s"])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:N, or cpu "
                        "with --tiny")
    parser.add_argument("--tiny", action="store_true", help="tiny configs: the code path in "
                        "seconds, not a measurement")
    parser.add_argument("--short", action="store_true", help="the 7B Llama only, fewer "
                        "classifier steps and featurizer texts (make gpu-check)")
    parser.add_argument("--params", default=str(ROOT / "profiles" / "paper.yaml"),
                        help="the profile whose batch sizes and lengths are used")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "gpu.json"))
    args = parser.parse_args(argv)
    import torch

    from synthlens.config import load_params
    from synthlens.device import DeviceError, choose, describe

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print(f"bench-gpu measures a GPU and found none (torch {torch.__version__}, CUDA "
              f"{torch.version.cuda or 'not built in'}); `--device cpu --tiny` runs its code "
              "path on the CPU", file=sys.stderr)
        return 2
    try:
        device = choose(True, args.device)
    except DeviceError as e:
        print(f"bench-gpu: {e}", file=sys.stderr)
        return 2
    if device.type != "cuda" and not args.tiny:
        print("bench-gpu: --device cpu runs only with --tiny (7B models on the CPU take "
              "hours); without --tiny it needs a CUDA device", file=sys.stderr)
        return 2
    params = load_params(args.params)
    settings = {"batch_size": params.generate.batch_size,
                "max_new_tokens": params.generate.max_new_tokens,
                "classifier_batch_size": params.classifier.batch_size,
                "classifier_max_length": params.classifier.max_length}
    if args.tiny:
        settings = {"batch_size": 4, "max_new_tokens": 8, "classifier_batch_size": 4,
                    "classifier_max_length": 16}
    cuda = device.type == "cuda"
    dtype = torch.bfloat16 if cuda else torch.float32
    gemm_n = 8192 if cuda and not args.tiny else 256
    print("bench-gpu: matmul and copy ...", flush=True)
    flops = roofline.gemm_flops(device, dtype, n=gemm_n)
    bandwidth = roofline.copy_bandwidth(device, nbytes=(1 << 30) if cuda else (16 << 20))
    results = {"device": describe(device), "tiny": args.tiny, "short": args.short,
               "date": time.strftime("%Y-%m-%d"),
               "torch": torch.__version__, "python": platform.python_version(),
               "params": args.params, "settings": settings, "gemm_n": gemm_n,
               "gemm_dtype": str(dtype).removeprefix("torch."),
               "gemm_tflops": flops / 1e12, "copy_gb_per_s": bandwidth / 1e9}
    lengths = prompt_lengths(params, args.tiny)
    results["prompt_tokens"] = lengths
    results["generators"] = bench_generators(args, settings, lengths, device, dtype, flops,
                                             bandwidth)
    with tempfile.TemporaryDirectory() as tmp:
        results["classifier"] = bench_classifier(args, settings, device, Path(tmp))
        results["featurizer"] = bench_featurizer(args, params, device, Path(tmp))
    results["dry_run"] = dry_run_figures(results)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(table(results))
    print(f"\ndry_run figures measured here: {json.dumps(results['dry_run'])} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
