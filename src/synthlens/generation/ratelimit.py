"""Client-side pacing for an HTTP API: requests and tokens per minute, and a shared pause.

Two token buckets (requests, tokens) refill continuously at limit/60 per second and hold at
most one second's worth, so a run spreads its requests evenly instead of sending a minute's
quota in a burst (OpenAI enforces its per-minute limits over shorter windows too). A request
goes out when both buckets hold its cost (one request; prompt + max_tokens tokens) and takes it
out of them; a request larger than a full bucket goes when the bucket is full and leaves it in
debt, so the next ones wait until it has refilled.

The server's x-ratelimit-* headers (OpenAI, vLLM behind a gateway, Azure) tighten the pace: a
lower x-ratelimit-limit-* than params' replaces it, and x-ratelimit-remaining-* = 0 empties the
bucket until x-ratelimit-reset-*. A 429 pauses every worker (pause()), so one rate-limited
request does not leave 63 others to run into the same wall.
"""
from __future__ import annotations

import re
import threading
import time

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(value: str | None) -> float | None:
    """Seconds in an x-ratelimit-reset-* value: "1s", "6m0s", "20ms", "1h2m3.5s" or "0.5"."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    parts = _DURATION.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        return None
    return sum(float(n) * _UNIT_S[u] for n, u in parts)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class _Bucket:
    def __init__(self, per_minute: float | None, now: float):
        self.rate = None  # per second; None: unlimited
        self.level = 0.0
        self.stamp = now
        self.set_limit(per_minute, now)
        if self.rate is not None:
            self.level = self.capacity  # a run starts with one second's worth

    def set_limit(self, per_minute: float | None, now: float) -> None:
        """Lower the limit to per_minute (never raise it)."""
        if per_minute is None or per_minute <= 0:
            return
        rate = per_minute / 60.0
        if self.rate is None or rate < self.rate:
            self.refill(now)
            self.rate = rate
            self.level = min(self.level, self.capacity)

    @property
    def capacity(self) -> float:
        return max(self.rate, 1.0)  # one second's worth, at least one unit

    def refill(self, now: float) -> None:
        if self.rate is not None:
            self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_s(self, cost: float) -> float:
        """Until the bucket holds the cost (at most its capacity: a big request may overdraw)."""
        need = min(cost, self.capacity) if self.rate is not None else 0.0
        if self.rate is None or self.level >= need:
            return 0.0
        return (need - self.level) / self.rate

    def empty_for(self, seconds: float) -> None:
        if self.rate is not None:
            self.level = min(self.level, -seconds * self.rate)


class RateLimiter:
    """Blocks acquire() until a request of `tokens` tokens may go; thread-safe."""

    def __init__(self, requests_per_minute: float | None = None,
                 tokens_per_minute: float | None = None, clock=time.monotonic,
                 sleep=time.sleep):
        self.clock, self.sleep = clock, sleep
        self.lock = threading.Lock()
        now = clock()
        self.requests = _Bucket(requests_per_minute, now)
        self.tokens = _Bucket(tokens_per_minute, now)
        self.paused_until = now

    @property
    def limits(self) -> tuple[float | None, float | None]:
        """The requests and tokens per minute in force (None: not limited)."""
        return tuple(b.rate * 60 if b.rate is not None else None
                     for b in (self.requests, self.tokens))

    def _wait_s(self, now: float, tokens: int) -> float:
        self.requests.refill(now)
        self.tokens.refill(now)
        return max(self.paused_until - now, self.requests.wait_s(1),
                   self.tokens.wait_s(tokens))

    def acquire(self, tokens: int = 0) -> float:
        """Wait for a request's turn; returns the seconds waited."""
        waited = 0.0
        while True:
            with self.lock:
                now = self.clock()
                delay = self._wait_s(now, tokens)
                if delay <= 0:
                    if self.requests.rate is not None:
                        self.requests.level -= 1
                    if self.tokens.rate is not None:
                        self.tokens.level -= tokens
                    return waited
            self.sleep(delay)
            waited += delay

    def pause(self, seconds: float) -> None:
        """Hold back every request for `seconds` (after a 429)."""
        with self.lock:
            self.paused_until = max(self.paused_until, self.clock() + seconds)

    def update(self, headers) -> None:
        """Tighten the pace from a response's x-ratelimit-* headers (a Mapping, any case)."""
        get = getattr(headers, "get", None)
        if get is None:
            return
        with self.lock:
            now = self.clock()
            for name, bucket in (("requests", self.requests), ("tokens", self.tokens)):
                bucket.set_limit(_number(get(f"x-ratelimit-limit-{name}")), now)
                remaining = _number(get(f"x-ratelimit-remaining-{name}"))
                reset = parse_duration(get(f"x-ratelimit-reset-{name}"))
                if remaining is not None and remaining <= 0 and reset:
                    bucket.refill(now)
                    bucket.empty_for(reset)
