"""metrics/classifier.py: fine-tuning a tiny DistilBERT (random weights, MiniLM's WordPiece
vocab; tests/tiny_models.py) on a task one word decides. Seeds make runs repeatable: the same
seed gives the same weights, another seed other ones."""
import math

import pytest
import torch

from synthlens.config import ClassifierSpec, EncoderSpec
from synthlens.metrics import classifier
from tiny_models import save_classifier_backbone

TRAIN = (["awful film", "lovely film", "awful plot", "lovely plot"] * 4, [0, 1, 0, 1] * 4)
TEST = (["lovely cast", "awful cast", "lovely story", "awful story"], [1, 0, 1, 0])


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    path = save_classifier_backbone(tmp_path_factory.mktemp("clf") / "b")
    return ClassifierSpec(backbone=EncoderSpec(source="local", name=str(path)), epochs=1,
                          learning_rate=3e-3, batch_size=8, max_length=16, min_steps=40,
                          seeds=[0])


def logits(model, tok, texts):
    with torch.no_grad():
        return model(**classifier.tokenize(tok, texts, 16)).logits


def test_a_one_word_task_is_learnt_and_scored_by_hand(spec):
    model, tok = classifier.train_classifier(spec, *TRAIN, 2, seed=0,
                                             device=torch.device("cpu"))
    assert classifier.predict(model, tok, TEST[0], 16).tolist() == [1, 0, 1, 0]
    assert classifier.accuracy(model, tok, *TEST, 16) == 1.0
    # every label flipped: none right
    assert classifier.accuracy(model, tok, TEST[0], [1 - y for y in TEST[1]], 16) == 0.0
    assert math.isnan(classifier.accuracy(model, tok, [], [], 16))


def test_the_seed_makes_a_run_repeatable_and_another_seed_differs(spec):
    cpu, short = torch.device("cpu"), spec.model_copy(update={"min_steps": 4})
    runs = [classifier.train_classifier(short, *TRAIN, 2, seed=s, device=cpu) for s in (0, 0, 1)]
    a, again, other = (logits(m, t, TEST[0]) for m, t in runs)
    assert torch.equal(a, again)
    assert not torch.allclose(a, other, atol=1e-4)
