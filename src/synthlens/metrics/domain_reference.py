"""What every dataset of a domain is scored against, loaded once per process and only when a
dataset needs it: the reference features (stage featurize), R-test, the reference classifiers
(stage train_reference), the second featurizer's fit on R-train and the embedding-space
thresholds; and the hashes of those inputs, which every metrics file of the domain records."""
from __future__ import annotations

from pathlib import Path

import joblib

from ..config import Params
from ..device import choose
from ..incremental import file_sha256
from ..layout import (features_file, reference_classifier_dir, reference_dir,
                      second_opinion_file)
from ..records import read_json, read_jsonl, read_npz
from . import analyses, classifier, embedding_space


def domain_inputs(domain: str) -> dict[str, str]:
    """The hashes of what every dataset of a domain is scored against: the reference
    features, R-test, the reference classifiers and the analyses' real side."""
    return {"features": file_sha256(features_file(domain)),
            "test": file_sha256(reference_dir(domain) / "test.jsonl"),
            "classifiers": file_sha256(reference_classifier_dir(domain) / "scores.json"),
            "second_opinion": file_sha256(second_opinion_file(domain))}


def save_analyses_reference(ref: analyses.Reference | None, path: Path) -> None:
    """Write the analyses' real side (stage second_opinion; None: analyses disabled) for
    load_analyses_reference."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    joblib.dump(ref, tmp)
    tmp.replace(path)


def load_analyses_reference(path: Path) -> analyses.Reference:
    """The analyses' real side as stage second_opinion fit it (never refit here)."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the analyses' real side is missing; run stage "
                                "second_opinion (dvc repro) first")
    ref = joblib.load(path)
    if not isinstance(ref, analyses.Reference):
        raise ValueError(f"{path} holds a {type(ref).__name__}, not analyses.Reference")
    return ref


class Domain:
    """A domain's shared inputs, each loaded once and only when a dataset needs it."""

    def __init__(self, params: Params, domain: str):
        self.params, self.name, self.spec = params, domain, params.domain(domain)
        self.device = choose(params.require_gpu)
        self.features = read_npz(features_file(domain))
        test = read_jsonl(reference_dir(domain) / "test.jsonl")
        self.test = ([r["text"] for r in test], [r["label"] for r in test])
        self._classifiers: dict[int, tuple] = {}
        self._analyses: analyses.Reference | None = None
        self._embedding: dict | None = None
        self.scores = read_json(reference_classifier_dir(domain) / "scores.json")
        # the R-train feature rows the distance to the closest record compares with, and the
        # rest (real text neither side holds: the reference_n row's draw)
        self.train_side, self.train_rest = embedding_space.holdout_sized_split(
            len(self.features["train"]), len(self.features["test"]), params.seed)

    def analyses_reference(self) -> analyses.Reference:
        if self._analyses is None:
            self._analyses = load_analyses_reference(second_opinion_file(self.name))
        return self._analyses

    def embedding_reference(self) -> dict:
        """The real side of the embedding-space measures, as embedding_space.embedding takes
        it: R-train's holdout-sized side, R-test, and the near-duplicate thresholds calibrated
        on the R-train pool and R-test at the synthetic datasets' size (once per domain)."""
        if self._embedding is None:
            train, test = self.features["train"], self.features["test"]
            n = self.params.samples_per_label(self.name) * len(self.spec.labels)
            limits = embedding_space.thresholds(train, test, n,
                                                self.params.analyses.near_dup_quantile,
                                                self.params.seed)
            self._embedding = {"train_side": train[self.train_side], "test": test,
                               "limits": limits, "seed": self.params.seed}
        return self._embedding

    def reference_classifier(self, seed: int):
        if seed not in self._classifiers:
            self._classifiers[seed] = classifier.load(
                reference_classifier_dir(self.name) / f"seed-{seed}", self.device)
        return self._classifiers[seed]

    @property
    def classifier_loads(self) -> int:
        """How many reference classifiers this process loaded (one per seed used)."""
        return len(self._classifiers)
