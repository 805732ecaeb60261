"""metrics/linear_probe.py through metrics/classifier.py (params classifier.method:
linear_probe): a logistic-regression head on a frozen tiny DistilBERT's mean-pooled features
(tests/tiny_models.py). Answers derived by hand: a task one word decides is learnt; the
head's logits are recomputed from the pooled features with numpy; a label absent from
training keeps its logit and is never predicted; save/load gives identical logits; a
fine-tuned classifier saved without the method marker still loads as one."""
import numpy as np
import pytest
import torch

from synthlens.config import ClassifierSpec, EncoderSpec
from synthlens.metrics import classifier, linear_probe
from tiny_models import save_classifier_backbone

CPU = torch.device("cpu")
TRAIN = (["awful film", "lovely film", "awful plot", "lovely plot"] * 4, [0, 1, 0, 1] * 4)
TEST = (["lovely cast", "awful cast", "lovely story", "awful story"], [1, 0, 1, 0])


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    path = save_classifier_backbone(tmp_path_factory.mktemp("probe") / "b")
    return ClassifierSpec(backbone=EncoderSpec(source="local", name=str(path)), epochs=1,
                          learning_rate=3e-3, batch_size=8, max_length=16, min_steps=4,
                          seeds=[0], method="linear_probe")


def logits(model, tok, texts):
    with torch.no_grad():
        return model(**classifier.tokenize(tok, texts, 16)).logits


def test_the_method_defaults_to_finetune_and_is_checked(spec):
    plain = spec.model_dump(exclude={"method", "probe_c"})
    assert ClassifierSpec(**plain).method == "finetune"
    assert ClassifierSpec(**plain).probe_c == 1.0
    with pytest.raises(ValueError):
        ClassifierSpec(**plain, method="knn")
    with pytest.raises(ValueError):
        ClassifierSpec(**plain, probe_c=0)


def test_a_one_word_task_is_learnt_with_the_backbone_frozen(spec):
    before = {k: v.clone() for k, v in linear_probe._load_model(
        spec.backbone.name, None).state_dict().items()}
    model, tok = classifier.train_classifier(spec, *TRAIN, 2, seed=0, device=CPU)
    assert classifier.predict(model, tok, TEST[0], 16).tolist() == [1, 0, 1, 0]
    assert classifier.accuracy(model, tok, *TEST, 16) == 1.0
    assert next(model.parameters()).device == CPU
    # frozen: the probe's backbone is the pretrained one, weight for weight
    after = model.backbone.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert not any(p.requires_grad for p in model.parameters())
    # .loss is the mean cross-entropy of the logits, computed here from log-softmax
    batch = classifier.tokenize(tok, TEST[0], 16)
    out = model(**batch, labels=torch.tensor(TEST[1]))
    by_hand = -np.mean(np.log(np.exp(out.logits.numpy()) /
                              np.exp(out.logits.numpy()).sum(1, keepdims=True))
                       [np.arange(4), TEST[1]])
    assert out.loss.item() == pytest.approx(by_hand, rel=1e-5)


def test_the_logits_are_the_head_over_mean_pooled_standardised_features(spec):
    model, tok = classifier.train_classifier(spec, *TRAIN, 2, seed=0, device=CPU)
    texts = TEST[0] + ["a lovely and awful story of a film"]  # padding in the batch
    batch = tok(texts, padding=True, return_tensors="pt", return_token_type_ids=False)
    with torch.no_grad():
        hidden = model.backbone(**batch).last_hidden_state.numpy()
    mask = batch["attention_mask"].numpy()
    assert (mask == 0).any()
    pooled = np.stack([hidden[i][mask[i] == 1].mean(0) for i in range(len(texts))])
    h = {k: v.detach().numpy() for k, v in (("w", model.head.weight), ("b", model.head.bias),
                                              ("m", model.mean), ("s", model.scale))}
    expected = ((pooled - h["m"]) / h["s"]) @ h["w"].T + h["b"]
    np.testing.assert_allclose(logits(model, tok, texts).numpy(), expected, atol=1e-4)
    # binary: the two logits are -z/2 and z/2 of the one logistic-regression logit
    np.testing.assert_allclose(h["w"][0], -h["w"][1], atol=1e-7)


def test_the_seed_makes_a_run_repeatable(spec):
    a, again = (logits(*classifier.train_classifier(spec, *TRAIN, 2, seed=0, device=CPU),
                       TEST[0]) for _ in range(2))
    assert torch.equal(a, again)


