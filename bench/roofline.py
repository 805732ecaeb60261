"""Measurement helpers shared by `make bench` (CPU) and `make bench-gpu`: the machine's matmul
rate and memory bandwidth measured with torch, the bound they put on a generator's output
tokens/s, and the timing of the project's hf sampling path (generation/sampling.py)."""
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


def decode_bound(n_params: int, weight_bytes: int, batch: int, flops: float,
                 bandwidth: float | None = None) -> dict[str, float]:
    """The roofline of batched decoding in output tokens/s: compute (flops / 2 FLOPs a
    parameter and token) and, with a bandwidth, memory (a step reads the weights once and
    makes `batch` tokens; the KV cache is left out, so it is an upper bound)."""
    compute = flops / (2 * n_params)
    if not bandwidth:
        return {"compute_bound_tokens_per_s": compute, "bound_tokens_per_s": compute}
    memory = bandwidth / weight_bytes * batch
    return {"compute_bound_tokens_per_s": compute, "memory_bound_tokens_per_s": memory,
            "bound_tokens_per_s": min(compute, memory)}


def time_sampling(model, tok, prompts: list[str], decoding, max_new_tokens: int,
                  device) -> dict[str, float]:
    """Output tokens/s of the project's hf sampling path (sampling.sample, per-row seeded
    Gumbel noise) on one batch of prompts. The stop tokens are switched off so every row runs
    max_new_tokens steps, and the steps are read off generate()'s output, so the count is
    the work done. A short run first warms the kernels up."""
    from synthlens.generation.sampling import Request, sample

    model.generation_config.eos_token_id = None
    if tok.eos_token is not None:
        tok.eos_token = None
    steps = []
    generate = model.generate

    def recording(**kwargs):
        out = generate(**kwargs)
        steps.append(out.shape[1] - kwargs["input_ids"].shape[1])
        return out

    model.generate = recording
    requests = [Request(text=p, seed=i) for i, p in enumerate(prompts)]
    try:
        sample(model, tok, requests, decoding, min(2, max_new_tokens))
        synchronize(device)
        start = perf_counter()
        sample(model, tok, requests, decoding, max_new_tokens)
        synchronize(device)
        seconds = perf_counter() - start
    finally:
        del model.generate
    tokens = len(requests) * steps[-1]
    return {"batch": len(requests), "new_tokens": steps[-1], "seconds": seconds,
            "tokens_per_s": tokens / seconds}
