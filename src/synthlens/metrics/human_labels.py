"""Human labels as metrics of a synthetic dataset: the share of people's labels equal to the
label a sample was generated for (label_accuracy) and to the reference classifier's prediction
(classifier_agreement), computed at `make label-import` and read back here from
data/human_labels/<domain>/<model>/<decoding>.json for the evaluate stage."""
from __future__ import annotations

import logging

from ..incremental import file_sha256
from ..layout import human_labels_file, synthetic_file
from ..records import read_json
from .schema import K

log = logging.getLogger(__name__)


def summarize(human: list[str], intended: list[str], predicted: list[str] | None) -> dict:
    """n_labelled, label_accuracy and classifier_agreement (None without predictions) of
    parallel lists of label names."""
    n = len(human)
    if not n or len(intended) != n or (predicted is not None and len(predicted) != n):
        raise ValueError("summarize needs as many intended labels and predictions as human "
                         "labels, and at least one")
    agreement = (None if predicted is None
                 else sum(h == p for h, p in zip(human, predicted)) / n)
    return {"n_labelled": n, K.label_accuracy: sum(h == i for h, i in zip(human, intended)) / n,
            K.classifier_agreement: agreement}


def human_label_metrics(domain: str, model: str, decoding: str) -> dict | None:
    """{label_accuracy, classifier_agreement, n_human_labels} of a dataset's imported human
    labels; None when none were imported, or when the dataset was generated again since
    (the labels were given to other texts)."""
    path = human_labels_file(model, domain, decoding)
    if not path.is_file():
        return None
    saved = read_json(path)
    dataset = synthetic_file(model, domain, decoding)
    if dataset.is_file() and file_sha256(dataset) != saved.get("dataset_sha256"):
        log.warning("%s: the dataset changed since these labels were imported; they are left "
                    "out (make label-export, label again, make label-import)", path)
        return None
    return {K.label_accuracy: saved[K.label_accuracy],
            K.classifier_agreement: saved[K.classifier_agreement],
            K.n_human_labels: saved["n_labelled"]}