def test_a_label_absent_from_training_keeps_its_logit_and_is_never_predicted(spec):
    # labels 0 and 2 of 3; label 1 never seen
    ys = [0 if y == 0 else 2 for y in TRAIN[1]]
    model, tok = classifier.train_classifier(spec, TRAIN[0], ys, 3, seed=0, device=CPU)
    out = logits(model, tok, TEST[0] + ["film"])
    assert out.shape == (5, 3)
    assert (out[:, 1] == linear_probe.ABSENT).all()
    assert classifier.predict(model, tok, TEST[0], 16).tolist() == [2, 0, 2, 0]
    # one label only: every text gets it
    only, tok = classifier.train_classifier(spec, TRAIN[0], [1] * 16, 3, seed=0, device=CPU)
    assert classifier.predict(only, tok, TEST[0], 16).tolist() == [1, 1, 1, 1]
    with pytest.raises(ValueError):
        classifier.train_classifier(spec, TRAIN[0], [3] * 16, 3, seed=0, device=CPU)


def test_save_and_load_round_trip_to_identical_logits(spec, tmp_path):
    model, tok = classifier.train_classifier(spec, *TRAIN, 2, seed=0, device=CPU)
    classifier.save(model, tok, tmp_path / "probe")
    assert linear_probe.saved_method(tmp_path / "probe") == "linear_probe"
    again, tok2 = classifier.load(tmp_path / "probe", CPU)
    assert torch.equal(logits(model, tok, TEST[0]), logits(again, tok2, TEST[0]))
    assert next(again.parameters()).device == CPU


def test_a_fine_tuned_classifier_saved_the_old_way_still_loads(spec, tmp_path):
    tuned_spec = spec.model_copy(update={"method": "finetune"})
    model, tok = classifier.train_classifier(tuned_spec, *TRAIN, 2, seed=0, device=CPU)
    out = tmp_path / "tuned"
    model.save_pretrained(out)  # what classifier.save wrote before the probe existed
    tok.save_pretrained(out)
    assert linear_probe.saved_method(out) == "finetune"
    again, tok2 = classifier.load(out, CPU)
    assert not getattr(again, "is_linear_probe", False)
    assert torch.equal(logits(model, tok, TEST[0]), logits(again, tok2, TEST[0]))
    # a fine-tuned classifier saved over a probe's directory loads as fine-tuned
    probe, ptok = classifier.train_classifier(spec, *TRAIN, 2, seed=0, device=CPU)
    classifier.save(probe, ptok, tmp_path / "both")
    classifier.save(model, tok, tmp_path / "both")
    again, tok2 = classifier.load(tmp_path / "both", CPU)
    assert torch.equal(logits(model, tok, TEST[0]), logits(again, tok2, TEST[0]))


def test_cached_features_give_the_same_logits_and_embed_each_text_once(spec, monkeypatch):
    """The per-process feature cache: a text's pooled features are computed once, and the
    logits are those of an uncached run (the cache cleared before each)."""
    texts = ["good film", "bad film", "good plot", "bad plot"]
    model, tok = classifier.train_classifier(spec, texts, [1, 0, 1, 0], 2, seed=0,
                                             device=torch.device("cpu"))
    linear_probe._FEATURES.clear()
    fresh = logits(model, tok, texts)
    calls = []
    real_forward = model.backbone.forward
    monkeypatch.setattr(model.backbone, "forward",
                        lambda **kw: calls.append(len(kw["input_ids"])) or real_forward(**kw))
    again = logits(model, tok, texts + ["good film"])
    assert calls == []                     # every text was cached by the first call
    assert np.array_equal(again[:4], fresh) and np.array_equal(again[4], fresh[0])
    logits(model, tok, ["a new text", "good film"])
    assert calls == [1]                    # only the new text is embedded


def test_a_probe_loaded_from_disk_shares_features_with_one_trained_here(spec, tmp_path,
                                                                        monkeypatch):
    """The cache key is the backbone's weights, not where it was loaded from: the reference
    probe (saved by train_reference, loaded by evaluate) reuses the features a probe trained
    in the process computed, and the logits stay those of an uncached run."""
    model, tok = classifier.train_classifier(spec, *TRAIN, 2, seed=0, device=CPU)
    classifier.save(model, tok, tmp_path / "reference")
    loaded, ltok = classifier.load(tmp_path / "reference", CPU)
    assert loaded.backbone.config._name_or_path != model.backbone.config._name_or_path
    linear_probe._FEATURES.clear()
    fresh = logits(loaded, ltok, TEST[0])
    linear_probe._FEATURES.clear()
    logits(model, tok, TEST[0])            # the trained probe fills the cache
    calls = []
    real_forward = loaded.backbone.forward
    monkeypatch.setattr(loaded.backbone, "forward",
                        lambda **kw: calls.append(len(kw["input_ids"])) or real_forward(**kw))
    assert torch.equal(logits(loaded, ltok, TEST[0]), fresh)
    assert calls == []
