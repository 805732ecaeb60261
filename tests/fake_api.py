"""A fake OpenAI-compatible server on 127.0.0.1 for the API tests: keep-alive HTTP/1.1, every
request recorded with its arrival time and connection, and scripted misbehaviour (status codes,
headers, sleeps, malformed bodies) per prompt or for all requests."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

KEY_ENV = "SYNTHLENS_TEST_API_KEY"   # the API key variable the tests' API models name


def prompt_of(body):
    prompt = body["messages"][0]["content"] if "messages" in body else body["prompt"]
    return json.dumps(prompt) if isinstance(prompt, list) else prompt  # token ids


class FakeAPI:
    """plan[prompt]: steps answered before the default reply, one per request of that prompt;
    `every` (a function of the request number, from 0) may return a step for any request.
    A step: {status, body (dict, or bytes sent as they are), headers, sleep}; a step without
    status sleeps, then gives the default reply. The default reply is deterministic in the
    prompt and the seed, as a seeded server would be."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []   # dicts: path, headers, body, t (monotonic), conn (client address)
        self.plan = {}
        self.every = None
        self.headers = {}    # added to every reply

    def count(self, prompt):
        return sum(1 for r in self.requests if prompt_of(r["body"]) == prompt)

    @property
    def connections(self):
        return {r["conn"] for r in self.requests}

    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real API servers do
            disable_nagle_algorithm = True  # else each reply waits for a delayed ACK (40 ms)

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with fake.lock:
                    n = len(fake.requests)
                    fake.requests.append({"path": self.path, "headers": dict(self.headers),
                                          "body": body, "t": time.monotonic(),
                                          "conn": self.client_address})
                    steps = fake.plan.get(prompt_of(body), [])
                    step = steps.pop(0) if steps else (fake.every(n) if fake.every else None)
                step = step or {}
                time.sleep(step.get("sleep", 0.0))
                if "status" in step:
                    self.reply(step["status"], step.get("body", {}), step.get("headers", {}))
                    return
                text = f"echo:{prompt_of(body)}|seed={body.get('seed')}"
                if self.path.endswith("/chat/completions"):
                    choice = {"message": {"role": "assistant", "content": text},
                              "finish_reason": "stop"}
                else:
                    choice = {"text": text, "finish_reason": "stop"}
                # usage as the API reports it (here: words), for the ledger's token counts
                used = {"prompt_tokens": len(prompt_of(body).split()),
                        "completion_tokens": len(text.split())}
                self.reply(200, {"choices": [choice], "usage": used})

            def reply(self, status, payload, headers=None):
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in {**fake.headers, **(headers or {})}.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def api(monkeypatch):
    """A running FakeAPI, with no API key in the environment; stopped after the test."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    fake = FakeAPI().start()
    yield fake
    fake.stop()


@pytest.fixture
def api_cwd(monkeypatch, tmp_path):
    """api's server, with a fresh tmp_path as the working directory (a stage writes data/
    there)."""
    monkeypatch.chdir(tmp_path)
    yield from api.__wrapped__(monkeypatch)


def one_api_cell(raw: dict, base_url: str, samples: int, **api):
    """Params of raw (the builtin fixture) with one model, api-model, on this server: the
    reviews x t1_0 cell, `samples` samples (half a label), shards of 8, batches of 4, 8 new
    tokens; api: more of its api section (prices, a cap)."""
    from synthlens.config import Params

    raw["models"]["api-model"] = {
        "family": "instruct", "source": "api", "backend": "openai", "prompt": "instruction",
        "api": {"base_url": base_url, "model": "served", "api_key_env": KEY_ENV,
                "max_concurrency": 1, "retry_budget_s": 5.0, **api}}
    raw["domains"]["reviews"]["samples_per_label"] = samples // 2
    raw["generate"].update(shard_size=8, batch_size=4, max_new_tokens=8)
    raw["grid"] = {"models": ["api-model"], "domains": ["reviews"], "decodings": ["t1_0"]}
    raw.pop("templates", None)
    raw.pop("mixtures", None)
    return Params.model_validate(raw)
