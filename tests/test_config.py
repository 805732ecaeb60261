"""Bad params fail before any work, naming the key."""
import time

import pytest
import yaml

from synthlens.config import ConfigError, DomainSpec, load_params

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
    # a generator named like a directory of data/metrics that is not a generator's
    (lambda p: p["models"].update(mixtures=p["models"]["gpt2-mini"]),
     "models.mixtures: 'mixtures' is taken"),
    # strict types: a YAML boolean or text is not a number
    (lambda p: p["decodings"]["t1_5"].update(temperature=True),
     "decodings.t1_5.temperature: Input should be a valid number, not true"),
    (lambda p: p["train_generator"].update(vocab_size="1e9"),
     "train_generator.vocab_size: Input should be a valid integer, not the text '1e9' "
     "(YAML reads it as text; write 1000000000)"),
    (lambda p: p["classifier"].update(learning_rate="5e-5"),
     "classifier.learning_rate: Input should be a valid number, not the text '5e-5' "
     "(YAML reads it as text; write 5.0e-05)"),
    (lambda p: p["generate"].update(samples_per_label=16.0), "generate.samples_per_label"),
    (lambda p: p["classifier"].update(seeds=[0, "1"]), "classifier.seeds.1"),
    # upper bounds: a typo fails here, not after allocating gigabytes
    (lambda p: p["train_generator"].update(vocab_size=10_000_000),
     "train_generator.vocab_size: Input should be less than or equal to 100000"),
    (lambda p: p["train_generator"].update(n_embd=81920), "train_generator.n_embd"),
    (lambda p: p["generate"].update(max_new_tokens=1_000_000), "generate.max_new_tokens"),
    (lambda p: p["classifier"].update(learning_rate=2), "classifier.learning_rate"),
    (lambda p: p["decodings"]["t1_5"].update(temperature=15), "decodings.t1_5.temperature"),
    (lambda p: p["domains"]["reviews"].update(n_train=100_000_000), "domains.reviews.n_train"),
    (lambda p: p["evaluate"].update(mauve_samples=10**7), "evaluate.mauve_samples"),
    (lambda p: p["domains"]["news"].update(samples_per_label=0), "domains.news.samples_per_label"),
    # local split files
    (lambda p: p["domains"]["questions"].update(source="hub", path={"train": "a.csv"}),
     "domains.questions.path: Value error, a mapping of split name to file needs source 'local'"),
    (lambda p: p["domains"]["questions"].update(path={"training": "a.csv"}),
     "train_split: 'train' is not a key of path (keys: ['training'])"),
    (lambda p: p["domains"]["questions"].update(path={"train": "a.csv", "dev": "b.csv"},
                                                test_split="test"),
     "test_split: 'test' is not a key of path"),
    (lambda p: p["domains"]["questions"].update(path=["a.csv"]),
     "domains.questions.path: Value error, expected a file path, or a mapping"),
])
def test_bad_params_name_the_key(mini_params, write_params, mutate, key):
    mutate(mini_params)
    with pytest.raises(ConfigError) as err:
        load_params(write_params(mini_params))
    assert key in str(err.value)


def test_yaml_reads_an_exponent_without_a_dot_as_text():
    """Why strings in number fields are worth a hint: 1e9 is text to YAML 1.1."""
    assert yaml.safe_load("a: 1e9\nb: 1.0e+9\nc: 1000000000") == {
        "a": "1e9", "b": 1e9, "c": 1_000_000_000}


def test_int_where_a_float_belongs_is_fine(mini_params, write_params):
    mini_params["decodings"]["t1_5"]["temperature"] = 1
    mini_params["classifier"]["learning_rate"] = 1
    params = load_params(write_params(mini_params))
    assert params.decodings["t1_5"].temperature == 1.0
    assert isinstance(params.decodings["t1_5"].temperature, float)


def test_a_domain_samples_per_label_overrides_generate(mini_params, write_params):
    mini_params["generate"]["samples_per_label"] = 7
    mini_params["domains"]["reviews"]["samples_per_label"] = 64
    mini_params["domains"]["news"].pop("samples_per_label", None)
    params = load_params(write_params(mini_params))
    assert params.samples_per_label("reviews") == 64
    assert params.samples_per_label("news") == 7


def test_local_split_files_mapping():
    common = dict(source="local", labels=["a", "b"], subject="note")
    spec = DomainSpec(**common, path={"train": "x_train.csv", "test": "x_test.csv"})
    assert spec.test_split == "test" and spec.train_split == "train"
    spec = DomainSpec(**common, path={"train": "x_train.csv", "dev": "x_dev.csv"})
    assert spec.test_split is None  # no test file: a test split is carved with test_ratio
    spec = DomainSpec(**common, path={"train": "t.csv", "dev": "d.csv"}, test_split="dev")
    assert spec.test_split == "dev"
    assert DomainSpec(**common, path="x.csv").path == "x.csv"


@pytest.mark.parametrize("profile", ["params.yaml", "profiles/mini.yaml", "profiles/paper.yaml"])
def test_cli_validates_the_shipped_profiles(profile):
    # the paper profile's preflight needs its API key and hub cache (tests/test_preflight.py)
    only = ["--params-only"] if profile == "profiles/paper.yaml" else []
    result = run_cli("--params", profile, "validate", *only, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_cli_rejects_bad_params_before_work(mini_params, write_params):
    mini_params["classifier"]["epocs"] = 3
    path = write_params(mini_params)
    start = time.monotonic()
    result = run_cli("--params", str(path), "generate", "--model", "gpt2-mini",
                     cwd=path.parent)  # a slip past validation writes in tmp, not here
    assert result.returncode == 2
    assert "classifier.epocs: unknown key" in result.stderr
    assert time.monotonic() - start < 30  # a validation error, not a model load


def test_cli_rejects_unknown_cell_names(write_params, mini_params):
    path = write_params(mini_params)
    result = run_cli("--params", str(path), "evaluate-reference", "--domain", "imdb",
                     cwd=path.parent)
    assert result.returncode == 2
    assert "unknown domain 'imdb'" in result.stderr
    result = run_cli("--params", str(path), "generate", "--model", "gpt-5", cwd=path.parent)
    assert result.returncode == 2
    assert "unknown model 'gpt-5'" in result.stderr


def test_missing_params_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_params(tmp_path / "nope.yaml")
