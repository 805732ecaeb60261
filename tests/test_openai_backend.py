"""The OpenAI-compatible backend against a real HTTP server on 127.0.0.1."""
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from synthlens.config import DecodingSpec, Params
from synthlens.generation.openai_backend import (BackendError, OpenAIBackend,
                                                 OpenAIBackendConfig, generate_choices)
from synthlens.generation.prompts import prompt_token_ids
from synthlens.generation.sampling import Completion, Request

from tiny_models import bos_tokenizer

KEY_ENV = "SYNTHLENS_TEST_API_KEY"


class FakeServer:
    """Records every request; `plan[prompt]` lists responses to give before the default echo.

    A plan step is a dict with optional keys status, body, headers and sleep (seconds before
    answering; with no status, the default success follows the sleep)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []          # (path, headers, body) in arrival order
        self.plan = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.sleep_s = 0.0          # added to every request, for the concurrency test

    def count(self, prompt):
        return sum(1 for _, _, body in self.requests if prompt_of(body) == prompt)


def prompt_of(body):
    prompt = body["messages"][0]["content"] if "messages" in body else body["prompt"]
    return json.dumps(prompt) if isinstance(prompt, list) else prompt  # token ids


def make_handler(fake):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with fake.lock:
                fake.requests.append((self.path, dict(self.headers), body))
                fake.in_flight += 1
                fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                steps = fake.plan.get(prompt_of(body), [])
                step = steps.pop(0) if steps else {}
            try:
                time.sleep(step.get("sleep", 0.0) + fake.sleep_s)
                if "status" in step:
                    self.reply(step["status"], step.get("body", {}), step.get("headers", {}))
                elif self.path == "/v1/chat/completions":
                    text = f"echo:{prompt_of(body)}"
                    self.reply(200, {"choices": [{"message": {"role": "assistant", "content": text}}]})
                elif self.path == "/v1/completions":
                    self.reply(200, {"choices": [{"text": f"echo:{prompt_of(body)}"}]})
                else:
                    self.reply(404, {"error": {"message": f"no route {self.path}"}})
            finally:
                with fake.lock:
                    fake.in_flight -= 1

        def reply(self, status, payload, headers=None):
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that timed out leaves a broken pipe behind; that is expected here


@pytest.fixture
def server(monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    fake = FakeServer()
    httpd = QuietServer(("127.0.0.1", 0), make_handler(fake))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    yield fake
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def config(fake, **kw):
    defaults = dict(base_url=fake.base_url, model="test-model", api_key_env=KEY_ENV,
                    timeout_s=5.0, max_retries=3, backoff_s=0.01)
    return OpenAIBackendConfig(**{**defaults, **kw})


def run(cfg, prompts, **kw):
    """The completion texts, in input order."""
    args = dict(seeds=[100 + i for i in range(len(prompts))], temperature=0.7, top_p=0.9,
                max_new_tokens=32)
    return [c[0] for c in generate_choices(cfg, prompts, **{**args, **kw})]


def test_chat_returns_texts_in_order_and_sends_decoding_params(server):
    prompts = [f"prompt {i}" for i in range(6)]
    ticks = []
    out = run(config(server), prompts, stop=["\n\n"], progress=ticks.append)
    assert out == [f"echo:{p}" for p in prompts]
    assert ticks == [1] * len(prompts)
    assert len(server.requests) == len(prompts)
    by_prompt = {prompt_of(body): (path, body) for path, _, body in server.requests}
    for i, p in enumerate(prompts):
        path, body = by_prompt[p]
        assert path == "/v1/chat/completions"
        assert body["model"] == "test-model"
        assert body["messages"] == [{"role": "user", "content": p}]
        assert body["seed"] == 100 + i
        assert body["temperature"] == 0.7 and body["top_p"] == 0.9
        assert body["max_tokens"] == 32 and body["n"] == 1
        assert body["stop"] == ["\n\n"]


def test_completion_endpoint_sends_prompt_and_reads_text(server):
    out = run(config(server, endpoint="completion"), ["a", "b"])
    assert out == ["echo:a", "echo:b"]
    paths = {path for path, _, _ in server.requests}
    assert paths == {"/v1/completions"}
    assert sorted(body["prompt"] for _, _, body in server.requests) == ["a", "b"]
    assert all("stop" not in body and "messages" not in body for _, _, body in server.requests)


def test_429_with_retry_after_is_retried(server):
    server.plan["busy"] = [{"status": 429, "headers": {"Retry-After": "0"},
                            "body": {"error": {"message": "rate limited"}}}]
    assert run(config(server), ["busy", "calm"]) == ["echo:busy", "echo:calm"]
    assert server.count("busy") == 2
    assert server.count("calm") == 1


def test_500_is_retried_until_success(server):
    server.plan["flaky"] = [{"status": 500, "body": {"error": {"message": "boom"}}}] * 2
    assert run(config(server), ["flaky"]) == ["echo:flaky"]
    assert server.count("flaky") == 3


def test_500_gives_up_after_max_retries(server):
    server.plan["down"] = [{"status": 503, "body": {"error": {"message": "overloaded"}}}] * 10
    with pytest.raises(BackendError, match=r"HTTP 503.*overloaded.*after 3 attempts"):
        run(config(server, max_retries=2), ["down"])
    assert server.count("down") == 3


def test_400_fails_at_once_with_server_message(server):
    server.plan["bad"] = [{"status": 400,
                           "body": {"error": {"message": "max_tokens is too large"}}}]
    with pytest.raises(BackendError) as info:
        run(config(server), ["bad"])
    message = str(info.value)
    assert "400" in message and "max_tokens is too large" in message
    assert f"{server.base_url}/chat/completions" in message
    assert server.count("bad") == 1


def test_timeout_is_retried(server):
    server.plan["slow"] = [{"sleep": 1.0}]
    assert run(config(server, timeout_s=0.3), ["slow"]) == ["echo:slow"]
    assert server.count("slow") == 2


def test_timeout_without_retries_raises(server):
    server.plan["slow"] = [{"sleep": 1.0}]
    with pytest.raises(BackendError, match="timed out"):
        run(config(server, timeout_s=0.3, max_retries=0), ["slow"])
    assert server.count("slow") == 1


def test_connection_refused_is_reported(server):
    with socket.socket() as sock:  # a port that was free a moment ago, so nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cfg = config(server, base_url=f"http://127.0.0.1:{port}/v1", max_retries=1)
    with pytest.raises(BackendError, match="connection error"):
        run(cfg, ["x"])


def test_concurrency_is_bounded(server):
    server.sleep_s = 0.2
    prompts = [f"p{i}" for i in range(8)]
    start = time.monotonic()
    out = run(config(server, max_concurrency=2), prompts)
    elapsed = time.monotonic() - start
    assert out == [f"echo:{p}" for p in prompts]
    assert server.max_in_flight == 2
    assert elapsed >= 0.8 - 0.05  # 8 requests, 2 at a time, 0.2 s each


def test_authorization_header_from_env(server, monkeypatch):
    run(config(server), ["no key"])
    assert "Authorization" not in server.requests[-1][1]
    monkeypatch.setenv(KEY_ENV, "sk-test-123")
    run(config(server), ["with key"])
    assert server.requests[-1][1]["Authorization"] == "Bearer sk-test-123"


def test_api_key_never_in_error_message(server, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-secret-456")
    server.plan["denied"] = [{"status": 401, "body": {
        "error": {"message": "Incorrect API key provided: sk-secret-456"}}}]
    with pytest.raises(BackendError) as info:
        run(config(server), ["denied"])
    assert "401" in str(info.value) and "Incorrect API key" in str(info.value)
    assert "sk-secret-456" not in str(info.value)


@pytest.mark.parametrize("field, value", [
    ("base_url", "ftp://example.com/v1"), ("endpoint", "embeddings"), ("max_concurrency", 0),
    ("timeout_s", 0), ("max_retries", -1), ("backoff_s", -1.0), ("model", ""),
])
def test_bad_config_names_the_field(field, value):
    kw = {"base_url": "http://127.0.0.1:1/v1", "model": "m", field: value}
    with pytest.raises(ValueError, match=field):
        OpenAIBackendConfig(**kw)


def test_seeds_must_match_prompts(server):
    with pytest.raises(ValueError, match="seeds"):
        generate_choices(config(server), ["a", "b"], [1], 0.7, 0.9, 8)


def test_every_request_holds_the_penalties_neutral(server):
    run(config(server), ["a"])
    run(config(server, endpoint="completion"), ["b"])
    for _, _, body in server.requests:
        assert body["presence_penalty"] == 0 and body["frequency_penalty"] == 0
        assert not {"top_k", "min_p", "repetition_penalty"} & set(body)  # OpenAI rejects them


def api_backend(server, mini_params, family="vanilla", **api):
    mini_params["models"]["api-model"] = {
        "family": family, "source": "api", "backend": "openai",
        "prompt": "completion" if family == "vanilla" else "instruction",
        "api": {"base_url": server.base_url, "model": "served", "api_key_env": KEY_ENV, **api}}
    mini_params["generate"]["cleaning"] = {"stop_strings": ["###"]}
    return OpenAIBackend(Params.model_validate(mini_params), "api-model", "reviews")


def test_completion_prompts_go_as_the_token_ids_the_other_backends_feed(server, mini_params,
                                                                         tmp_path):
    bos_tokenizer().save_pretrained(tmp_path / "tok")
    backend = api_backend(server, mini_params, vllm_server=True, tokenizer=str(tmp_path / "tok"))
    ids = prompt_token_ids(bos_tokenizer(), "Write a positive movie review.")
    server.plan[json.dumps(ids)] = [{"status": 200, "body": {"choices": [
        {"text": "Sure! Here is a review: A superb", "finish_reason": "length"}]}}]
    out = backend.complete([Request("Write a positive movie review.", 7)],
                           DecodingSpec(temperature=1.0, top_p=0.9), 16)
    assert out == [Completion("A superb", "Sure! Here is a review: A superb", True)]
    body = server.requests[0][2]
    assert body["prompt"] == ids and ids.count(1) == 1 and ids[0] == 1  # one <s>
    assert body["stop"] == ["###"] and body["seed"] == 7
    assert (body["top_k"], body["min_p"], body["repetition_penalty"]) == (-1, 0.0, 1.0)


def test_without_a_tokenizer_prompts_go_as_text_and_a_stop_is_no_cut_off(server, mini_params):
    backend = api_backend(server, mini_params)
    server.plan["Here is a"] = [{"status": 200, "body": {"choices": [
        {"text": " dull film.", "finish_reason": "stop"}]}}]
    out = backend.complete([Request("Here is a", 1), Request("b", 2)],
                           DecodingSpec(temperature=1.0), 16)
    assert out == [Completion("dull film.", " dull film.", False),
                   Completion("echo:b", "echo:b", False)]
    assert sorted(body["prompt"] for _, _, body in server.requests) == ["Here is a", "b"]
    assert all("top_k" not in body for _, _, body in server.requests)
