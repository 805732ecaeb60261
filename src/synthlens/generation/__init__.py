"""Generation: prompts, per-sample seeded sampling, and one module per backend (hf, openai,
vllm) behind one contract (backend_api.py) and one registry (backends.py)."""
