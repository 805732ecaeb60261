"""params.yaml's domains section: where each classification domain's reference data comes from
(the project's generator, local files, or a hub dataset, streamed or not) and how prompts name
its labels (domains/ reads it)."""
from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from .base import Strict

SPLIT_NAME = re.compile(r"\w+")  # what the datasets library accepts as a split name


class DomainSpec(Strict):
    """A classification domain: where its reference data comes from and how to prompt for it."""

    source: Literal["builtin", "local", "hub"]
    subject: str = Field(description="what one example is, used in prompts: 'movie review'")
    labels: list[str] = Field(min_length=2, description="label names, in label-id order")
    license: str | None = Field(default=None, description="the data's licence (dataset cards)")
    citation: str | None = Field(default=None, description="how to cite it (dataset cards)")
    label_descriptions: dict[str, str] = Field(
        default_factory=dict, description="optional wording of a label inside prompts")
    # builtin: the project's own deterministic generator
    builtin: Literal["reviews", "news"] | None = None
    n_train: int = Field(default=1000, gt=0, le=10_000_000)
    n_test: int = Field(default=300, gt=0, le=10_000_000)
    label_noise: float = Field(default=0.05, ge=0, lt=1)
    # overrides of generate.samples_per_label and generate.max_new_tokens for this domain
    samples_per_label: int | None = Field(default=None, gt=0, le=1_000_000)
    max_new_tokens: int | None = Field(default=None, gt=0, le=32_768)
    # local files or hub dataset, both loaded through the datasets library
    path: str | dict[str, str] | None = Field(
        default=None, description="local: a CSV/TSV/JSON/JSONL file, or {split name: file} "
        "(a 'test' key makes test_split default to 'test'); hub: dataset id")
    config_name: str | None = None
    revision: str | None = None
    text_field: str = "text"
    label_field: str = "label"
    split_labels: dict[str, str] = Field(
        default_factory=dict, description="classes stored as splits: {split name: label}; the "
        "splits are joined, labelled, and a test part carved with test_ratio")
    train_split: str = "train"
    test_split: str | None = Field(default=None, description="split name; None = carve test_ratio")
    test_ratio: float = Field(default=0.25, gt=0, lt=1)
    max_train: int | None = Field(default=None, gt=0, le=10_000_000)
    max_test: int | None = Field(default=None, gt=0, le=10_000_000)
    streaming: bool = Field(default=False, description="hub: stream only the named splits and "
                            "keep the rows max_train/max_test need (domains/streamed.py)")
    shuffle_buffer: int = Field(default=10_000, gt=0, le=1_000_000, description="streaming: "
                                "rows of the seeded shuffle buffer the kept rows are drawn from")

    @model_validator(mode="before")
    @classmethod
    def _test_file_is_the_test_split(cls, data):
        """path {train: a.csv, test: b.csv}: the test file is R-test, nothing is carved."""
        if (isinstance(data, dict) and isinstance(data.get("path"), dict)
                and "test" in data["path"] and data.get("test_split") is None
                and not data.get("split_labels")):
            data = {**data, "test_split": "test"}
        return data

    @field_validator("path", mode="before")
    @classmethod
    def _path_shape(cls, value, info: ValidationInfo):
        if value is None or isinstance(value, str):
            return value
        if not isinstance(value, dict):
            raise ValueError("expected a file path, or a mapping {split name: file}")
        if info.data.get("source", "local") != "local":
            raise ValueError("a mapping of split name to file needs source 'local'; "
                             f"source '{info.data['source']}' takes one dataset id")
        if not value:
            raise ValueError("the mapping of split name to file is empty")
        for split, file in value.items():
            if not isinstance(split, str) or not SPLIT_NAME.fullmatch(split):
                raise ValueError(f"split name {split!r} may use letters, digits and '_' only")
            if not isinstance(file, str) or not file:
                raise ValueError(f"{split}: expected a file path, got {file!r}")
        return value

    @model_validator(mode="after")
    def _source_fields(self):
        if self.source == "builtin" and self.builtin is None:
            raise ValueError("source 'builtin' needs 'builtin' (reviews or news)")
        if self.source in ("local", "hub") and not self.path:
            raise ValueError(f"source '{self.source}' needs 'path'")
        if isinstance(self.path, dict):
            wanted = ({"split_labels": list(self.split_labels)} if self.split_labels
                      else {"train_split": [self.train_split]})
            if self.test_split is not None:
                wanted["test_split"] = [self.test_split]
            for key, splits in wanted.items():
                for split in splits:
                    if split not in self.path:
                        raise ValueError(f"{key}: '{split}' is not a key of path "
                                         f"(keys: {list(self.path)})")
        if self.streaming and (self.source != "hub" or not (self.max_train and self.max_test)):
            raise ValueError("streaming needs source 'hub' and both max_train and max_test")
        unknown = set(self.split_labels.values()) - set(self.labels)
        if unknown:
            raise ValueError(f"split_labels names unknown labels {sorted(unknown)}")
        unknown = set(self.label_descriptions) - set(self.labels)
        if unknown:
            raise ValueError(f"label_descriptions names unknown labels {sorted(unknown)}")
        if len(set(self.labels)) != len(self.labels):
            raise ValueError("labels must be unique")
        return self

    def label_phrase(self, label: str) -> str:
        return self.label_descriptions.get(label, label)
