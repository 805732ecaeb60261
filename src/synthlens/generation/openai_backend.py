"""The openai backend: generation through an OpenAI-compatible HTTP API (OpenAI, vLLM, TGI,
llama.cpp server).

Vanilla models use the completion endpoint, instruct models the chat endpoint. Requests run in a
bounded thread pool over one persistent client per model (api_client.py: connection reuse,
pacing to the account's requests and tokens per minute, retries within a time budget that
outlast a 429 storm); anything that will not get better (a bad key, a retired model, no quota)
fails at once, so it is reported in seconds instead of after a long retry loop. The backend
hands each finished request to the generate stage as it arrives (complete(on_result=...)), so
an interrupted shard keeps the requests it already paid for.

Sampling follows params only: presence and frequency penalties go out as 0 explicitly, and with
api.vllm_server also vLLM's extra knobs (top_k -1, min_p 0, repetition_penalty 1), which a vLLM
server otherwise takes from the model's generation_config.json. Stop strings (params'
generate.cleaning.stop_strings; the OpenAI API takes at most 4) go out as `stop`, and the server
leaves them out of the text. A choice whose finish_reason is "length" was cut off.

Prompt tokens: with api.tokenizer set, completion prompts are sent as token ids built by
prompts.prompt_token_ids, the ids the hf and vllm backends feed the model (the completion
endpoints of OpenAI, vLLM and llama.cpp accept a token list; TGI does not, so leave tokenizer
unset there). Without it, and always on the chat endpoint, the prompt goes as text and the
server tokenizes it (and applies the chat template) with its own BOS policy.
"""
from __future__ import annotations

import logging
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Callable

from .ledger import CHARS_PER_TOKEN  # OpenAI's rule of thumb (token pacing, budget)
from ..config import DecodingSpec, Params
from ..hub import MissingResource, missing_hint
from .api_client import ApiClient, BackendError, RetryPolicy
from .backend_api import Backend
from .prompts import prompt_token_ids
from .ratelimit import RateLimiter
from .sampling import Completion, Request, completion

__all__ = ["BackendError", "OpenAIBackend", "OpenAIBackendConfig", "generate_choices",
           "open_client"]

log = logging.getLogger(__name__)

NEUTRAL = {"presence_penalty": 0.0, "frequency_penalty": 0.0}
VLLM_NEUTRAL = {"top_k": -1, "min_p": 0.0, "repetition_penalty": 1.0}


@dataclass(frozen=True)
class OpenAIBackendConfig:
    base_url: str
    model: str
    endpoint: str = "chat"
    api_key_env: str = "OPENAI_API_KEY"
    max_concurrency: int = 8
    timeout_s: float = 60.0
    max_retries: int | None = None
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    retry_budget_s: float = 900.0
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None

    def __post_init__(self):
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {self.base_url!r}")
        if not self.model:
            raise ValueError("model must be a non-empty model name")
        if self.endpoint not in ("chat", "completion"):
            raise ValueError(f"endpoint must be 'chat' or 'completion', got {self.endpoint!r}")
        if self.max_concurrency < 1:
            raise ValueError(f"max_concurrency must be >= 1, got {self.max_concurrency}")
        if not self.timeout_s > 0:
            raise ValueError(f"timeout_s must be > 0, got {self.timeout_s}")
        if self.max_retries is not None and self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")
        if self.backoff_s < 0:
            raise ValueError(f"backoff_s must be >= 0, got {self.backoff_s}")
        if not self.max_backoff_s > 0:
            raise ValueError(f"max_backoff_s must be > 0, got {self.max_backoff_s}")
        if self.retry_budget_s < 0:
            raise ValueError(f"retry_budget_s must be >= 0, got {self.retry_budget_s}")
        for name in ("requests_per_minute", "tokens_per_minute"):
            if getattr(self, name) is not None and not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0 or unset, got {getattr(self, name)}")

    @property
    def url(self) -> str:
        path = "chat/completions" if self.endpoint == "chat" else "completions"
        return f"{self.base_url.rstrip('/')}/{path}"


