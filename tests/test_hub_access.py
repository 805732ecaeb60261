"""Hub access: a streaming domain reads only its named splits and the rows its caps need, and
reads them back offline from the cache; make download names gated repos and goes on past a
refused one."""
import json
import shutil

import pytest

from synthlens.config import ConfigError, DomainSpec, load_params
from synthlens.domains.reference import load_reference
from synthlens.domains.streamed import splits_to_read
from synthlens.hub import MissingResource

from conftest import ROOT


@pytest.fixture
def datasets_cache(tmp_path, monkeypatch):
    """A private datasets cache, so the test neither reads nor fills the user's."""
    import datasets

    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "cache")
    return tmp_path / "cache"


def reddit_like(root, rows=60):
    """A local dataset laid out like a hub dataset with one split per subreddit (README.md
    configs), plus a split that nobody names and that no JSON parser can read."""
    (root / "data").mkdir(parents=True)
    for split in ("askscience", "AskHistorians"):
        with open(root / "data" / f"{split}.jsonl", "w") as f:
            for i in range(rows):
                f.write(json.dumps({"title": f"{split} question {i}", "score": i}) + "\n")
    (root / "data" / "broken.jsonl").write_text("{this is not json\n")
    (root / "README.md").write_text(
        "---\nconfigs:\n- config_name: default\n  data_files:\n"
        + "".join(f"  - split: {s}\n    path: data/{s}.jsonl\n"
                  for s in ("askscience", "AskHistorians", "broken"))
        + "---\n")
    return root


def eli5_like(path, **kw):
    spec = dict(source="hub", path=str(path), text_field="title", subject="question",
                split_labels={"askscience": "science", "AskHistorians": "history"},
                labels=["science", "history"], test_ratio=0.2, max_train=30, max_test=9,
                streaming=True, shuffle_buffer=20)
    spec.update(kw)
    return DomainSpec(**spec)


def test_streaming_reads_only_the_named_splits_and_the_rows_the_caps_need(tmp_path,
                                                                          datasets_cache):
    data = reddit_like(tmp_path / "reddit")
    spec = eli5_like(data)
    # 30 train rows after carving 20 %: ceil(30 / 0.8) = 38; 9 test rows: ceil(9 / 0.2) = 45;
    # 45 split over two classes is 23 each, +1 for rounding
    assert splits_to_read(spec) == {"askscience": 24, "AskHistorians": 24}
    train, test = load_reference(spec, "eli5", seed=0)
    assert (len(train), len(test)) == (30, 9)
    texts = [r["text"] for r in train + test]
    assert len(set(texts)) == 39  # train and test do not overlap
    for split, label in (("askscience", "science"), ("AskHistorians", "history")):
        mine = [r for r in train + test if r["text"].startswith(split)]
        assert 0 < len(mine) <= 24
        assert {r["label_name"] for r in mine} == {label}
    # the seeded shuffle buffer: not simply the first rows of each split
    numbers = {int(t.rsplit(" ", 1)[1]) for t in texts}
    assert max(numbers) >= 24
    # the same seed gives the same sample; another seed another one
    assert load_reference(spec, "eli5", seed=0) == (train, test)
    assert load_reference(spec, "eli5", seed=1)[0] != train
    # without streaming, the datasets library prepares every split, the broken one included
    with pytest.raises(Exception):
        load_reference(eli5_like(data, streaming=False), "eli5", seed=0)


def test_streamed_rows_are_read_back_offline_from_the_cache(tmp_path, datasets_cache):
    """What make download streamed, the prepare stage reads with the source gone."""
    data = reddit_like(tmp_path / "reddit")
    spec = eli5_like(data)
    first = load_reference(spec, "eli5", seed=0)
    shutil.rmtree(data)
    assert load_reference(spec, "eli5", seed=0) == first
    with pytest.raises(MissingResource, match="make download"):
        load_reference(spec, "eli5", seed=2)  # a sample never fetched: no network, no data


def test_make_download_fills_the_cache_that_prepare_reads_offline(tmp_path, datasets_cache,
                                                                   mini_params, write_params):
    """download streams a streaming domain's rows (not the whole dataset); prepare then reads
    exactly those rows back with the source gone."""
    from synthlens.tools import download

    data = reddit_like(tmp_path / "reddit")
    mini_params["domains"]["eli5"] = eli5_like(data).model_dump(exclude_defaults=True)
    mini_params["grid"]["domains"] = mini_params["train_generator"]["domains"] = ["eli5"]
    params = load_params(write_params(mini_params))
    got = download._fetch(params, "dataset", str(data), None, None)
    assert got["splits"] == {"askscience": 24, "AskHistorians": 24}
    shutil.rmtree(data)
    train, test = load_reference(params.domain("eli5"), "eli5", seed=params.seed)
    assert (len(train), len(test)) == (30, 9)


