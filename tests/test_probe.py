"""The contamination probe (issue 10): the generator's zero-shot accuracy on R-test from the
log-likelihood of each label's verbalisation, on tiny local models with known answers (on the
run's device: SYNTHLENS_DEVICE=cuda runs them on a GPU)."""
import numpy as np
import pytest
import torch

from synthlens.config import ModelSpec
from synthlens.device import choose
from synthlens.generation.probe import (label_scores, pair_ids, probe_context,
                                        zero_shot_accuracy)
from synthlens.generation.prompts import model_input, prompt_token_ids

from tiny_models import bos_tokenizer, save_causal_lm

DEVICE = choose()
TEMPLATE = "{text}\nlabel: "
PHRASES = ["dull", "superb", "gripping"]
TEXTS = ["The plot was gripping.", "A dull script.", "Superb cast.", "How long?",
         "Here is a news story about sports and the cast superb.", "Okay.",
         "The plot was gripping and the cast superb, a dull lifeless script."]
LABELS = [2, 0, 1, 0, 1, 0, 2]   # shares: 3/7, 2/7, 2/7


def load(tmp_path, kind="llama", chat=False):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = save_causal_lm(kind, tmp_path / kind, chat=chat)
    model = AutoModelForCausalLM.from_pretrained(path).eval().to(DEVICE)
    return model, AutoTokenizer.from_pretrained(path)


def favour(model, token_ids) -> None:
    """Make the model's next-token logits the same after every input: +20 on token_ids, 0
    elsewhere (a zero lm_head with a bias), so every token of those ids is near-certain."""
    head = torch.nn.Linear(model.lm_head.in_features, model.lm_head.out_features, bias=True)
    with torch.no_grad():
        head.weight.zero_()
        head.bias.zero_()
        head.bias[list(token_ids)] = 20.0
    model.lm_head = head.to(DEVICE)


def continuation_tokens(tok, phrase, spec=None) -> set[int]:
    context = probe_context(tok, text=TEXTS[0], template=TEMPLATE, label_phrases=PHRASES,
                            spec=spec)
    return set(pair_ids(tok, context=context, continuation=phrase)[1])


@pytest.mark.parametrize("family", ["vanilla", "instruct"])
@pytest.mark.parametrize("favoured", [0, 2])
def test_a_model_that_always_says_one_label_scores_that_labels_share(tmp_path, family,
                                                                    favoured):
    model, tok = load(tmp_path, chat=family == "instruct")
    spec = (ModelSpec(family="instruct", source="local", path=str(tmp_path), prompt="p")
            if family == "instruct" else None)
    sets = [continuation_tokens(tok, p, spec) for p in PHRASES]
    # every other label has a token the favoured one lacks, so it scores lower
    assert all(s - sets[favoured] for i, s in enumerate(sets) if i != favoured)
    favour(model, sets[favoured])
    out = zero_shot_accuracy(model, tok, texts=TEXTS, labels=LABELS, label_phrases=PHRASES,
                             template=TEMPLATE, device=DEVICE, spec=spec, batch_size=4)
    assert out["zero_shot_accuracy"] == pytest.approx(LABELS.count(favoured) / len(LABELS))
    assert out["n"] == 7
    assert out["majority_share"] == pytest.approx(3 / 7)


def test_score_is_the_mean_log_prob_of_the_label_tokens(tmp_path):
    """Hand-computed from one unpadded forward pass; the probe's batch mixes lengths, so its
    rows are padded."""
    model, tok = load(tmp_path)
    scores = label_scores(model, tok, texts=TEXTS, label_phrases=PHRASES, template=TEMPLATE,
                          device=DEVICE, batch_size=21)
    for t in (0, 6):
        for j, phrase in enumerate(PHRASES):
            ctx, cont = pair_ids(tok, context=TEMPLATE.format(text=TEXTS[t]),
                                 continuation=phrase)
            with torch.no_grad():
                logits = model(torch.tensor([ctx + cont], device=DEVICE)).logits[0]
            logp = torch.log_softmax(logits.float(), -1)
            want = np.mean([logp[len(ctx) - 1 + i, c].item() for i, c in enumerate(cont)])
            assert scores[t, j] == pytest.approx(want, abs=1e-4)


def test_a_text_longer_than_the_context_window_is_scored_on_its_last_positions(tmp_path):
    """gpt2's positions end at n_positions: a longer text keeps the end of its context (cut so
    that the longest label phrase fits, every phrase whole), as one unpadded forward pass of
    exactly those tokens scores it."""
    model, tok = load(tmp_path, "gpt2")
    window = model.config.n_positions
    long_text = " ".join(["The plot was gripping and the cast superb."] * 40)
    ctx, cont = pair_ids(tok, context=TEMPLATE.format(text=long_text), continuation=PHRASES[1])
    assert len(ctx) + len(cont) > window
    scores = label_scores(model, tok, texts=[long_text, TEXTS[1]], label_phrases=PHRASES,
                          template=TEMPLATE, device=DEVICE, batch_size=6)
    longest = max(len(pair_ids(tok, context=TEMPLATE.format(text=long_text), continuation=p)[1])
                  for p in PHRASES)
    kept = ctx[len(ctx) + longest - window:]
    with torch.no_grad():
        logits = model(torch.tensor([kept + cont], device=DEVICE)).logits[0]
    logp = torch.log_softmax(logits.float(), -1)
    start = len(kept)
    want = np.mean([logp[start - 1 + i, c].item() for i, c in enumerate(cont)])
    assert scores[0, 1] == pytest.approx(want, abs=1e-4)


