"""Dry run: the whole grid of a profile, its size in samples and tokens, and an estimate of
GPU hours from a stated throughput (params: dry_run)."""
from __future__ import annotations

from ..config import Params


def _prompt_tokens(params: Params, model: str, domain: str) -> int:
    """Rough prompt length in tokens (4 characters a token), few-shot examples included."""
    spec, d = params.model(model), params.domain(domain)
    template = params.prompts[spec.prompt]
    base = len(template.format(label=max(d.labels, key=len), subject=d.subject, examples=""))
    return (base + spec.shots * params.dry_run.example_chars) // 4 + 1


def grid_rows(params: Params) -> list[dict]:
    g, d = params.generate, params.dry_run
    rows = []
    for model in params.grid.models:
        spec = params.model(model)
        size = spec.size_b or d.default_size_b
        tps = d.tokens_per_second_7b * 7.0 / size
        for domain in params.grid.domains:
            samples = g.samples_per_label * len(params.domain(domain).labels)
            for decoding in params.grid.decodings:
                out_tokens = samples * g.max_new_tokens
                in_tokens = samples * _prompt_tokens(params, model, domain)
                gpu_h = 0.0 if spec.backend == "openai" else out_tokens / tps / 3600
                rows.append({"cell": f"{model}/{domain}/{decoding}", "backend": spec.backend,
                             "samples": samples, "prompt_tokens": in_tokens,
                             "output_tokens": out_tokens, "gpu_hours": gpu_h})
    return rows


def run(params: Params) -> list[dict]:
    rows = grid_rows(params)
    d = params.dry_run
    width = max(len(r["cell"]) for r in rows)
    print(f"profile {params.profile}: {len(params.grid.models)} models x "
          f"{len(params.grid.domains)} domains x {len(params.grid.decodings)} decodings = "
          f"{len(rows)} cells\n")
    print(f"{'cell':<{width}}  {'backend':<7} {'samples':>8} {'prompt tok':>11} "
          f"{'output tok':>11} {'GPU h':>7}")
    for r in rows:
        print(f"{r['cell']:<{width}}  {r['backend']:<7} {r['samples']:>8} "
              f"{r['prompt_tokens']:>11} {r['output_tokens']:>11} {r['gpu_hours']:>7.2f}")
    total = {k: sum(r[k] for r in rows) for k in ("samples", "prompt_tokens", "output_tokens",
                                                  "gpu_hours")}
    api = sum(r["output_tokens"] for r in rows if r["backend"] == "openai")
    print(f"\n{'total':<{width}}  {'':<7} {total['samples']:>8} {total['prompt_tokens']:>11} "
          f"{total['output_tokens']:>11} {total['gpu_hours']:>7.1f}")
    print(f"\nEstimate: {total['gpu_hours']:.1f} GPU hours of generation, assuming "
          f"{d.tokens_per_second_7b:g} output tokens/s for a 7B model on one GPU "
          f"(dry_run.tokens_per_second_7b), scaled by 7/size_b for other sizes; "
          f"{api} output tokens go to API endpoints. Classifier fine-tuning and MAUVE "
          f"features are not included.")
    return rows
