"""Generation backends on the paper profile's architectures (tiny local models) and an
OpenAI-compatible server on 127.0.0.1; resuming after kill -9."""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from synthlens.config import DecodingSpec, Params, load_params
from synthlens.generation.backends import load_backend
from synthlens.generation.hf_backend import HFBackend
from synthlens.generation.sampling import Request
from synthlens.layout import shard_dir, synthetic_file
from synthlens.records import read_jsonl

from conftest import ROOT
from tiny_models import save_causal_lm


def paper_like(tmp_path, models: dict, domains=("questions",), decodings=("t1_0",)) -> dict:
    """The paper profile's shape with local models and the shipped CSV domain."""
    params = yaml.safe_load((ROOT / "profiles" / "paper.yaml").read_text())
    mini = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["domains"]["questions"] = dict(mini["domains"]["questions"],
                                          path=str(ROOT / "data/raw/questions.csv"))
    params["models"] = models
    params["templates"], params["mixtures"] = {}, {}  # they name the profile's own models
    params["probe"]["enabled"] = False
    params["grid"] = {"models": list(models), "domains": list(domains),
                      "decodings": list(decodings)}
    params["generate"].update(samples_per_label=2, max_new_tokens=6, batch_size=4, shard_size=2)
    return params


@pytest.mark.parametrize("kind", ["llama", "falcon", "gpt2", "qwen2"])
@pytest.mark.parametrize("family", ["vanilla", "instruct"])
def test_hf_backend_runs_each_architecture(tmp_path, monkeypatch, kind, family):
    path = save_causal_lm(kind, tmp_path / kind, chat=family == "instruct")
    prompt = "instruction" if family == "instruct" else "completion"
    params = Params.model_validate(paper_like(tmp_path, {
        "m": {"family": family, "source": "local", "path": str(path), "prompt": prompt}}))
    backend = load_backend(params, "m", "questions")
    assert isinstance(backend, HFBackend)
    text = backend.model_input("Write a positive movie review.")
    assert text.startswith("<|user|>") == (family == "instruct")
    requests = [Request(text, seed) for seed in (1, 2, 3)]
    first = backend.complete(requests, DecodingSpec(temperature=1.0, top_p=0.9), 6)
    assert first == backend.complete(requests, DecodingSpec(temperature=1.0, top_p=0.9), 6)
    assert len(first) == 3
    assert backend.revision.startswith("local-")


def test_instruct_model_without_chat_template_is_a_clear_error(tmp_path):
    path = save_causal_lm("llama", tmp_path / "m", chat=False)
    params = Params.model_validate(paper_like(tmp_path, {
        "m": {"family": "instruct", "source": "local", "path": str(path),
              "prompt": "instruction"}}))
    with pytest.raises(ValueError, match="chat_template"):
        load_backend(params, "m", "questions").model_input("hi")


def test_missing_hub_model_offline_fails_fast(tmp_path, monkeypatch):
    from synthlens.hub import MissingResource

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    params = Params.model_validate(paper_like(tmp_path, {
        "m": {"family": "vanilla", "source": "hub", "path": "meta-llama/Llama-2-7b-hf",
              "prompt": "completion"}}))
    start = time.monotonic()
    with pytest.raises(MissingResource, match="meta-llama/Llama-2-7b-hf.*make download"):
        load_backend(params, "m", "questions")
    assert time.monotonic() - start < 30


# ------------------------------------------------------------- OpenAI-compatible server
class FakeServer:
    """Answers /v1/completions and /v1/chat/completions with the prompt's seed in the text,
    slowly enough that a test can kill a client in the middle."""

    def __init__(self, delay_s: float = 0.0):
        self.delay_s, self.seen = delay_s, []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.seen.append((self.path, body))
                time.sleep(server.delay_s)
                text = f"synthetic text {body['seed']}"
                choice = ({"message": {"role": "assistant", "content": text}}
                          if self.path.endswith("chat/completions") else {"text": text})
                data = json.dumps({"choices": [choice]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = FakeServer()
    yield s
    s.close()


def api_model(url, family):
    return {"family": family, "source": "api", "backend": "openai",
            "prompt": "instruction" if family == "instruct" else "completion",
            "api": {"base_url": url, "model": "served-model", "api_key_env": "NO_KEY_HERE",
                    "max_concurrency": 2, "timeout_s": 10}}


@pytest.mark.parametrize("family, endpoint", [("instruct", "/v1/chat/completions"),
                                              ("vanilla", "/v1/completions")])
def test_openai_backend_through_generate(tmp_path, monkeypatch, server, family, endpoint):
    from synthlens.stages import generate

    monkeypatch.chdir(tmp_path)
    params = Params.model_validate(paper_like(tmp_path, {"api-model": api_model(server.url,
                                                                                 family)}))
    done = generate.run(params, "api-model")
    assert (done["generated"], done["kept"]) == (1, 0)
    rows = read_jsonl(synthetic_file("api-model", "questions", "t1_0"))
    assert len(rows) == 6 and all(r["text"] == f"synthetic text {r['seed']}" for r in rows)
    assert {path for path, _ in server.seen} == {endpoint}
    body = server.seen[0][1]
    assert body["model"] == "served-model" and body["temperature"] == 1.0
    assert rows[0]["model_revision"] == "served-model" and rows[0]["backend"] == "openai"


def test_kill_9_in_the_middle_then_rerun_loses_and_duplicates_nothing(tmp_path):
    server = FakeServer(delay_s=0.15)
    try:
        params = paper_like(tmp_path, {"api-model": api_model(server.url, "instruct")})
        params["models"]["api-model"]["api"]["max_concurrency"] = 1
        params["generate"].update(samples_per_label=8, shard_size=4, batch_size=4)
        (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
        cmd = [sys.executable, "-m", "synthlens", "generate", "--model", "api-model"]
        work = tmp_path / shard_dir("api-model", "questions", "t1_0")
        proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not list(work.glob("shard-*.jsonl")) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        done = sorted(p.name for p in work.glob("shard-*.jsonl"))
        assert 1 <= len(done) < 6, done  # killed in the middle: some shards, not all
        assert not (tmp_path / synthetic_file("api-model", "questions", "t1_0")).exists()
        seen_before = len(server.seen)
        result = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        rows = read_jsonl(tmp_path / synthetic_file("api-model", "questions", "t1_0"))
        assert [r["sample_index"] for r in rows] == list(range(24))
        assert all(r["text"] == f"synthetic text {r['seed']}" for r in rows)
        # finished shards were not asked for again
        assert len(server.seen) - seen_before <= 24 - 4 * len(done)
    finally:
        server.close()


# ------------------------------------------------------------- the paper profile itself
def test_download_lists_what_the_paper_profile_needs():
    from synthlens.tools.download import needs

    items = needs(load_params(ROOT / "profiles" / "paper.yaml"))
    ids = {repo for _, repo, _, _ in items}
    assert {"stanfordnlp/sst2", "meta-llama/Llama-2-7b-chat-hf", "gpt2-large",
            "distilbert-base-uncased"} <= ids
    assert not any("api.openai.com" in i for i in ids)


def test_download_refuses_to_run_offline(monkeypatch):
    from synthlens.tools.download import run
    from synthlens.hub import MissingResource

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(MissingResource, match="needs the network"):
        run(load_params(ROOT / "profiles" / "paper.yaml"))


def test_every_shipped_profile_validates():
    for path in (ROOT / "profiles").glob("*.yaml"):
        load_params(path)
