"""One persistent HTTP client for a JSON API, with pacing and retries that outlast a 429 storm.

- Connections are kept alive and reused (httpx2's pool, one connection per concurrent worker), so
  a run of thousands of requests does not open thousands of TLS connections.
- Every request first waits its turn at the RateLimiter (ratelimit.py) and every response's
  x-ratelimit-* headers tighten it.
- Transient failures (429, 408, 409, 5xx, timeouts, dropped connections) are retried until the
  request's time budget (retry_budget_s) is spent, not a fixed number of tries: a Retry-After
  (or retry-after-ms) header is honoured, else the wait is a capped exponential backoff with
  jitter (uniform in [d/2, d], d = min(max_backoff_s, backoff_s x 2^attempt)). A 429 also pauses
  every other worker for that wait. A malformed 200 (not JSON, or not the expected shape) is
  retried at most MALFORMED_RETRIES times: a proxy's hiccup passes, a wrong endpoint fails fast.
- Anything else (400, 401, 403, 404, and a 429 that says the quota is used up) fails at once,
  with the server's message and the API key masked, so a bad key, a retired model or an empty
  account is reported in seconds.
"""
from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
from dataclasses import dataclass
from typing import Callable

import httpx2

from .ratelimit import RateLimiter

log = logging.getLogger(__name__)

# 408/409 are what proxies and OpenAI send for "try again"; other 4xx will not get better.
RETRYABLE_4XX = {408, 409, 429}
MALFORMED_RETRIES = 2
# OpenAI answers 429 both for "too fast" and for "no money left"; only the first passes.
QUOTA_CODES = {"insufficient_quota", "billing_hard_limit_reached"}


class BackendError(RuntimeError):
    """A request failed for good (non-retryable status, or its retry budget spent)."""


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None,
                 rate_limited: bool = False, malformed: bool = False):
        super().__init__(message)
        self.retry_after, self.rate_limited, self.malformed = retry_after, rate_limited, malformed


@dataclass(frozen=True)
class RetryPolicy:
    budget_s: float = 900.0          # per request, from its first try
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    max_retries: int | None = None   # None: the budget alone decides

    def backoff(self, attempt: int, rng: random.Random) -> float:
        d = min(self.max_backoff_s, self.backoff_s * 2 ** attempt)
        return rng.uniform(d / 2, d)  # jitter spreads out workers that failed together


def retry_after_s(headers, now: float | None = None) -> float | None:
    """The server's requested wait: retry-after-ms, or Retry-After in seconds or as an HTTP date."""
    ms = headers.get("retry-after-ms")
    try:
        if ms is not None:
            return max(float(ms) / 1000, 0.0)
    except ValueError:
        pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(when - (time.time() if now is None else now), 0.0)


def server_message(raw: bytes) -> tuple[str, str | None]:
    """The error text of a response body, and its error code (OpenAI's error.code) if any."""
    text = raw.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        return text.strip()[:500], None
    err = data.get("error", data) if isinstance(data, dict) else data
    code = None
    if isinstance(err, dict):
        code = err.get("code") or err.get("type")
        err = err.get("message", err)
    return str(err)[:500], code if isinstance(code, str) else None


class ApiClient:
    """POSTs JSON bodies to one URL; thread-safe (the workers of a pool share it)."""

    def __init__(self, url: str, headers: dict, timeout_s: float, max_connections: int,
                 policy: RetryPolicy, limiter: RateLimiter | None = None, secret: str = "",
                 clock: Callable[[], float] = time.monotonic, rng: random.Random | None = None):
        self.url, self.policy, self.secret = url, policy, secret
        self.limiter = limiter or RateLimiter()
        self.clock, self.rng = clock, rng or random.Random()
        self.http = httpx2.Client(headers=headers, timeout=timeout_s, limits=httpx2.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections))
        self.timeout_s = timeout_s

    def close(self) -> None:
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _mask(self, text: str) -> str:
        # OpenAI echoes (part of) a bad key; it must not reach logs or tracebacks
        return text.replace(self.secret, "***") if self.secret else text

    def _once(self, body: dict, parse: Callable[[dict], object]):
        try:
            resp = self.http.post(self.url, json=body)
        except httpx2.TimeoutException:
            raise _Retryable(f"request to {self.url} timed out after {self.timeout_s} s") from None
        except httpx2.TransportError as e:
            raise _Retryable(f"connection error for {self.url}: {e!r}") from None
        self.limiter.update(resp.headers)
        if resp.status_code >= 400:
            text, code = server_message(resp.content)
            message = self._mask(f"HTTP {resp.status_code} from {self.url}: {text}")
            if resp.status_code == 429 and code in QUOTA_CODES:
                raise BackendError(f"{message} (the account has no quota left; retrying will "
                                   f"not help)")
            if resp.status_code in RETRYABLE_4XX or resp.status_code >= 500:
                raise _Retryable(message, retry_after_s(resp.headers),
                                 rate_limited=resp.status_code == 429)
            raise BackendError(message)
        try:
            return parse(resp.json())
        except ValueError as e:
            raise _Retryable(self._mask(f"malformed response from {self.url}: {e}"),
                             malformed=True) from None

    def post(self, body: dict, tokens: int = 0, parse: Callable[[dict], object] = lambda d: d,
             cancel: threading.Event | None = None):
        """parse(JSON body) of the first good answer; parse raises ValueError on a bad shape.
        Once `cancel` is set no new attempt starts (the one on the wire finishes)."""
        cancel = cancel or threading.Event()
        start = self.clock()
        deadline = start + self.policy.budget_s
        malformed = 0
        for attempt in range(10 ** 9):
            self.limiter.acquire(tokens)
            if cancel.is_set():
                raise BackendError("cancelled: another request of the batch failed")
            try:
                return self._once(body, parse)
            except _Retryable as e:
                malformed += e.malformed
                spent = self.clock() - start
                tail = f"gave up after {attempt + 1} attempts in {spent:.1f} s"
                if e.malformed and malformed > MALFORMED_RETRIES:
                    raise BackendError(f"{e} ({tail})") from None
                if self.policy.max_retries is not None and attempt >= self.policy.max_retries:
                    raise BackendError(f"{e} ({tail})") from None
                delay = e.retry_after
                if delay is None:
                    delay = self.policy.backoff(attempt, self.rng)
                if self.clock() + delay > deadline:
                    raise BackendError(f"{e} ({tail}; retry_budget_s {self.policy.budget_s:g} "
                                       f"s would be exceeded by the next wait of {delay:.1f} s)"
                                       ) from None
                if e.rate_limited:
                    self.limiter.pause(delay)
                log.warning("%s; retry %d in %.2f s (%.0f s of the retry budget left)", e,
                            attempt + 1, delay, deadline - self.clock())
                if cancel.wait(delay):
                    raise BackendError(f"{e} (cancelled: another request of the batch failed)")
        raise AssertionError("unreachable")
