"""Bad params fail before any work, naming the key."""
import time

import pytest

from synthlens.config import ConfigError, load_params

from conftest import ROOT, run_cli


def test_shipped_params_validate():
    params = load_params(ROOT / "params.yaml")
    assert params.profile == "mini"
    assert len(params.grid.decodings) >= 4


@pytest.mark.parametrize("mutate, key", [
    (lambda p: p["generate"].update(batch_sise=8), "generate.batch_sise: unknown key"),
    (lambda p: p["generate"].update(batch_size="eight"), "generate.batch_size"),
    (lambda p: p.update(extra_stage={}), "extra_stage: unknown key"),
    (lambda p: p["decodings"]["t0_5"].update(temperature=-1), "decodings.t0_5.temperature"),
    (lambda p: p["grid"]["models"].append("gpt5"), "grid.models: 'gpt5' is not defined"),
    (lambda p: p["grid"]["domains"].append("imdb"), "grid.domains: 'imdb' is not defined"),
    (lambda p: p["models"]["gpt2-mini"].update(prompt="nope"), "models.gpt2-mini.prompt"),
    (lambda p: p["domains"]["news"].update(source="web"), "domains.news.source"),
    (lambda p: p["decodings"].update({"t0.7": {"temperature": 0.7}}), "decodings.t0.7"),
])
def test_bad_params_name_the_key(mini_params, write_params, mutate, key):
    mutate(mini_params)
    with pytest.raises(ConfigError) as err:
        load_params(write_params(mini_params))
    assert key in str(err.value)


def test_cli_rejects_bad_params_before_work(mini_params, write_params):
    mini_params["classifier"]["epocs"] = 3
    path = write_params(mini_params)
    start = time.monotonic()
    result = run_cli("--params", str(path), "generate", "--model", "gpt2-mini",
                     "--domain", "reviews", "--decoding", "t0_5")
    assert result.returncode == 2
    assert "classifier.epocs: unknown key" in result.stderr
    assert time.monotonic() - start < 30  # a validation error, not a model load


def test_cli_rejects_unknown_cell_names(write_params, mini_params):
    path = write_params(mini_params)
    result = run_cli("--params", str(path), "evaluate", "--model", "gpt2-mini",
                     "--domain", "imdb", "--decoding", "t0_5")
    assert result.returncode == 2
    assert "unknown domain 'imdb'" in result.stderr


def test_missing_params_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_params(tmp_path / "nope.yaml")