def open_client(config: OpenAIBackendConfig) -> ApiClient:
    """The persistent client of one model: its connections, rate limiter and retry policy."""
    headers = {"Content-Type": "application/json"}
    key = os.environ.get(config.api_key_env, "")
    if key:  # local servers need no key, and some reject an empty Bearer token
        headers["Authorization"] = f"Bearer {key}"
    policy = RetryPolicy(budget_s=config.retry_budget_s, backoff_s=config.backoff_s,
                         max_backoff_s=config.max_backoff_s, max_retries=config.max_retries)
    limiter = RateLimiter(config.requests_per_minute, config.tokens_per_minute)
    return ApiClient(config.url, headers, config.timeout_s, config.max_concurrency, policy,
                     limiter, secret=key)


def _usage(data: dict) -> tuple[int | None, int | None]:
    """(prompt tokens, completion tokens) of a response's `usage`, None where it has none."""
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    return tuple(v if isinstance(v, int) and not isinstance(v, bool) else None
                 for v in (usage.get("prompt_tokens"), usage.get("completion_tokens")))


def _choice(config: OpenAIBackendConfig, data: dict) -> tuple[str, str | None, tuple]:
    """(text, finish_reason, (prompt tokens, completion tokens)) of a response."""
    try:
        choice = data["choices"][0]
        text = choice["message"]["content"] if config.endpoint == "chat" else choice["text"]
    except (KeyError, IndexError, TypeError):
        raise ValueError(f"unexpected response shape: {str(data)[:200]}") from None
    if text is not None and not isinstance(text, str):
        raise ValueError(f"unexpected response shape: {str(data)[:200]}")
    # a chat message may carry content=None (e.g. a refusal)
    return text or "", choice.get("finish_reason"), _usage(data)


def _tokens(prompt: str | list[int], max_new_tokens: int) -> int:
    """What the request costs against a tokens-per-minute limit (OpenAI counts max_tokens)."""
    n = len(prompt) if isinstance(prompt, list) else math.ceil(len(prompt) / CHARS_PER_TOKEN)
    return n + max_new_tokens


def generate_choices(config: OpenAIBackendConfig, prompts: list[str | list[int]],
                     seeds: list[int], temperature: float, top_p: float, max_new_tokens: int,
                     stop: list[str] | None = None, progress=None,
                     extra: dict | None = None, client: ApiClient | None = None,
                     on_result: Callable[[int, tuple], None] | None = None,
                     ) -> list[tuple[str, str | None, tuple]]:
    """(text, finish_reason, (prompt tokens, completion tokens)) per prompt, in input order; a prompt may be token ids on the
    completion endpoint. Sends NEUTRAL and `extra` with every request. `client` (open_client)
    keeps connections and rate limits across calls; without it one is opened for this call.
    on_result(index, choice) is called in this thread as each request finishes, so a caller can
    keep finished requests before the whole call is done."""
    if len(prompts) != len(seeds):
        raise ValueError(f"seeds must match prompts: {len(seeds)} seeds for {len(prompts)} prompts")
    if client is None:
        with open_client(config) as own:
            return generate_choices(config, prompts, seeds, temperature, top_p,
                                    max_new_tokens, stop, progress, extra, own, on_result)
    common = {"model": config.model, "temperature": temperature, "top_p": top_p,
              "max_tokens": max_new_tokens, "n": 1, **NEUTRAL, **(extra or {})}
    if stop:
        common["stop"] = list(stop)

    def one(prompt: str | list[int], seed: int) -> tuple:
        if config.endpoint == "chat":
            body = {**common, "messages": [{"role": "user", "content": prompt}], "seed": seed}
        else:
            body = {**common, "prompt": prompt, "seed": seed}
        try:
            return client.post(body, _tokens(prompt, max_new_tokens),
                               parse=lambda data: _choice(config, data), cancel=cancel)
        except BaseException:
            cancel.set()  # here, before this worker picks up the next prompt
            raise

    results: list[tuple | None] = [None] * len(prompts)
    cancel = threading.Event()
    pool = ThreadPoolExecutor(max_workers=config.max_concurrency)
    futures = {}

    def finished(fut):
        i = futures[fut]
        results[i] = fut.result()
        if on_result is not None:
            on_result(i, results[i])
        if progress is not None:
            progress(1)

    try:
        futures = {pool.submit(one, p, s): i for i, (p, s) in enumerate(zip(prompts, seeds))}
        for fut in as_completed(futures):
            finished(fut)
    except BaseException:
        # Send nothing more, but let the requests on the wire finish (each within timeout_s):
        # they are paid for, and on_result keeps them. A second Ctrl-C drops them.
        cancel.set()
        try:
            pool.shutdown(wait=True, cancel_futures=True)
            for fut, i in futures.items():
                if results[i] is None and fut.done() and not fut.cancelled() \
                        and fut.exception() is None:
                    finished(fut)
        except BaseException:  # noqa: BLE001 - the first failure is the one to report
            log.warning("dropping the requests still in flight")
        raise
    pool.shutdown()
    return results


