"""Dataset cards (report/dataset_card.py, stage cards): the Hugging Face card format (YAML
metadata the hub reads, then prose), sizes counted from the rows, every measure copied from
the metrics file as it is, and no line for a measure the run did not compute."""

import yaml

from synthlens.report.dataset_card import card, size_category

ROWS = [{"label": i % 2, "label_name": ["negative", "positive"][i % 2], "seed": 100 + i,
         "text": f"text {i}", "prompt": f"Write a {['negative', 'positive'][i % 2]} review.",
         "model": "m1", "model_path": "data/generators/m1/weights", "model_revision": "local-ab",
         "backend": "hf", "device": "cpu:x86_64/fp32", "decoding": "t1_0", "temperature": 1.0,
         "top_p": 1.0, "shots": 0} for i in range(5)]
METRICS = {"faithfulness": 0.612, "faithfulness_ci_low": 0.5, "faithfulness_ci_high": 0.7,
           "mauve": 0.25, "vendi": float("nan"), "cut_off_fraction": 0.0,
           "provenance": {"git_commit": "abc123", "packages": {"torch": "2.13.0"}}}


def _split(text: str) -> tuple[dict, str]:
    assert text.startswith("---\n")
    head, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(head), body


def test_the_card_is_hub_metadata_then_prose():
    meta, body = _split(card(ROWS, METRICS, domain="sst2", subject="movie review",
                             labels=["negative", "positive"], license="mit",
                             citation="Someone 2013", max_new_tokens=64))
    assert meta["license"] == "mit"
    assert meta["task_categories"] == ["text-classification"]
    assert meta["size_categories"] == ["n<1K"]
    assert meta["configs"] == [{"config_name": "default", "data_files": "data.jsonl"}]
    assert "| negative | 3 |" in body and "| positive | 2 |" in body      # rows 0, 2, 4 / 1, 3
    assert "0.612 [0.500, 0.700]" in body                                 # with its interval
    assert "| conformity: MAUVE against the real training texts | 0.250 |" in body
    assert "Vendi" not in body                                            # NaN: not measured
    assert "two-sample" not in body                                       # absent: left out
    assert "local-ab" in body and "abc123" in body and "at most 64 new tokens" in body
    assert "Someone 2013" in body


def test_a_licence_in_words_is_other_on_the_hub():
    meta, body = _split(card(ROWS, METRICS, domain="d", subject="x", labels=["negative",
                             "positive"], license="for research only", citation=None,
                             max_new_tokens=8))
    assert meta["license"] == "other" and "for research only" in body


def test_size_categories():
    assert [size_category(n) for n in (0, 999, 1000, 99_999, 5_000_000)] == \
        ["n<1K", "n<1K", "1K<n<10K", "10K<n<100K", "n>1M"]
