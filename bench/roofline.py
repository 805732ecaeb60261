"""Measurement helpers shared by `make bench` (CPU) and `make bench-gpu`: the machine's matmul
rate and memory bandwidth measured with torch, the bound they put on a generator's output
tokens/s (weights and KV cache read every decoding step), and the timing of the project's hf
sampling path (generation/sampling.py) with its peak GPU memory."""
from __future__ import annotations

from time import perf_counter


def synchronize(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def gemm_flops(device, dtype, n: int = 4096, repeat: int = 10) -> float:
    """Measured FLOP/s of an n x n x n matmul in dtype on device (2 n^3 a product)."""
    import torch

    gen = torch.Generator(device=device).manual_seed(0)
    a = torch.randn(n, n, device=device, dtype=dtype, generator=gen)
    b = torch.randn(n, n, device=device, dtype=dtype, generator=gen)
    torch.matmul(a, b)  # warm-up: library init, kernel choice
    synchronize(device)
    start = perf_counter()
    for _ in range(repeat):
        c = torch.matmul(a, b)
    synchronize(device)
    del c
    return 2 * n ** 3 * repeat / (perf_counter() - start)


def copy_bandwidth(device, nbytes: int = 1 << 30, repeat: int = 10) -> float:
    """Measured memory bandwidth in bytes/s of a device-to-device copy of nbytes (each copy
    reads and writes nbytes, so 2 nbytes count)."""
    import torch

    src = torch.ones(nbytes // 4, device=device, dtype=torch.float32)
    dst = torch.empty_like(src)
    dst.copy_(src)
    synchronize(device)
    start = perf_counter()
    for _ in range(repeat):
        dst.copy_(src)
    synchronize(device)
    return 2 * src.numel() * 4 * repeat / (perf_counter() - start)


def weights_per_token(model) -> tuple[int, int]:
    """(parameters, bytes of weights) a decoding step reads for each sequence: every weight
    once, except an untied input embedding, of which a step reads only its tokens' rows."""
    params = {id(p): p for p in model.parameters()}.values()
    n = sum(p.numel() for p in params)
    nbytes = sum(p.numel() * p.element_size() for p in params)
    emb, out = model.get_input_embeddings().weight, model.get_output_embeddings()
    if out is None or out.weight is not emb:
        n -= emb.numel()
        nbytes -= emb.numel() * emb.element_size()
    return n, nbytes


def kv_bytes_per_position(config, dtype_bytes: int) -> int:
    """Bytes of K and V one cached position holds over all layers: layers x 2 x kv_heads x
    head_dim x dtype_bytes. kv_heads: num_key_value_heads (grouped-query attention) where the
    config has it, else num_attention_heads; Falcon as transformers caches it: 1 with
    multi-query attention (Falcon-7B), every head with the new decoder architecture (its K/V
    are expanded to all heads before they are cached), else num_kv_heads."""
    heads = config.num_attention_heads
    if getattr(config, "model_type", "") == "falcon":
        kv = (heads if config.new_decoder_architecture
              else 1 if config.multi_query else config.num_kv_heads)
    else:
        kv = getattr(config, "num_key_value_heads", None) or heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    return config.num_hidden_layers * 2 * kv * head_dim * dtype_bytes


def mean_cache_positions(prompt_tokens: float, new_tokens: int) -> float:
    """Cached positions a row's decoding step reads, averaged over its generated steps: the
    step that makes new token k (1..n) attends over the prompt and the k - 1 tokens before
    it, so the mean is prompt_tokens + (n - 1) / 2."""
    return prompt_tokens + (new_tokens - 1) / 2


def decode_bound(n_params: int, weight_bytes: int, batch: int, flops: float,
                 bandwidth: float | None = None,
                 kv_bytes_per_row: float = 0.0) -> dict[str, float]:
    """The roofline of batched decoding in output tokens/s: compute (flops / 2 FLOPs a
    parameter and token; attention's FLOPs are left out, under 1 % at these lengths) and, with
    a bandwidth, memory: a step reads every weight once for the whole batch plus each row's
    K/V cache (kv_bytes_per_row: kv_bytes_per_position x mean_cache_positions, averaged over
    the generated steps) and makes `batch` tokens."""
    compute = flops / (2 * n_params)
    if not bandwidth:
        return {"compute_bound_tokens_per_s": compute, "bound_tokens_per_s": compute}
    memory = bandwidth * batch / (weight_bytes + batch * kv_bytes_per_row)
    return {"compute_bound_tokens_per_s": compute, "memory_bound_tokens_per_s": memory,
            "bound_tokens_per_s": min(compute, memory)}


def sampling_bounds(measured: dict, n_params: int, weight_bytes: int, kv_per_position: int,
                    flops: float, bandwidth: float | None) -> dict[str, float]:
    """The bounds of one time_sampling() run: decode_bound with each row's KV cache at its
    current length (prompt without padding, then one more position a step: the bound), and
    with the static cache's whole length (padded prompt + new tokens), which the hf backend's
    StaticCache attends over every step; the KV gigabytes a step reads and the share of the
    bound the run reached."""
    batch = measured["batch"]
    kv_row = kv_per_position * mean_cache_positions(measured["prompt_tokens"],
                                                    measured["new_tokens"])
    bound = decode_bound(n_params, weight_bytes, batch, flops, bandwidth, kv_row)
    static_row = kv_per_position * (measured["padded_prompt_tokens"] + measured["new_tokens"])
    static = decode_bound(n_params, weight_bytes, batch, flops, bandwidth, static_row)
    return {"kv_gb_per_step": batch * kv_row / 1e9, **bound,
            "static_cache_bound_tokens_per_s": static["bound_tokens_per_s"],
            "fraction_of_bound": measured["tokens_per_s"] / bound["bound_tokens_per_s"]}


def time_sampling(model, tok, prompts: list[str], decoding, max_new_tokens: int,
                  device, cache: str = "dynamic", rules=None, stop: bool = False) -> dict:
    """Output tokens/s of the project's hf sampling path (sampling.sample with `cache`) on one
    batch of prompts. stop=False switches the stop tokens off, so every row runs
    max_new_tokens steps (the step rate); stop=True keeps EOS and rules' stop strings as the
    pipeline runs them (the rate of useful tokens: rows end on their own). Tokens are counted
    from what the decoding loop returned (dynamic: each row's new ids; static: generate()'s
    steps x rows, since it keeps every row to the end). A short run first warms the kernels
    up. Also returns the prompts' mean length in tokens (without padding), the padded length,
    and on CUDA the peak memory allocated during the timed run (None elsewhere)."""
    import torch

    import synthlens.generation.decode_loop as loop
    from synthlens.generation.sampling import Request, sample

    if not stop:
        model.generation_config.eos_token_id = None
        if tok.eos_token is not None:
            tok.eos_token = None
        rules = None
    counts, shapes = [], []
    generate, decode = model.generate, loop.decode

    def recording_generate(**kwargs):
        out = generate(**kwargs)
        counts.append(out.shape[0] * (out.shape[1] - kwargs["input_ids"].shape[1]))
        shapes.append((kwargs["attention_mask"].sum().item() / out.shape[0],
                       kwargs["input_ids"].shape[1]))
        return out

    def recording_decode(model_, tok_, input_ids, attention_mask, *args, **kwargs):
        new = decode(model_, tok_, input_ids, attention_mask, *args, **kwargs)
        counts.append(sum(len(ids) for ids in new))
        shapes.append((attention_mask.sum().item() / len(new), input_ids.shape[1]))
        return new

    model.generate, loop.decode = recording_generate, recording_decode
    requests = [Request(text=p, seed=i) for i, p in enumerate(prompts)]
    cuda = device.type == "cuda"
    try:
        sample(model, tok, requests, decoding, min(2, max_new_tokens), rules, cache=cache)
        synchronize(device)
        if cuda:
            torch.cuda.reset_peak_memory_stats(device)
        start = perf_counter()
        sample(model, tok, requests, decoding, max_new_tokens, rules, cache=cache)
        synchronize(device)
        seconds = perf_counter() - start
    finally:
        del model.generate
        loop.decode = decode
    tokens = counts[-1]
    return {"batch": len(requests), "new_tokens": max_new_tokens,
            "mean_new_tokens": tokens / len(requests), "seconds": seconds,
            "tokens_per_s": tokens / seconds, "prompt_tokens": shapes[-1][0],
            "padded_prompt_tokens": shapes[-1][1],
            "peak_memory_gb": torch.cuda.max_memory_allocated(device) / 1e9 if cuda else None}