class OpenAIBackend(Backend):
    """The backend contract (backend_api.Backend) over generate_choices() above, with one client
    (connections, rate limiter) for the whole stage."""

    keeps_partial = True  # complete() reports each request as it finishes (stages/generate.py)

    def __init__(self, params: Params, model_name: str, domain: str):
        self.spec = params.model(model_name)
        self.cleaning = params.generate.cleaning
        api = self.spec.api
        if api.api_key_env and not os.environ.get(api.api_key_env) and \
                "api.openai.com" in api.base_url:
            raise MissingResource(f"models.{model_name}: set the API key in ${api.api_key_env}")
        self.config = config_of(api, "chat" if self.spec.family == "instruct" else "completion")
        self.path, self.revision, self.device = api.base_url, api.model, "api"
        self.extra = VLLM_NEUTRAL if api.vllm_server else {}
        self.client = open_client(self.config)
        self.tok = None
        if api.tokenizer and self.config.endpoint == "completion":
            from transformers import AutoTokenizer

            try:
                self.tok = AutoTokenizer.from_pretrained(api.tokenizer)
            except OSError as e:
                raise missing_hint("tokenizer", api.tokenizer, e) from None

    def model_input(self, prompt: str) -> str:
        return prompt  # the server applies the chat template on the chat endpoint

    def complete(self, requests: list[Request], decoding: DecodingSpec, max_new_tokens: int,
                 on_result: Callable[[int, Completion], None] | None = None) -> list[Completion]:
        """One Completion per request, in order; on_result(i, completion) as each arrives."""
        prompts = [prompt_token_ids(self.tok, r.text) if self.tok else r.text for r in requests]
        stop = self.cleaning.stop_strings

        def one(choice) -> Completion:
            text, reason, (prompt_tokens, output_tokens) = choice
            return completion(text, reason == "length", self.cleaning, prompt_tokens,
                              output_tokens)

        def done(i, choice):
            if on_result is not None:
                on_result(i, one(choice))

        choices = generate_choices(self.config, prompts, [r.seed for r in requests],
                                   decoding.temperature, decoding.top_p, max_new_tokens,
                                   stop=stop, extra=self.extra, client=self.client,
                                   on_result=done)
        return [one(c) for c in choices]


def config_of(api, endpoint: str) -> OpenAIBackendConfig:
    """The backend config of a model's params `api` section (config/api.py ApiSpec)."""
    return OpenAIBackendConfig(
        base_url=api.base_url, model=api.model, endpoint=endpoint, api_key_env=api.api_key_env,
        max_concurrency=api.max_concurrency, timeout_s=api.timeout_s,
        max_retries=api.max_retries, max_backoff_s=api.max_backoff_s,
        retry_budget_s=api.retry_budget_s, requests_per_minute=api.requests_per_minute,
        tokens_per_minute=api.tokens_per_minute)
