"""Faithfulness per label and the confusion matrix of predictions on S."""
import math

import pytest

from synthlens.metrics.per_label import confusion, faithfulness_per_label

NAMES = ["negative", "positive", "neutral"]
LABELS = [0, 0, 0, 0, 1, 1]
PREDICTED = [0, 0, 1, 0, 1, 0]


def test_faithfulness_per_label():
    out = faithfulness_per_label(predicted=PREDICTED, labels=LABELS, label_names=NAMES)
    assert out["negative"] == 0.75 and out["positive"] == 0.5 and math.isnan(out["neutral"])


def test_confusion_names_every_label_on_both_sides():
    out = confusion(predicted=PREDICTED, labels=LABELS, label_names=NAMES)
    assert out == {"negative": {"negative": 3, "positive": 1, "neutral": 0},
                   "positive": {"negative": 1, "positive": 1, "neutral": 0},
                   "neutral": {"negative": 0, "positive": 0, "neutral": 0}}
    assert sum(v for row in out.values() for v in row.values()) == len(LABELS)


def test_ids_outside_the_names_and_length_mismatch_are_refused():
    with pytest.raises(ValueError, match="outside 0..2"):
        confusion(predicted=[3], labels=[0], label_names=NAMES)
    with pytest.raises(ValueError, match="2 predictions for 1 labels"):
        faithfulness_per_label(predicted=[0, 1], labels=[0], label_names=NAMES)
