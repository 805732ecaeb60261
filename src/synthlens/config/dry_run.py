"""params.yaml's dry_run section: the throughputs behind `make dry-run`'s wall-time estimate
(tools/estimate.py), each bounded and saying what it assumes and where the figure comes from.
Params (params.py) holds it; `from synthlens.config import DryRunSpec` reaches it."""
from __future__ import annotations

from pydantic import Field

from .base import Strict


class ArchThroughput(Strict):
    """Output tokens/s of a 7B model of one architecture on the hf backend (make bench-gpu
    writes these per architecture: zero_shot the slower of temperature 1 and top-p 0.9 on
    zero-shot prompts, few_shot on the profile's few-shot prompt length)."""

    zero_shot: float = Field(gt=0, le=10_000_000, description="prompts without examples")
    few_shot: float | None = Field(default=None, gt=0, le=10_000_000, description=
        "models with shots > 0 (longer prompts: a larger KV cache to read every step); "
        "unset: zero_shot")


class DryRunSpec(Strict):
    """Throughputs for ONE GPU. Every figure is an ASSUMPTION for one H100 at the paper
    profile's settings, not a measurement; `make bench-gpu` measures the generation and
    classifier ones on the machine at hand (bench/results/gpu.json): put its numbers here to
    estimate with them."""

    tokens_per_second_7b: float = Field(default=1500.0, gt=0, le=10_000_000, description=
        "hf backend: output tokens/s of a 7B model in bf16 on one GPU at batch 64, i.e. ~43 ms "
        "a decoding step (transformers' eager generate is bound by per-step Python and kernel "
        "launches, far above the ~5 ms the GPU's memory bandwidth needs; the project's target "
        "of >= 10k needs a faster path). Assumed, not measured; scaled by 7/size_b for other "
        "sizes, capped by hf_step_overhead_s")
    tokens_per_second_7b_by_arch: dict[str, ArchThroughput] = Field(default_factory=dict,
        description="hf backend, per architecture: {key: {zero_shot, few_shot}}; a model "
        "whose hub/local path or name contains the key (lower case; the longest key wins) "
        "uses it instead of tokens_per_second_7b (same scaling by 7/size_b and cap). make "
        "bench-gpu prints the figures for llama, falcon and qwen2")
    hf_step_overhead_s: float = Field(default=0.025, gt=0, le=10, description=
        "hf backend: the least time of one decoding step whatever the model's size (eager "
        "transformers, 24-32 layers: ~25 ms, as its batch-1 speed of ~40 tokens/s shows), so a "
        "model makes at most generate.batch_size / this many tokens/s. Assumed")
    vllm_tokens_per_second_7b: float = Field(default=6000.0, gt=0, le=10_000_000, description=
        "vllm backend: output tokens/s of a 7B model on one H100; vLLM's published offline "
        "throughput is 6-10k, the low end is taken. Assumed; scaled by 7/size_b")
    prefill_tokens_per_second_7b: float = Field(default=20_000.0, gt=0, le=100_000_000,
        description="prompt tokens/s of a 7B model (prefill is compute-bound: ~300 TFLOP/s "
        "effective / 14 GFLOP a token). Assumed; scaled by 7/size_b")
    load_gb_per_s: float = Field(default=1.0, gt=0, le=1000, description=
        "loading a generator's bf16 weights (2 bytes a parameter) from local disk into GPU "
        "memory, cold page cache. Assumed")
    vllm_engine_start_s: float = Field(default=60.0, ge=0, le=3600, description=
        "vllm backend: engine start on top of the load (memory profiling, CUDA graph "
        "capture). Assumed")
    classifier_steps_per_second: float = Field(default=25.0, gt=0, le=100_000, description=
        "classifier fine-tuning optimiser steps/s: DistilBERT-base, batch 32 x 128 tokens, "
        "bf16 autocast, eager PyTorch on one GPU (~8 ms of GPU work at ~200 TFLOP/s plus "
        "per-step overhead and tokenisation). Assumed; make bench-gpu measures it")
    classifier_texts_per_second: float = Field(default=3000.0, gt=0, le=10_000_000,
        description="classifier inference texts/s (DistilBERT-base, batch 64, up to 128 "
        "tokens, tokenisation included). Assumed; make bench-gpu measures it")
    featurizer_texts_per_second: float = Field(default=500.0, gt=0, le=10_000_000,
        description="MAUVE featurizer texts/s: gpt2-large, batch 64, texts of up to ~128 "
        "tokens (~13 TFLOP a batch), TF32 matmuls on CUDA (metrics/encoder.py's default for "
        "last_token pooling): at ~100 TFLOP/s effective, a fifth of an H100's dense TF32 "
        "peak. Exact fp32 (no tensor cores, ~67 TFLOP/s peak) could not pass ~330 texts/s. "
        "Assumed, not measured; make bench-gpu measures fp32 and TF32")
    mauve_seconds: float = Field(default=1.0, gt=0, le=3600, description=
        "CPU seconds of one MAUVE computation (PCA + k-means of mauve-text) at 500 samples a "
        "side, scaled by (samples/500)^2 as it makes samples/10 clusters. 0.3 s was measured "
        "with 1280-dim random features on a 2-core CPU; 1 s is assumed for real ones")
    api_seconds_per_request: float = Field(default=2.0, gt=0, le=3600, description=
        "wall seconds of one API request (one sample of up to max_new_tokens tokens at "
        "~60-100 tokens/s); requests run api.max_concurrency at a time. Assumed")
    api_requests_per_minute: float | None = Field(default=None, gt=0, le=1_000_000,
        description="the account's requests per minute assumed for an API model whose api "
        "section states no requests_per_minute (at run time the server's x-ratelimit "
        "headers decide); unset: no requests-per-minute term")
    api_tokens_per_minute: float | None = Field(default=None, gt=0, le=100_000_000,
        description="the same for tokens per minute (prompt + max_tokens a request, as the "
        "client paces them); unset: no tokens-per-minute term")
    process_start_s: float = Field(default=10.0, ge=0, le=3600, description=
        "per DVC stage process: Python, torch and transformers imports, CUDA context, "
        "loading the small encoders (classifier, featurizer) it uses. Assumed")
    probe_text_tokens: int = Field(default=60, gt=0, le=100_000, description=
        "contamination probe: tokens of one R-test text in a scored sequence (probe template "
        "and label list come on top). Assumed: the paper's domains are short texts (SST-2 "
        "sentences ~25 tokens, AG News ~50, Reddit titles ~15, tweets ~30); a domain of long "
        "texts (reviews of ~300 tokens) needs more")
    analyses_seconds_per_dataset: float = Field(default=1.0, ge=0, le=3600, description=
        "CPU seconds of the analyses of one dataset besides their MAUVE runs: the second "
        "featurizer's transform (~0.1 s measured on a 2-core CPU, docs/gpu-memory.md) and "
        "the TF-IDF classifiers, leakage, two-sample test, Self-BLEU and bootstrap of the "
        "cheap statistics (assumed ~0.9 s for 500-2000 texts)")
    analyses_fit_seconds_per_domain: float = Field(default=15.0, ge=0, le=36_000,
        description="CPU seconds of the second featurizer's TF-IDF + SVD fit on R-train, "
        "once per domain (metrics/tfidf_svd.py; it used to be refit per dataset, ~3.5 s each "
        "at R-train 2000). 14-18 s was measured at R-train 10,000 on a shared, loaded 2-core "
        "CPU: an upper figure")
    tfidf_fit_seconds: float = Field(default=0.2, ge=0, le=3600, description=
        "CPU seconds of one TF-IDF + logistic regression fit and prediction on R-test (a "
        "learning-curve point with backbone tfidf). Assumed")
    unknown_train_rows: int = Field(default=10_000, gt=0, le=10_000_000, description=
        "R-train rows assumed for a hub or local domain without max_train (the dry run reads "
        "no data)")
    unknown_test_rows: int = Field(default=2000, gt=0, le=10_000_000, description=
        "R-test rows assumed for a hub or local domain without max_test")
    default_size_b: float = Field(default=7.0, gt=0, le=10_000,
                                  description="size of a model without size_b")
    example_chars: int = Field(default=300, gt=0, le=100_000,
                               description="mean length of a few-shot example")