def test_streaming_names_a_missing_column(tmp_path, datasets_cache):
    spec = eli5_like(reddit_like(tmp_path / "reddit"), text_field="body")
    with pytest.raises(ValueError, match="domains.eli5: split 'askscience' has no column 'body'"):
        load_reference(spec, "eli5", seed=0)


def test_streaming_train_and_test_splits_take_their_own_caps():
    spec = DomainSpec(source="hub", path="some/data", labels=["a", "b"], subject="note",
                      test_split="validation", max_train=100, max_test=7, streaming=True)
    assert splits_to_read(spec) == {"train": 100, "validation": 7}


@pytest.mark.parametrize("change", [{"max_test": None}, {"source": "local"}])
def test_streaming_needs_hub_and_both_caps(tmp_path, mini_params, write_params, change):
    domain = {"source": "hub", "path": "some/data", "labels": ["a", "b"], "subject": "note",
              "max_train": 10, "max_test": 5, "streaming": True, **change}
    mini_params["domains"]["x"] = {k: v for k, v in domain.items() if v is not None}
    with pytest.raises(ConfigError, match="domains.x: .*streaming needs source 'hub' and both"):
        load_params(write_params(mini_params))


def test_the_paper_profile_streams_eli5_and_marks_llama_2_gated():
    from synthlens.tools.download import gated_repos

    params = load_params(ROOT / "profiles" / "paper.yaml")
    eli5 = params.domain("eli5")
    assert eli5.streaming
    assert set(splits_to_read(eli5)) == set(eli5.split_labels)
    assert gated_repos(params) == ["meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b-chat-hf",
                                   "meta-llama/Llama-2-13b-hf", "meta-llama/Llama-2-13b-chat-hf"]


def gated_error(repo):
    import httpx2
    from huggingface_hub.errors import GatedRepoError

    request = httpx2.Request("GET", f"https://hub.invalid/api/models/{repo}")
    return GatedRepoError(f"403 Client Error: cannot access gated repo {repo}",
                          response=httpx2.Response(403, request=request))


def test_download_names_gated_repos_and_goes_on_past_a_refused_one(monkeypatch, capsys):
    import huggingface_hub

    from synthlens.tools import download

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "0")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "0")
    params = load_params(ROOT / "profiles" / "paper.yaml")
    refused = {"meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-13b-chat-hf"}
    fetched = []

    def fake_fetch(params, kind, repo, revision, config):
        if repo in refused:
            raise gated_error(repo)
        if repo == "tiiuae/falcon-7b":
            raise ConnectionError("connection reset")
        fetched.append(repo)
        return {"kind": kind, "id": repo, "path": f"/cache/{repo}"}

    monkeypatch.setattr(download, "_fetch", fake_fetch)
    with pytest.raises(MissingResource) as failure:
        download.run(params)
    out = capsys.readouterr().out
    everything = [repo for _, repo, _, _ in download.needs(params)]
    # every other repo was still fetched, after the refusals
    assert fetched == [r for r in everything if r not in refused | {"tiiuae/falcon-7b"}]
    # the gated ones are named before any download starts, with what to do
    head = out.split("[1/")[0]
    assert "meta-llama/Llama-2-13b-hf" in head and "HF_TOKEN" in head and "licence" in head
    for repo in refused:
        line = next(l for l in out.splitlines() if l.strip().startswith(f"FAILED {repo}:"))
        assert "access denied" in line and "HF_TOKEN" in line and "hf auth login" in line
    falcon = next(l for l in out.splitlines() if "FAILED tiiuae/falcon-7b" in l)
    assert "ConnectionError: connection reset" in falcon and "HF_TOKEN" not in falcon
    message = str(failure.value)
    assert message.startswith(f"3 of {len(everything)} downloads failed")
    assert all(repo in message for repo in refused | {"tiiuae/falcon-7b"})


def test_download_exits_non_zero_naming_what_failed(tmp_path, monkeypatch, capsys):
    from synthlens import cli
    from synthlens.tools import download

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "0")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "0")

    def refuse(params, kind, repo, revision, config):
        raise gated_error(repo)

    monkeypatch.setattr(download, "_fetch", refuse)
    rc = cli.main(["--params", str(ROOT / "profiles" / "paper.yaml"), "download"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "synthlens download: error:" in err and "meta-llama/Llama-2-7b-chat-hf" in err


def test_download_list_marks_gated_repos(capsys):
    from synthlens.tools import download

    download.run(load_params(ROOT / "profiles" / "paper.yaml"), list_only=True)
    lines = capsys.readouterr().out.splitlines()
    assert "model    meta-llama/Llama-2-7b-hf (gated)" in lines
    assert "model    tiiuae/falcon-7b" in lines
