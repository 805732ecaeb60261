"""The API client against a local fake server (127.0.0.1): connection reuse, pacing to the
account's limits (params and x-ratelimit-* headers), retries that outlast a 429 storm within a
time budget, and failures that will not get better reported at once."""
import time

import pytest

from synthlens.generation.api_client import RetryPolicy, retry_after_s
from synthlens.generation.openai_backend import (BackendError, OpenAIBackendConfig,
                                                 generate_choices, open_client)
from synthlens.generation.ratelimit import RateLimiter, parse_duration

from fake_api import KEY_ENV, FakeAPI, api  # noqa: F401  (api: a fixture)


def config(api, **kw):
    defaults = dict(base_url=api.base_url, model="m", api_key_env=KEY_ENV, timeout_s=5.0,
                    backoff_s=0.01, max_backoff_s=0.05, retry_budget_s=10.0)
    return OpenAIBackendConfig(**{**defaults, **kw})


def run(cfg, prompts, **kw):
    """The completion texts, in input order."""
    return [c[0] for c in generate_choices(cfg, prompts, [7 + i for i in range(len(prompts))],
                                           1.0, 1.0, 8, **kw)]


def expected(prompts):
    return [f"echo:{p}|seed={7 + i}" for i, p in enumerate(prompts)]


def test_connections_are_reused_across_requests(api):
    prompts = [f"p{i}" for i in range(20)]
    assert run(config(api, max_concurrency=2), prompts) == expected(prompts)
    assert len(api.requests) == 20
    assert len(api.connections) <= 2  # one per worker, not one per request


def test_one_client_serves_several_batches_on_the_same_connection(api):
    cfg = config(api, max_concurrency=1)
    with open_client(cfg) as client:
        for batch in (["a", "b"], ["c", "d"]):
            generate_choices(cfg, batch, [1, 2], 1.0, 1.0, 8, client=client)
    assert len(api.connections) == 1


def test_requests_per_minute_paces_the_requests(api):
    # 300 a minute = 5 a second, bursts of at most one second's worth (5)
    prompts = [f"p{i}" for i in range(15)]
    start = time.monotonic()
    assert run(config(api, max_concurrency=8, requests_per_minute=300.0), prompts) == \
        expected(prompts)
    elapsed = time.monotonic() - start
    assert elapsed >= 10 / 5 - 0.1  # 5 at once, then 10 more at 5 a second
    times = sorted(r["t"] for r in api.requests)
    assert max(sum(1 for u in times if t <= u < t + 1.0) for t in times) <= 5 + 5


def test_tokens_per_minute_paces_by_prompt_and_max_tokens(api):
    # each request costs ceil(8 chars / 4) + 8 max_tokens = 10 tokens; 600 a minute = 10 a second
    prompts = [f"prompt{i:02d}" for i in range(5)]
    start = time.monotonic()
    run(config(api, max_concurrency=5, tokens_per_minute=600.0), prompts)
    assert time.monotonic() - start >= 4 * 10 / 10 - 0.1  # the first goes, 4 more at 1 a second


def test_the_servers_rate_limit_headers_slow_the_client_down(api):
    api.headers = {"x-ratelimit-limit-requests": "120"}  # 2 a second, params say nothing
    prompts = [f"p{i}" for i in range(7)]
    start = time.monotonic()
    run(config(api, max_concurrency=1), prompts)
    assert time.monotonic() - start >= 5 * 0.5 - 0.1


def test_remaining_zero_waits_for_the_reset(api):
    api.plan["first"] = [{"status": 200, "body": {"choices": [{"message": {"content": "x"}}]},
                          "headers": {"x-ratelimit-remaining-requests": "0",
                                      "x-ratelimit-limit-requests": "6000",
                                      "x-ratelimit-reset-requests": "800ms"}}]
    run(config(api, max_concurrency=1), ["first", "second"])
    t0, t1 = (r["t"] for r in api.requests)
    assert t1 - t0 >= 0.75


def test_a_429_storm_longer_than_five_retries_is_outlasted(api):
    storm_until = time.monotonic() + 1.0  # every request gets 429 for a second
    api.every = lambda n: ({"status": 429, "headers": {"Retry-After": "0.1"},
                            "body": {"error": {"message": "Rate limit reached"}}}
                           if time.monotonic() < storm_until else None)
    prompts = [f"p{i}" for i in range(4)]
    assert run(config(api, max_concurrency=4), prompts) == expected(prompts)
    assert max(api.count(p) for p in prompts) > 6  # more than 5 retries were needed
    # Retry-After was honoured: no prompt came back sooner than 0.1 s after its last 429
    for p in prompts:
        times = [r["t"] for r in api.requests if r["body"]["messages"][0]["content"] == p]
        assert all(b - a >= 0.095 for a, b in zip(times, times[1:]))