@pytest.mark.parametrize("kind", ["llama", "gpt2"])
def test_scores_do_not_depend_on_batch_size_or_padding_side(tmp_path, kind):
    model, tok = load(tmp_path, kind)
    runs = []
    for batch_size, side in ((1, "right"), (7, "left"), (7, "right"), (32, "left")):
        tok.padding_side = side
        runs.append(label_scores(model, tok, texts=TEXTS, label_phrases=PHRASES,
                                 template=TEMPLATE, device=DEVICE, batch_size=batch_size))
    for other in runs[1:]:
        np.testing.assert_allclose(other, runs[0], atol=1e-4)
        assert (other.argmax(1) == runs[0].argmax(1)).all()
    assert np.ptp(runs[0]) > 0.01   # a random model tells the labels apart a little


def test_label_phrase_follows_the_context_as_one_tokenized_string(tmp_path):
    _, tok = load(tmp_path)
    ctx, cont = pair_ids(tok, context="A dull script.\nlabel: ", continuation="superb")
    assert tok.decode(ctx + cont) == "A dull script.\nlabel: superb"
    # the trailing space goes with the label: ' superb', as the model would write it
    assert ctx == prompt_token_ids(tok, "A dull script.\nlabel:")
    assert tok.decode(cont) == " superb"


@pytest.mark.parametrize("phrase", ["negative", "positive", "World"])
def test_shipped_completion_template_scores_the_label_as_a_word_after_the_colon(phrase):
    """params.yaml's probe.completion as shipped ("{text}\\nlabel:", no trailing space), on a
    byte-level BPE like GPT-2's (gpt2-mini's own): the label is scored as " negative", the
    word the model would write after the colon, not glued to it."""
    import yaml

    from conftest import ROOT
    from tiny_models import tokenizer

    template = yaml.safe_load((ROOT / "params.yaml").read_text())["probe"]["completion"]
    tok = tokenizer(chat=False)
    context = probe_context(tok, text="A dull script.", template=template,
                            label_phrases=["negative", "positive"])
    ctx, cont = pair_ids(tok, context=context, continuation=phrase)
    assert tok.decode(cont) == " " + phrase
    assert cont == tok(" " + phrase, add_special_tokens=False)["input_ids"]
    assert tok.decode(ctx + cont) == context + " " + phrase


def test_shipped_instruction_template_answers_right_after_the_chat_header():
    """params.yaml's probe.instruction as shipped, through a chat template: the answer is the
    label phrase itself, the context ends with the assistant's header."""
    import yaml

    from conftest import ROOT
    from tiny_models import tokenizer

    template = yaml.safe_load((ROOT / "params.yaml").read_text())["probe"]["instruction"]
    tok = tokenizer(chat=True)
    spec = ModelSpec(family="instruct", source="local", path="m", prompt="p")
    context = probe_context(tok, text="A dull script.", template=template,
                            label_phrases=["negative", "positive"], spec=spec)
    assert context.endswith("<|assistant|>") and "negative, positive" in context
    ctx, cont = pair_ids(tok, context=context, continuation="negative")
    assert tok.decode(ctx + cont) == context + " negative"
    assert tok.decode(cont) == " negative"


def test_instruct_models_answer_after_their_chat_template_with_one_bos():
    tok = bos_tokenizer(chat=True)
    spec = ModelSpec(family="instruct", source="local", path="m", prompt="p")
    context = probe_context(tok, text="A dull script.", template="{text} Answer: {labels}.",
                            label_phrases=["gripping", "superb."], spec=spec)
    assert context == model_input(tok, spec, "A dull script. Answer: gripping, superb..")
    ctx, cont = pair_ids(tok, context=context, continuation=" gripping")
    assert ctx[:2] == [tok.bos_token_id, tok.convert_tokens_to_ids("[INST]")]
    assert ctx.count(tok.bos_token_id) == 1
    assert tok.convert_ids_to_tokens(cont) == ["gripping"]


def test_majority_share_and_empty_input(tmp_path):
    model, tok = load(tmp_path)
    out = zero_shot_accuracy(model, tok, texts=TEXTS[:4], labels=[1, 1, 1, 0],
                             label_phrases=PHRASES, template=TEMPLATE, device=DEVICE)
    assert out["majority_share"] == 0.75 and out["n"] == 4
    empty = zero_shot_accuracy(model, tok, texts=[], labels=[], label_phrases=PHRASES,
                               template=TEMPLATE, device=DEVICE)
    assert empty["n"] == 0 and np.isnan(empty["zero_shot_accuracy"])
    with pytest.raises(ValueError, match="index"):
        zero_shot_accuracy(model, tok, texts=TEXTS[:1], labels=[3], label_phrases=PHRASES,
                           template=TEMPLATE, device=DEVICE)


def test_model_on_another_device_is_an_error_not_a_silent_move(tmp_path):
    model, tok = load(tmp_path)
    other = torch.device("cpu" if DEVICE.type == "cuda" else "cuda")
    with pytest.raises(ValueError, match=f"sits on {DEVICE.type}"):
        label_scores(model, tok, texts=TEXTS[:1], label_phrases=PHRASES, template=TEMPLATE,
                     device=other)
