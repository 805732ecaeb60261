"""Partial shards of API models: requests finished inside an unfinished shard survive a crash,
the resumed run does not send them again, and the dataset equals an uninterrupted run's."""
import json

import pytest

from synthlens.config import Params
from synthlens.generation.openai_backend import BackendError
from synthlens.layout import shard_dir, synthetic_file
from synthlens.records import read_jsonl
from synthlens.stages import generate

from fake_api import api_cwd, one_api_cell, prompt_of  # noqa: F401 (api_cwd: a fixture)

KEY_ENV = "SYNTHLENS_TEST_API_KEY"
N = 12  # 6 per label; shard_size 8: shard 0 holds samples 0-7, shard 1 samples 8-11


@pytest.fixture
def api(api_cwd):
    return api_cwd


def params_for(mini_params, base_url) -> Params:
    return one_api_cell(mini_params, base_url, N)


def seeds_sent(api, start=0):
    return [r["body"]["seed"] for r in api.requests[start:]]


def test_a_crash_mid_shard_keeps_the_paid_requests_and_the_resume_sends_only_the_rest(
        api, mini_params):
    params = params_for(mini_params, api.base_url)
    # request 7 (the 7th of shard 0) is refused for good: the stage dies mid-shard
    api.every = lambda n: {"status": 400, "body": {"error": {"message": "bad request"}}} \
        if n == 6 else None
    with pytest.raises(BackendError, match="bad request"):
        generate.run(params, "api-model")
    first = seeds_sent(api)
    answered = first[:6] + first[7:]  # a request already on the wire when #7 failed is answered
    assert 7 <= len(first) < 8 + 1
    work = shard_dir("api-model", "reviews", "t1_0")
    partial = read_jsonl(work / "partial-00000.jsonl")
    assert sorted(r["seed"] for r in partial) == sorted(answered)  # every paid answer, on disk
    assert not synthetic_file("api-model", "reviews", "t1_0").exists()

    api.every = None
    generate.run(params, "api-model")
    resumed = seeds_sent(api, len(first))
    assert len(resumed) == N - len(answered)  # nothing answered before is asked again
    assert not set(resumed) & set(answered)
    rows = read_jsonl(synthetic_file("api-model", "reviews", "t1_0"))
    assert [r["sample_index"] for r in rows] == list(range(N))
    assert all(r["text"] == f"echo:{r['prompt']}|seed={r['seed']}" for r in rows)
    assert not work.exists()

    # an uninterrupted run writes the very same dataset
    synthetic_file("api-model", "reviews", "t1_0").unlink()
    (synthetic_file("api-model", "reviews", "t1_0").parents[1] / "fingerprints.json").unlink()
    generate.run(params, "api-model")
    assert read_jsonl(synthetic_file("api-model", "reviews", "t1_0")) == rows


def test_a_line_cut_off_by_the_crash_is_asked_again(api, mini_params):
    params = params_for(mini_params, api.base_url)
    generate.run(params, "api-model")
    full = read_jsonl(synthetic_file("api-model", "reviews", "t1_0"))
    sent = len(api.requests)
    assert sent == N

    # as a run killed while writing its third sample leaves it: two rows and a cut-off line
    work = shard_dir("api-model", "reviews", "t1_0")
    work.mkdir(parents=True)
    (work / "fingerprint.json").write_text(json.dumps(
        {"fingerprint": generate.fingerprint(params, "api-model", "reviews", "t1_0")}))
    lines = [json.dumps(r, ensure_ascii=False) for r in full[:3]]
    (work / "partial-00000.jsonl").write_text(lines[0] + "\n" + lines[1] + "\n" +
                                                   lines[2][:40])
    synthetic_file("api-model", "reviews", "t1_0").unlink()
    generate.run(params, "api-model")
    again = [prompt_of(r["body"]) for r in api.requests[sent:]]
    assert len(again) == N - 2
    assert read_jsonl(synthetic_file("api-model", "reviews", "t1_0")) == full


def test_pacing_params_do_not_invalidate_paid_datasets(mini_params, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = params_for(mini_params, "http://127.0.0.1:9/v1")
    mini_params["models"]["api-model"]["api"].update(
        requests_per_minute=500.0, tokens_per_minute=90000.0, max_concurrency=4,
        retry_budget_s=60.0, timeout_s=30.0)
    paced = Params.model_validate(mini_params)
    assert generate.fingerprint(base, "api-model", "reviews", "t1_0") == \
        generate.fingerprint(paced, "api-model", "reviews", "t1_0")
    mini_params["models"]["api-model"]["api"]["model"] = "another-model"
    other = Params.model_validate(mini_params)
    assert generate.fingerprint(base, "api-model", "reviews", "t1_0") != \
        generate.fingerprint(other, "api-model", "reviews", "t1_0")


@pytest.mark.parametrize("sig", ["SIGINT", "SIGKILL"])
def test_ctrl_c_or_kill_mid_shard_then_rerun_repeats_no_answered_request(api, mini_params, sig):
    import os
    import signal
    import subprocess
    import sys
    import time

    import yaml

    params_for(mini_params, api.base_url)
    mini_params["generate"].update(shard_size=64)  # one shard: nothing finishes before the kill
    with open("params.yaml", "w") as fh:
        yaml.safe_dump(mini_params, fh)
    # 0.5 s an answer: 12 answers take 6 s, so a loaded machine still kills mid-shard
    api.every = lambda n: {"sleep": 0.5}
    cmd = [sys.executable, "-m", "synthlens", "generate", "--model", "api-model"]
    partial = shard_dir("api-model", "reviews", "t1_0") / "partial-00000.jsonl"
    # a Ctrl-C as in a terminal: SIGINT at its default in the child even where this test runs
    # with it ignored (a background job of a non-interactive shell, as CI may start it)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (
            not partial.is_file() or partial.read_text().count("\n") < 3):
        time.sleep(0.02)
    os.kill(proc.pid, getattr(signal, sig))
    proc.wait(timeout=30)
    kept = read_jsonl(partial)
    assert 3 <= len(kept) < N
    assert not synthetic_file("api-model", "reviews", "t1_0").exists()
    sent = len(api.requests)

    api.every = None
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    resumed = seeds_sent(api, sent)
    assert len(resumed) == N - len(kept)
    assert not set(resumed) & {r["seed"] for r in kept}
    rows = read_jsonl(synthetic_file("api-model", "reviews", "t1_0"))
    assert [r["sample_index"] for r in rows] == list(range(N))
    assert all(r["text"] == f"echo:{r['prompt']}|seed={r['seed']}" for r in rows)
