"""Where each stage reads and writes. dvc.yaml uses the same paths."""
from __future__ import annotations

from pathlib import Path

DATA = Path("data")


def reference_dir(domain: str) -> Path:
    return DATA / "reference" / domain


def generator_dir(model: str) -> Path:
    """Everything the pipeline knows of a generator: generator.json (its description), and
    its weights where the pipeline makes them (weights/ or one directory per domain)."""
    return DATA / "generators" / model


def synthetic_dir(model: str) -> Path:
    """Every synthetic dataset of one model (the output of generate@<model>), with
    fingerprints.json: what shaped each dataset, so unchanged ones are kept between runs."""
    return DATA / "synthetic" / model


def synthetic_file(model: str, domain: str, decoding: str) -> Path:
    return synthetic_dir(model) / domain / f"{decoding}.jsonl"


def probe_file(model: str) -> Path:
    """The contamination probe of one generator, per domain (written by generate@<model>)."""
    return DATA / "probe" / f"{model}.json"


def mixture_file(mixture: str, domain: str) -> Path:
    """A mixture of several models' datasets of a domain (stage mix)."""
    return DATA / "mixtures" / mixture / f"{domain}.jsonl"


def shard_dir(model: str, domain: str, decoding: str) -> Path:
    """Work area of an unfinished generation; not a DVC output, so it survives a crash."""
    return DATA / "shards" / model / domain / decoding


def features_file(domain: str) -> Path:
    return DATA / "features" / f"{domain}.npz"


def reference_classifier_dir(domain: str) -> Path:
    return DATA / "classifiers" / domain


def second_opinion_file(domain: str) -> Path:
    """The analyses' real side of a domain (stage second_opinion): the TF-IDF classifier and
    the TF-IDF + SVD featurizer fit on R-train, with R-train and R-test."""
    return DATA / "second_opinion" / f"{domain}.joblib"


def metrics_dir() -> Path:
    """Every metrics file of the run (data/metrics): one per dataset, in the three directories
    below, each the output of one kind of evaluate stage."""
    return DATA / "metrics"


def model_metrics_dir(model: str) -> Path:
    """Every metrics file of one generator's datasets (the output of evaluate@<model>)."""
    return metrics_dir() / model


def metrics_file(model: str, domain: str, decoding: str) -> Path:
    """The metrics file of one synthetic dataset (a grid cell or a template variant)."""
    return model_metrics_dir(model) / domain / f"{decoding}.json"


def mixtures_metrics_dir() -> Path:
    """Every mixture's metrics files (the output of evaluate_mixtures)."""
    return metrics_dir() / "mixtures"


def mixture_metrics_file(mixture: str, domain: str) -> Path:
    return mixtures_metrics_dir() / domain / f"{mixture}.json"


def ledger_file(model: str) -> Path:
    """What each cell of a model cost to generate (stage generate; generation/ledger.py)."""
    return DATA / "ledger" / f"{model}.json"


def card_dir(model: str, domain: str, dataset: str) -> Path:
    """A synthetic dataset's shareable folder (stage cards): data.jsonl and README.md."""
    return DATA / "cards" / model / domain / dataset


def reference_metrics_dir(domain: str) -> Path:
    """The reference rows of one domain (the output of evaluate_reference@<domain>)."""
    return metrics_dir() / "reference" / domain


def reference_metrics_file(domain: str) -> Path:
    return reference_metrics_dir(domain) / "reference.json"


def sized_reference_metrics_file(domain: str, n: int) -> Path:
    """The reference row at the synthetic datasets' size n (R-train draws of n texts)."""
    return reference_metrics_dir(domain) / f"reference_n{n}.json"


# Names a generator cannot take: metrics_dir() holds one directory per generator beside these.
RESERVED_NAMES = ("reference", "mixtures")


def human_labels_dir() -> Path:
    """People's labels of samples of the synthetic datasets (`make label-export` /
    `make label-import`); not a DVC output: nothing in the pipeline can recompute them."""
    return DATA / "human_labels"


def human_labels_file(model: str, domain: str, decoding: str, suffix: str = ".json") -> Path:
    """.todo.csv: the sample to label; .json: the imported labels and their scores."""
    return human_labels_dir() / domain / model / f"{decoding}{suffix}"
