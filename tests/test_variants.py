"""Issue 10's datasets beyond the grid: template variants and attributed prompts (params
templates, attributes) and mixtures (stage mix), on known answers."""
from collections import Counter

import pytest

from synthlens.config import ConfigError, load_params
from synthlens.generation.prompts import draw_attributes, render_prompt
from synthlens.stages.mix import draw, shares


def test_template_variants_are_datasets_of_their_own(mini_params, write_params):
    p = load_params(write_params(mini_params))
    reviews = [ds for ds in p.datasets("smollm2-135m-instruct") if ds.domain == "reviews"]
    assert [ds.name for ds in reviews] == ["t0_5", "t0_75", "t1_0", "t1_5", "p0_9",
                                           "t1_0~instruction_attr"]
    variant = reviews[-1]
    assert (variant.decoding, variant.prompt, variant.key) == (
        "t1_0", "instruction_attr", "reviews/t1_0~instruction_attr")
    assert variant.is_variant and not reviews[0].is_variant
    domain, name, decoding, prompt = variant  # still a tuple: unpacking keeps working
    assert (domain, name) == ("reviews", "t1_0~instruction_attr")
    # narrowing the grid drops what it no longer runs, without other edits
    mini_params["grid"]["decodings"] = ["t0_5"]
    mini_params["grid"]["models"] = ["gpt2-mini"]
    p = load_params(write_params(mini_params))
    assert [ds.name for ds in p.datasets("gpt2-mini")] == ["t0_5", "t0_5"]
    assert p.active_mixtures() == {}


def test_unknown_prompt_in_templates_is_refused(mini_params, write_params):
    mini_params["templates"]["models"]["gpt2-mini"] = ["no_such_prompt"]
    with pytest.raises(ConfigError, match="no_such_prompt"):
        load_params(write_params(mini_params))


def test_attributes_are_drawn_with_the_sample_seed():
    spec = {"style": ["casual", "formal", "sarcastic"], "length": {"positive": ["short"],
                                                                   "negative": ["long"]}}
    template = "Write a {length} {label} review in a {style} tone."
    a = draw_attributes(spec, template, "positive", seed=7)
    assert a == draw_attributes(spec, template, "positive", seed=7)
    assert a["length"] == "short" and draw_attributes(spec, template, "negative", 7)["length"] == "long"
    styles = Counter(draw_attributes(spec, template, "positive", s)["style"] for s in range(300))
    assert set(styles) == {"casual", "formal", "sarcastic"} and min(styles.values()) > 60
    assert draw_attributes(spec, "Write a {label} review.", "positive", 7) == {}
    assert render_prompt("{label} in a {style} tone", _Domain(), "positive", (),
                         {"style": "sarcastic"}) == "positive in a sarcastic tone"


class _Domain:
    subject = "review"

    @staticmethod
    def label_phrase(label):
        return label


def test_shares_follow_weights_by_largest_remainder():
    assert shares([1, 1], 10) == [5, 5]
    assert shares([1, 1], 11) == [6, 5]
    assert shares([3, 1], 8) == [6, 2]
    assert sum(shares([0.2, 0.3, 0.5], 17)) == 17


def test_mixture_keeps_size_labels_and_weights():
    a = [{"label": y, "text": f"a{y}{i}", "model": "a", "decoding": "t"} for y in (0, 1)
         for i in range(10)]
    b = [{"label": y, "text": f"b{y}{i}", "model": "b", "decoding": "t"} for y in (0, 1)
         for i in range(10)]
    rows = draw([a, b], [3, 1], seed=0)
    assert len(rows) == 20
    assert Counter(r["label"] for r in rows) == {0: 10, 1: 10}
    per_label = Counter((r["label"], r["model"]) for r in rows)
    assert per_label[(0, "a")] == 8 and per_label[(0, "b")] == 2  # 10 x 3/4 -> 7.5 -> 8 / 2
    assert len({r["text"] for r in rows}) == 20  # no sample twice
    assert rows == draw([a, b], [3, 1], seed=0) and rows != draw([a, b], [3, 1], seed=1)
