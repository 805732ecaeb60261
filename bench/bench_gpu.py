"""make bench-gpu: what one GPU does with the paper profile's work, measured with no download.

Randomly initialised models built from configs of the paper's architectures (a 7B Llama,
Falcon-7B, Qwen2.5-7B) in bf16 on the GPU run the project's hf sampling path
(generation/sampling.py sample(), per-row seeded Gumbel noise) at the paper profile's batch
size and max_new_tokens; each output tokens/s is printed next to the GPU's roofline bound:
min(measured copy bandwidth / bytes of weights a step reads x batch, measured bf16 matmul
FLOP/s / 2 FLOPs a parameter and token). Then the classifier (DistilBERT config, random init)
through metrics/classifier.py: fine-tuning steps/s and inference texts/s at the paper
profile's batch size and max_length, and the MAUVE featurizer (gpt2-large config) through
metrics/encoder.py: texts/s. The figures map onto params' dry_run fields (printed).

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


def bench_generators(args, settings, device, dtype, flops, bandwidth) -> list[dict]:
    import torch
    from transformers import AutoModelForCausalLM

    from synthlens.config import DecodingSpec

    decoding = DecodingSpec(temperature=1.0)
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
        measured = roofline.time_sampling(model, tok, prompts(settings["batch_size"],
                                                              config.vocab_size),
                                          decoding, settings["max_new_tokens"], device)
        n, nbytes = roofline.weights_per_token(model)
        bound = roofline.decode_bound(n, nbytes, measured["batch"], flops, bandwidth)
        rows.append({"model": name, "params": n, "weights_gb": nbytes / 1e9,
                     **measured, **bound,
                     "fraction_of_bound": measured["tokens_per_s"] / bound["bound_tokens_per_s"]})
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


def bench_featurizer(args, device, tmp: Path) -> dict:
    from synthlens.config import EncoderSpec
    from synthlens.metrics.encoder import embed

    spec = EncoderSpec(source="local", name=str(save_encoder("featurizer", tmp / "featurizer",
                                                             args.tiny)))
    data = texts(64 if args.tiny else 512 if args.short else 2048, 512 if args.tiny else 50257,
                 words=150)
    print("bench-gpu: featurizer ...", flush=True)
    embed(spec, data[:64], device=device)  # load and warm up
    roofline.synchronize(device)
    start = perf_counter()
    embed(spec, data, device=device)
    roofline.synchronize(device)
    return {"texts": len(data), "texts_per_s": len(data) / (perf_counter() - start)}


def table(results: dict) -> str:
    lines = [f"| measure ({results['device']}) | value | bound | share of bound |",
             "|---|---|---|---|",
             f"| {results['gemm_dtype']} matmul ({results['gemm_n']}^3) | "
             f"{results['gemm_tflops']:.3g} TFLOP/s | | |",
             f"| device-to-device copy | {results['copy_gb_per_s']:.0f} GB/s | | |"]
    for g in results["generators"]:
        lines.append(f"| {g['model']} ({g['params'] / 1e9:.2f}B) hf sample(), batch {g['batch']}, "
                     f"{g['new_tokens']} new tokens | {g['tokens_per_s']:,.0f} tokens/s | "
                     f"{g['bound_tokens_per_s']:,.0f} tokens/s | "
                     f"{100 * g['fraction_of_bound']:.1f} % |")
    c = results["classifier"]
    lines.append(f"| classifier fine-tuning, batch {c['batch_size']} x {c['max_length']} | "
                 f"{c['train_steps_per_s']:.1f} steps/s | | |")
    lines.append(f"| classifier inference | {c['infer_texts_per_s']:,.0f} texts/s | | |")
    lines.append(f"| featurizer | {results['featurizer']['texts_per_s']:,.0f} texts/s | | |")
    return "\n".join(lines)


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
    results["generators"] = bench_generators(args, settings, device, dtype, flops, bandwidth)
    with tempfile.TemporaryDirectory() as tmp:
        results["classifier"] = bench_classifier(args, settings, device, Path(tmp))
        results["featurizer"] = bench_featurizer(args, device, Path(tmp))
    llama = next(g for g in results["generators"] if g["model"] == "llama-7b")
    results["dry_run"] = {  # what to put into params' dry_run to estimate with these figures
        "tokens_per_second_7b": round(llama["tokens_per_s"]),
        "classifier_steps_per_second": round(results["classifier"]["train_steps_per_s"], 1),
        "classifier_texts_per_second": round(results["classifier"]["infer_texts_per_s"]),
        "featurizer_texts_per_second": round(results["featurizer"]["texts_per_s"])}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(table(results))
    print(f"\ndry_run figures measured here: {json.dumps(results['dry_run'])} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
