"""The openai backend: generation through an OpenAI-compatible HTTP API (OpenAI, vLLM, TGI,
llama.cpp server).

The HTTP client is stdlib only, so the paper profile's API models need no extra dependency.
Vanilla models use the completion endpoint, instruct models the chat endpoint. Requests run in a
bounded thread pool; transient failures (429, 5xx, timeouts, dropped connections) are retried
with exponential backoff, anything else fails at once so a bad model name or key is reported
in seconds instead of after a long retry loop.

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

import json
import logging
import os
import random
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from http.client import HTTPException

from ..config import DecodingSpec, Params
from ..hub import MissingResource, missing_hint
from .prompts import prompt_token_ids
from .sampling import Completion, Request, completion

log = logging.getLogger(__name__)

# 408/409 are what proxies and OpenAI send for "try again"; other 4xx will not get better.
RETRYABLE_4XX = {408, 409, 429}
MAX_SLEEP_S = 60.0
NEUTRAL = {"presence_penalty": 0.0, "frequency_penalty": 0.0}
VLLM_NEUTRAL = {"top_k": -1, "min_p": 0.0, "repetition_penalty": 1.0}


class BackendError(RuntimeError):
    """A request failed for good (non-retryable status, or retries exhausted)."""


@dataclass(frozen=True)
class OpenAIBackendConfig:
    base_url: str
    model: str
    endpoint: str = "chat"
    api_key_env: str = "OPENAI_API_KEY"
    max_concurrency: int = 8
    timeout_s: float = 60.0
    max_retries: int = 5
    backoff_s: float = 1.0

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
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")
        if self.backoff_s < 0:
            raise ValueError(f"backoff_s must be >= 0, got {self.backoff_s}")

    @property
    def url(self) -> str:
        path = "chat/completions" if self.endpoint == "chat" else "completions"
        return f"{self.base_url.rstrip('/')}/{path}"


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def _server_message(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        return text.strip()[:500]
    err = data.get("error", data) if isinstance(data, dict) else data
    if isinstance(err, dict):
        err = err.get("message", err)
    return str(err)[:500]


def _retry_after(headers) -> float | None:
    try:  # only the delta-seconds form; an HTTP-date falls back to our own backoff
        return min(max(float(headers.get("Retry-After")), 0.0), MAX_SLEEP_S)
    except (TypeError, ValueError):
        return None


def _post_once(config: OpenAIBackendConfig, body: dict, headers: dict) -> dict:
    req = urllib.request.Request(config.url, data=json.dumps(body).encode(), headers=headers,
                                 method="POST")
    try:
        with urllib.request.urlopen(req, timeout=config.timeout_s) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as e:
        message = f"HTTP {e.code} from {config.url}: {_server_message(e.read())}"
        secret = headers.get("Authorization", "").removeprefix("Bearer ")
        if secret:  # OpenAI echoes (part of) a bad key; it must not reach logs or tracebacks
            message = message.replace(secret, "***")
        if e.code in RETRYABLE_4XX or e.code >= 500:
            raise _Retryable(message, _retry_after(e.headers)) from None
        raise BackendError(message) from None
    # urllib wraps timeouts during connect in URLError but lets those while reading escape bare
    except (TimeoutError, urllib.error.URLError, ConnectionError, HTTPException) as e:
        reason = getattr(e, "reason", e)
        if isinstance(reason, TimeoutError):
            raise _Retryable(f"request to {config.url} timed out after {config.timeout_s} s") from None
        raise _Retryable(f"connection error for {config.url}: {reason!r}") from None
    try:
        return json.loads(raw)
    except ValueError:
        raise BackendError(f"non-JSON response from {config.url}: {raw[:200]!r}") from None


def _post(config: OpenAIBackendConfig, body: dict, headers: dict) -> dict:
    for attempt in range(config.max_retries + 1):
        try:
            return _post_once(config, body, headers)
        except _Retryable as e:
            if attempt == config.max_retries:
                raise BackendError(f"{e} (gave up after {attempt + 1} attempts)") from None
            delay = e.retry_after
            if delay is None:  # jitter spreads out workers that failed together
                delay = min(config.backoff_s * 2 ** attempt + random.uniform(0, config.backoff_s),
                            MAX_SLEEP_S)
            log.warning("%s; retry %d/%d in %.2f s", e, attempt + 1, config.max_retries, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


def _choice(config: OpenAIBackendConfig, data: dict) -> tuple[str, str | None]:
    try:
        choice = data["choices"][0]
        text = choice["message"]["content"] if config.endpoint == "chat" else choice["text"]
    except (KeyError, IndexError, TypeError):
        raise BackendError(f"unexpected response shape from {config.url}: {str(data)[:200]}") from None
    # a chat message may carry content=None (e.g. a refusal)
    return text or "", choice.get("finish_reason")


def generate(config: OpenAIBackendConfig, prompts: list[str], seeds: list[int],
             temperature: float, top_p: float, max_new_tokens: int,
             stop: list[str] | None = None, progress=None) -> list[str]:
    """One completion text per prompt, in input order (generate_choices without reasons)."""
    return [text for text, _ in generate_choices(config, prompts, seeds, temperature, top_p,
                                                 max_new_tokens, stop, progress)]


def generate_choices(config: OpenAIBackendConfig, prompts: list[str | list[int]],
                     seeds: list[int], temperature: float, top_p: float, max_new_tokens: int,
                     stop: list[str] | None = None, progress=None,
                     extra: dict | None = None) -> list[tuple[str, str | None]]:
    """(text, finish_reason) per prompt, in input order; a prompt may be token ids on the
    completion endpoint. Sends NEUTRAL and `extra` with every request; see the module
    docstring for retries."""
    if len(prompts) != len(seeds):
        raise ValueError(f"seeds must match prompts: {len(seeds)} seeds for {len(prompts)} prompts")
    headers = {"Content-Type": "application/json"}
    key = os.environ.get(config.api_key_env, "")
    if key:  # local servers need no key, and some reject an empty Bearer token
        headers["Authorization"] = f"Bearer {key}"
    common = {"model": config.model, "temperature": temperature, "top_p": top_p,
              "max_tokens": max_new_tokens, "n": 1, **NEUTRAL, **(extra or {})}
    if stop:
        common["stop"] = list(stop)

    def one(prompt: str | list[int], seed: int) -> tuple[str, str | None]:
        if config.endpoint == "chat":
            body = {**common, "messages": [{"role": "user", "content": prompt}], "seed": seed}
        else:
            body = {**common, "prompt": prompt, "seed": seed}
        return _choice(config, _post(config, body, headers))

    results: list[tuple[str, str | None] | None] = [None] * len(prompts)
    pool = ThreadPoolExecutor(max_workers=config.max_concurrency)
    try:
        futures = {pool.submit(one, p, s): i for i, (p, s) in enumerate(zip(prompts, seeds))}
        for fut in as_completed(futures):
            results[futures[fut]] = fut.result()
            if progress is not None:
                progress(1)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)  # don't send the rest after a failure
        raise
    pool.shutdown()
    return results


class OpenAIBackend:
    """The backend interface (see backends.py) over generate() above."""

    def __init__(self, params: Params, model_name: str, domain: str):
        self.spec = params.model(model_name)
        self.cleaning = params.generate.cleaning
        api = self.spec.api
        if api.api_key_env and not os.environ.get(api.api_key_env) and \
                "api.openai.com" in api.base_url:
            raise MissingResource(f"models.{model_name}: set the API key in ${api.api_key_env}")
        self.config = OpenAIBackendConfig(
            base_url=api.base_url, model=api.model,
            endpoint="chat" if self.spec.family == "instruct" else "completion",
            api_key_env=api.api_key_env, max_concurrency=api.max_concurrency,
            timeout_s=api.timeout_s, max_retries=api.max_retries)
        self.path, self.revision, self.device = api.base_url, api.model, "api"
        self.extra = VLLM_NEUTRAL if api.vllm_server else {}
        self.tok = None
        if api.tokenizer and self.config.endpoint == "completion":
            from transformers import AutoTokenizer

            try:
                self.tok = AutoTokenizer.from_pretrained(api.tokenizer)
            except OSError as e:
                raise missing_hint("tokenizer", api.tokenizer, e) from None

    def model_input(self, prompt: str) -> str:
        return prompt  # the server applies the chat template on the chat endpoint

    def complete(self, requests: list[Request], decoding: DecodingSpec,
                 max_new_tokens: int) -> list[Completion]:
        prompts = [prompt_token_ids(self.tok, r.text) if self.tok else r.text for r in requests]
        choices = generate_choices(self.config, prompts, [r.seed for r in requests],
                                   decoding.temperature, decoding.top_p, max_new_tokens,
                                   stop=self.cleaning.stop_strings, extra=self.extra)
        return [completion(text, reason == "length", self.cleaning) for text, reason in choices]
