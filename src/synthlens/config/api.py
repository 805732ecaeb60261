"""The `api` section of an API model in params.yaml: where the OpenAI-compatible endpoint is,
how fast the run may call it (rate limits) and how long a request may keep retrying.

The limits are the account's, not the server's capacity: OpenAI, for one, counts requests and
tokens per minute per model and answers 429 above them. The backend (generation/ratelimit.py)
paces requests below both, and lowers them further when the server's x-ratelimit-* headers say
the account's limits are lower.
"""
from __future__ import annotations

from pydantic import Field

from .base import Strict


class ApiSpec(Strict):
    """An OpenAI-compatible endpoint (the OpenAI API, or vLLM / TGI servers behind a URL)."""

    base_url: str = Field(description="e.g. https://api.openai.com/v1 or http://host:8000/v1")
    model: str = Field(description="model name the server knows")
    api_key_env: str = "OPENAI_API_KEY"
    max_concurrency: int = Field(default=8, gt=0, le=1024)
    timeout_s: float = Field(default=60.0, gt=0, le=3600)
    requests_per_minute: float | None = Field(
        default=None, gt=0, le=1_000_000, description="pace requests below this (the account's "
        "RPM limit); unset: the server's x-ratelimit-limit-requests header, else no pacing")
    tokens_per_minute: float | None = Field(
        default=None, gt=0, le=100_000_000, description="pace prompt + max_tokens below this "
        "(the account's TPM limit); unset: the server's x-ratelimit-limit-tokens header")
    retry_budget_s: float = Field(
        default=900.0, ge=0, le=86_400, description="how long one request may keep retrying "
        "429, 5xx, timeouts and dropped connections before the stage fails")
    max_backoff_s: float = Field(default=60.0, gt=0, le=3600, description="cap of the "
                                 "exponential backoff between retries (Retry-After is honoured)")
    max_retries: int | None = Field(default=None, ge=0, le=10_000, description="also stop "
                                    "after this many retries; unset: retry_budget_s alone")
    prompt_price_per_million: float | None = Field(
        default=None, ge=0, le=1e6, description="US dollars per million prompt tokens, for "
        "the ledger's cost (generation/ledger.py); unset: no cost recorded")
    output_price_per_million: float | None = Field(
        default=None, ge=0, le=1e6, description="US dollars per million output tokens")
    max_cost_usd: float | None = Field(
        default=None, gt=0, le=1e9, description="stop this model's generation before a batch "
        "could take its spending (all its cells, kept ones too) past this; needs both prices")
    vllm_server: bool = Field(default=False, description="a vLLM server: also send neutral "
                              "top_k, min_p, repetition_penalty (OpenAI rejects them)")
    tokenizer: str | None = Field(default=None, description="the served model's tokenizer: "
                                  "completion prompts go as token ids (one BOS), else as text")
