"""metrics/human_labels.summarize on labels counted by hand."""
import pytest

from synthlens.metrics.human_labels import summarize


def test_label_accuracy_and_classifier_agreement_are_the_hand_counts():
    human = ["pos", "neg", "pos", "pos", "neg"]
    intended = ["pos", "pos", "pos", "neg", "neg"]      # people agree on 0, 2, 4: 3/5
    predicted = ["neg", "neg", "pos", "pos", "neg"]     # people agree on 1, 2, 3, 4: 4/5
    assert summarize(human, intended, predicted) == {
        "n_labelled": 5, "label_accuracy": pytest.approx(0.6),
        "classifier_agreement": pytest.approx(0.8)}
    assert summarize(human, intended, None)["classifier_agreement"] is None


@pytest.mark.parametrize("human, intended, predicted", [
    ([], [], None), (["a"], ["a", "b"], None), (["a", "b"], ["a", "b"], ["a"])])
def test_mismatched_or_empty_lists_are_refused(human, intended, predicted):
    with pytest.raises(ValueError, match="as many"):
        summarize(human, intended, predicted)
