"""Generation: prompts, per-sample seeded sampling, and one module per backend (hf, openai,
vllm) behind one interface (backends.py)."""
