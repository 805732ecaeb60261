"""`validate`'s preflight: a missing key, a retired model, no quota, a locked or uncached hub
repo and a full disk are reported before the first stage, in seconds; the mini profile stays
offline. Servers are fakes on 127.0.0.1."""
import json
import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from synthlens.config import Params
from synthlens.tools import preflight

from conftest import ROOT, run_cli
from fake_api import KEY_ENV, FakeAPI, api  # noqa: F401  (api: a fixture)


def with_api_model(mini_params, base_url, family="instruct") -> Params:
    mini_params["models"]["api-model"] = {
        "family": family, "source": "api", "backend": "openai",
        "prompt": "instruction" if family == "instruct" else "completion",
        "api": {"base_url": base_url, "model": "served", "api_key_env": KEY_ENV}}
    mini_params["grid"]["models"] = ["api-model"] + mini_params["grid"]["models"]
    return Params.model_validate(mini_params)


def test_the_mini_profile_checks_nothing_outside_and_imports_no_network_client():
    code = ("import sys; from synthlens.cli import main; "
            "rc = main(['--params', 'profiles/mini.yaml', 'validate']); "
            "print('loaded:', sorted(m for m in ('huggingface_hub', 'httpx2') if m in sys.modules));"
            " sys.exit(rc)")
    start = time.monotonic()
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "nothing outside to check" in out.stdout
    assert "loaded: []" in out.stdout
    assert time.monotonic() - start < 30


