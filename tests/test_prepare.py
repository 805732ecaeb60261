"""Reference data: builtin and local domains, and the ways a user's data can be wrong."""
import time

import pytest

from synthlens.builtin_domains import make_split
from synthlens.config import DomainSpec
from synthlens.hub import MissingResource
from synthlens.prepare import DataError, load_reference

from conftest import ROOT, run_cli


def local_domain(path, **kw):
    spec = dict(source="local", path=str(path), text_field="text", label_field="label",
                labels=["neg", "pos"], subject="note")
    spec.update(kw)
    return DomainSpec(**spec)


def test_builtin_domains_are_deterministic_and_labelled():
    a = make_split("reviews", 200, 2, 0.05, seed=3)
    assert a == make_split("reviews", 200, 2, 0.05, seed=3)
    assert a != make_split("reviews", 200, 2, 0.05, seed=4)
    assert {r["label"] for r in a} == {0, 1}
    news = make_split("news", 400, 4, 0.05, seed=0)
    assert {r["label"] for r in news} == {0, 1, 2, 3}
    assert len({r["text"] for r in news}) > 300  # varied, not a handful of templates


def test_local_csv_domain_with_label_names(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("text,label\n" + "".join(f"row {i},{'pos' if i % 2 else 'neg'}\n"
                                             for i in range(40)))
    train, test = load_reference(local_domain(path, test_ratio=0.25), "d", seed=0)
    assert len(train) == 30 and len(test) == 10
    assert {r["label_name"] for r in train} == {"neg", "pos"}
    assert all(r["label_name"] == ["neg", "pos"][r["label"]] for r in train + test)


def test_local_jsonl_domain_with_label_ids(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text("".join(f'{{"body": "t {i}", "y": {i % 2}}}\n' for i in range(20)))
    train, test = load_reference(local_domain(path, text_field="body", label_field="y"),
                                 "d", seed=0)
    assert len(train) + len(test) == 20


def test_shipped_questions_domain_loads():
    from synthlens.config import load_params

    spec = load_params(ROOT / "params.yaml").domains["questions"]
    spec = spec.model_copy(update={"path": str(ROOT / spec.path)})
    train, test = load_reference(spec, "questions", seed=0)
    assert len(train) > len(test) > 0


def test_missing_file(tmp_path):
    with pytest.raises(MissingResource, match="not found"):
        load_reference(local_domain(tmp_path / "absent.csv"), "d", seed=0)


def test_unknown_label_is_named(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("text,label\n" + "a,neg\nc,pos\n" * 4 + "b,maybe\n")
    with pytest.raises(DataError, match="label 'maybe'"):
        load_reference(local_domain(path), "d", seed=0)


def test_label_id_out_of_range(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("text,label\n" + "a,0\nc,1\n" * 4 + "b,5\n")
    with pytest.raises(DataError, match="label id 5"):
        load_reference(local_domain(path), "d", seed=0)


def test_empty_dataset(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("text,label\n")
    with pytest.raises(DataError, match="empty"):
        load_reference(local_domain(path), "d", seed=0)


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("sentence,label\na,neg\n")
    with pytest.raises(DataError, match="no column 'text'"):
        load_reference(local_domain(path), "d", seed=0)


def test_hub_dataset_offline_fails_fast_with_a_hint(mini_params, write_params):
    mini_params["domains"]["sst2"] = {"source": "hub", "path": "stanfordnlp/sst2",
                                      "text_field": "sentence", "labels": ["negative", "positive"],
                                      "subject": "movie review"}
    path = write_params(mini_params)
    start = time.monotonic()
    result = run_cli("--params", str(path), "prepare", "--domain", "sst2",
                     env={"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
                          "HF_HOME": str(path.parent / "hf")}, timeout=60)
    elapsed = time.monotonic() - start
    assert result.returncode == 2, result.stderr
    assert "stanfordnlp/sst2" in result.stderr and "make download" in result.stderr
    assert elapsed < 30  # no retry loop (make bench records the real figure)


@pytest.mark.parametrize("content, message", [
    (None, "not found"),
    ("text,label\n", "empty"),
    ("text,label\n" + "a,negative\nb,positive\n" * 4 + "hello,neutral\n", "label 'neutral'"),
])
def test_cli_errors_on_bad_local_data(tmp_path, mini_params, write_params, content, message):
    data = tmp_path / "bad.csv"
    if content is not None:
        data.write_text(content)
    mini_params["domains"]["mine"] = {"source": "local", "path": str(data),
                                      "labels": ["negative", "positive"], "subject": "text"}
    result = run_cli("--params", str(write_params(mini_params)), "prepare", "--domain", "mine",
                     cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr


def test_classes_stored_as_splits_are_joined_and_labelled(tmp_path):
    import datasets

    from synthlens import prepare

    ds = datasets.DatasetDict({
        "askscience": datasets.Dataset.from_dict({"title": [f"why q{i}" for i in range(10)]}),
        "AskHistorians": datasets.Dataset.from_dict({"title": [f"when q{i}" for i in range(10)]}),
    })
    spec = DomainSpec(source="hub", path="some/reddit", text_field="title",
                      split_labels={"askscience": "science", "AskHistorians": "history"},
                      labels=["science", "history"], subject="question", test_ratio=0.2)
    joined = prepare._join_split_labels(ds, spec, "eli5")
    train = prepare._to_rows(joined["train"], spec, "eli5", "train")
    assert len(train) == 20
    assert {r["label_name"] for r in train if r["text"].startswith("why")} == {"science"}
    assert {r["label_name"] for r in train if r["text"].startswith("when")} == {"history"}