def test_the_retry_budget_bounds_a_dead_server(api):
    api.every = lambda n: {"status": 503, "body": {"error": {"message": "overloaded"}}}
    start = time.monotonic()
    with pytest.raises(BackendError, match=r"HTTP 503.*overloaded.*retry_budget_s 1"):
        run(config(api, retry_budget_s=1.0, backoff_s=0.05, max_backoff_s=0.1), ["x"])
    assert time.monotonic() - start < 1.5
    assert api.count("x") > 6  # the budget, not a count of five tries, decided


def test_a_retry_after_beyond_the_budget_fails_at_once(api):
    api.every = lambda n: {"status": 429, "headers": {"Retry-After": "30"},
                           "body": {"error": {"message": "slow down"}}}
    start = time.monotonic()
    with pytest.raises(BackendError, match="slow down"):
        run(config(api, retry_budget_s=5.0), ["x"])
    assert time.monotonic() - start < 2 and api.count("x") == 1


def test_no_quota_is_not_retried(api):
    api.every = lambda n: {"status": 429, "body": {"error": {
        "message": "You exceeded your current quota", "code": "insufficient_quota"}}}
    with pytest.raises(BackendError, match="no quota left"):
        run(config(api), ["x"])
    assert api.count("x") == 1


def test_a_malformed_answer_is_retried_then_succeeds(api):
    api.plan["a"] = [{"status": 200, "body": b"<html>502 Bad Gateway</html>"}]
    api.plan["b"] = [{"status": 200, "body": {"choices": []}}]
    assert run(config(api), ["a", "b"]) == expected(["a", "b"])
    assert api.count("a") == 2 and api.count("b") == 2


def test_an_endpoint_that_always_answers_garbage_fails_fast(api):
    api.every = lambda n: {"status": 200, "body": {"result": "not an OpenAI answer"}}
    with pytest.raises(BackendError, match="malformed response.*after 3 attempts"):
        run(config(api), ["x"])
    assert api.count("x") == 3


def test_a_slow_answer_times_out_and_is_retried(api):
    api.plan["slow"] = [{"sleep": 1.0}]
    assert run(config(api, timeout_s=0.3), ["slow"]) == expected(["slow"])
    assert api.count("slow") == 2


def test_after_a_hard_failure_no_new_request_starts(api):
    api.plan["bad"] = [{"status": 401, "body": {"error": {"message": "invalid key"}}}]
    prompts = ["bad"] + [f"p{i}" for i in range(30)]
    with pytest.raises(BackendError, match="401"):
        run(config(api, max_concurrency=2), prompts)
    assert len(api.requests) <= 3


def test_retry_after_forms():
    assert retry_after_s({"retry-after": "2"}) == 2.0
    assert retry_after_s({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    # an HTTP date 5 s after `now` (Tue, 01 Dec 2026 00:00:00 GMT = 1796083200)
    assert retry_after_s({"retry-after": "Tue, 01 Dec 2026 00:00:05 GMT"},
                         now=1796083200.0) == 5.0
    assert retry_after_s({"retry-after": "soon"}) is None
    assert retry_after_s({}) is None


def test_reset_durations_in_openai_format():
    assert parse_duration("1s") == 1.0
    assert parse_duration("6m0s") == 360.0
    assert parse_duration("20ms") == 0.02
    assert parse_duration("1h2m3.5s") == 3723.5
    assert parse_duration("0.5") == 0.5
    assert parse_duration("later") is None


def test_backoff_is_capped_exponential_with_jitter():
    import random

    policy = RetryPolicy(backoff_s=1.0, max_backoff_s=10.0)
    rng = random.Random(0)
    for attempt, ceiling in [(0, 1.0), (1, 2.0), (2, 4.0), (3, 8.0), (4, 10.0), (9, 10.0)]:
        waits = [policy.backoff(attempt, rng) for _ in range(200)]
        assert all(ceiling / 2 <= w <= ceiling for w in waits)
        assert max(waits) - min(waits) > ceiling / 4  # jittered, not one fixed value


def test_limiter_with_a_fake_clock_spaces_requests_evenly():
    now = [0.0]
    slept = []

    def sleep(s):
        slept.append(s)
        now[0] += s

    limiter = RateLimiter(requests_per_minute=60, clock=lambda: now[0], sleep=sleep)
    starts = []
    for _ in range(5):
        limiter.acquire()
        starts.append(now[0])
    assert starts == pytest.approx([0.0, 1.0, 2.0, 3.0, 4.0])  # 60 a minute: one a second
    limiter.pause(10.0)
    limiter.acquire()
    assert now[0] == pytest.approx(14.0)