def test_a_working_api_model_passes_with_one_one_token_request(api, mini_params, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-test")
    lines = preflight.run(with_api_model(mini_params, api.base_url))
    assert len(api.requests) == 1
    body = api.requests[0]["body"]
    assert body["max_tokens"] == 1 and body["model"] == "served"
    assert api.requests[0]["headers"]["Authorization"] == "Bearer sk-test"
    assert any("api-model" in line and "answered" in line for line in lines)


@pytest.mark.parametrize("status, error, expect", [
    (404, {"message": "The model `davinci` has been deprecated", "code": "model_not_found"},
     "has been deprecated"),
    (401, {"message": "Incorrect API key provided"}, "HTTP 401.*Incorrect API key"),
    (429, {"message": "You exceeded your current quota", "code": "insufficient_quota"},
     "no quota left"),
])
def test_a_retired_model_a_bad_key_and_no_quota_fail_at_once(api, mini_params, status, error,
                                                              expect):
    api.every = lambda n: {"status": status, "body": {"error": error}}
    start = time.monotonic()
    with pytest.raises(preflight.PreflightError, match=rf"models\.api-model.*{expect}"):
        preflight.run(with_api_model(mini_params, api.base_url))
    assert time.monotonic() - start < 5
    assert len(api.requests) == 1


def test_a_rate_limited_account_passes_with_a_note(api, mini_params, capsys):
    api.every = lambda n: {"status": 429, "headers": {"Retry-After": "120"},
                           "body": {"error": {"message": "Rate limit reached for requests"}}}
    preflight.run(with_api_model(mini_params, api.base_url, family="vanilla"))
    assert "rate-limited right now" in capsys.readouterr().out
    assert api.requests[0]["path"] == "/v1/completions"


def test_a_missing_openai_key_fails_without_a_request(mini_params, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    params = with_api_model(mini_params, "https://api.openai.com/v1")
    with pytest.raises(preflight.PreflightError, match=rf"no API key: set \${KEY_ENV}"):
        preflight.run(params)
    assert preflight.run(params, skip_api=True) == []


def test_validate_fails_on_the_cli_with_exit_2(api, mini_params, write_params):
    api.every = lambda n: {"status": 404, "body": {"error": {"message": "no such model"}}}
    with_api_model(mini_params, api.base_url)
    path = write_params(mini_params)
    out = run_cli("--params", str(path), "validate")
    assert out.returncode == 2
    assert "models.api-model" in out.stderr and "no such model" in out.stderr
    assert run_cli("--params", str(path), "validate", "--params-only").returncode == 0


def test_api_models_after_local_ones_get_a_note_and_the_paper_profile_lists_them_first(
        mini_params):
    params = with_api_model(mini_params, "http://127.0.0.1:9/v1")
    assert preflight.order_note(params) is None
    mini_params["grid"]["models"] = mini_params["grid"]["models"][1:] + ["api-model"]
    assert "api-model" in preflight.order_note(Params.model_validate(mini_params))
    paper = Params.model_validate(yaml.safe_load((ROOT / "profiles/paper.yaml").read_text()))
    assert preflight.api_models(paper) and preflight.order_note(paper) is None


def test_dvc_runs_the_paper_profiles_api_generate_stages_before_the_hub_ones(tmp_path):
    """What the order in grid.models buys: dvc repro's own stage order, in a fresh clone."""
    for name in ("dvc.yaml", ".gitignore", ".dvcignore"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "data" / "raw", tmp_path / "data" / "raw")
    shutil.copytree(ROOT / "data" / "human_labels", tmp_path / "data" / "human_labels")
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "profiles" / "paper.yaml", tmp_path / "params.yaml")
    dvc = [str(ROOT / ".venv" / "bin" / "dvc")] if (ROOT / ".venv/bin/dvc").exists() else \
        [sys.executable, "-m", "dvc"]
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(dvc + ["init", "-q"], cwd=tmp_path, check=True)
    out = subprocess.run(dvc + ["repro", "--dry", "--force-downstream"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    stages = [line.split("'")[1] for line in out.stdout.splitlines()
              if line.startswith("Running stage")]
    generates = [s.split("@")[1] for s in stages if s.startswith("generate@")]
    paper = Params.model_validate(yaml.safe_load((ROOT / "profiles/paper.yaml").read_text()))
    api = preflight.api_models(paper)
    assert len(api) == 2 and generates[:len(api)] == api
    first_hub = stages.index(f"generate@{generates[len(api)]}")
    assert all(stages.index(f"generate@{m}") < first_hub for m in api)
    # before them only the quick per-domain and per-model stages: no generation, no training
    assert {s.split("@")[0] for s in stages[:stages.index(f"generate@{api[0]}")]} == \
        {"prepare", "describe_generator"}
    # each model is scored right after its own generation, before the next model's (issue 16)
    for model, after in zip(generates, generates[1:]):
        assert stages.index(f"generate@{model}") < stages.index(f"evaluate@{model}") < \
            stages.index(f"generate@{after}"), (model, stages)


# --- hub repos -------------------------------------------------------------------------------

def with_hub_model(mini_params, repo="org/tiny-model") -> dict:
    mini_params["models"]["hubby"] = {"family": "vanilla", "source": "hub", "path": repo,
                                      "prompt": "completion"}
    mini_params["grid"]["models"] = ["hubby"]
    mini_params.pop("templates", None)
    mini_params.pop("mixtures", None)
    return mini_params


def test_offline_an_uncached_hub_model_fails_fast_naming_make_download(mini_params, tmp_path,
                                                                       monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    params = Params.model_validate(with_hub_model(mini_params))
    start = time.monotonic()
    with pytest.raises(preflight.PreflightError, match=r"org/tiny-model.*not in the HF cache.*"
                       r"make download"):
        preflight.run(params)
    assert time.monotonic() - start < 5

    # the same model in the cache (the hub cache's layout: refs/main -> snapshots/<commit>)
    repo = tmp_path / "hf" / "hub" / "models--org--tiny-model"
    commit = "0123456789abcdef0123456789abcdef01234567"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    (repo / "snapshots" / commit).mkdir(parents=True)
    (repo / "snapshots" / commit / "config.json").write_text("{}")
    assert preflight.run(params) == ["org/tiny-model: in the HF cache"]


class FakeHub:
    """/api/models/<repo>: 403 for gated/*, else a model whose one file has `size` bytes."""

    def __init__(self, size):
        fake = self
        self.paths = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.paths.append(self.path)
                repo = self.path.split("?")[0].removeprefix("/api/models/")
                if repo.startswith("gated/"):
                    status, body, headers = 403, {"error": "Access to model is restricted"}, \
                        {"X-Error-Code": "GatedRepo"}
                else:
                    status, headers = 200, {}
                    body = {"id": repo, "sha": "0" * 40, "siblings": [
                        {"rfilename": "model.safetensors", "size": size},
                        {"rfilename": "README.md", "size": 10 ** 15}]}  # not fetched
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def online_env(tmp_path, hub):
    return {"HF_HUB_OFFLINE": "0", "HF_DATASETS_OFFLINE": "0", "TRANSFORMERS_OFFLINE": "0",
            "HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf"), "HF_TOKEN": ""}


@pytest.mark.parametrize("repo, size, expect, rc", [
    ("org/tiny-model", 1000, "access OK, 0.00 GB to fetch", 0),
    ("gated/llama", 1000, "gated/llama': access denied.*HF_TOKEN", 2),
    ("org/huge-model", 10 ** 16, "not enough disk for the hub files: 10000000.0 GB", 2),
])
def test_online_hub_access_and_disk_space(mini_params, write_params, tmp_path, repo, size,
                                          expect, rc):
    hub = FakeHub(size)
    try:
        path = write_params(with_hub_model(mini_params, repo))
        out = run_cli("--params", str(path), "validate", env=online_env(tmp_path, hub))
    finally:
        hub.stop()
    assert out.returncode == rc, out.stdout + out.stderr
    import re

    assert re.search(expect, out.stdout + out.stderr, re.S), out.stdout + out.stderr
    assert any(p.startswith(f"/api/models/{repo}") for p in hub.paths)
