"""A domain's reference data as (train, test) rows with integer labels, from any source.

Local files and hub datasets both go through datasets.load_dataset (local files after
local_files has read them and named any broken line; a streaming hub domain through
streamed, which reads only its named splits); the builtin domains are written by builtin and
then read back through the same code. Whatever the source, R-test loses the texts R-train
holds (dedup).
"""
from __future__ import annotations

from ..config import DomainSpec
from ..hub import is_offline, missing_hint
from .builtin import make_split
from .dedup import drop_test_copies
from .local_files import DataError, check_local, label_id
from .streamed import load_streamed

__all__ = ["DataError", "load_reference"]


def _root_cause(e: BaseException) -> str:
    """The innermost exception of a chain: datasets wraps the useful one in a generic one."""
    while (e.__cause__ or e.__context__) is not None:
        e = e.__cause__ or e.__context__
    return f"{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}"


def _load(spec: DomainSpec, name: str):
    import datasets

    if spec.source == "local":
        builder, files, options = check_local(spec, name)
        try:
            return datasets.load_dataset(builder, data_files=files, **options)
        except Exception as e:  # the datasets library raises many types for a bad file
            raise DataError(f"domains.{name}.path: the datasets library cannot read "
                            f"{', '.join(files.values())}: {_root_cause(e)}") from None
    try:
        return datasets.load_dataset(spec.path, spec.config_name, revision=spec.revision)
    except FileNotFoundError as e:
        raise missing_hint("dataset", spec.path, e) from None
    except Exception as e:
        if is_offline() or "offline" in str(e).lower() or "connect" in str(e).lower():
            raise missing_hint("dataset", spec.path, e) from None
        raise


def _check_columns(split, spec: DomainSpec, name: str, split_name: str) -> None:
    for field in (spec.text_field, spec.label_field):
        if field not in split.column_names:
            raise DataError(f"domains.{name}: split '{split_name}' has no column '{field}' "
                            f"(columns: {split.column_names})")


def _check_labels(split, spec: DomainSpec, name: str, split_name: str) -> None:
    """Every distinct label is a name from labels or an id in range. Runs before any
    shuffling, so the row named is the first such row of the split as loaded (local files
    were checked per file, with line numbers, by local_files)."""
    _check_columns(split, spec, name, split_name)
    for value in split.unique(spec.label_field):
        try:
            label_id(value, spec.labels)
        except ValueError as e:
            row = next(i for i, v in enumerate(split[spec.label_field])
                       if repr(v) == repr(value))  # repr: NaN equals NaN
            raise DataError(f"domains.{name}: row {row} of split '{split_name}': {e}") from None


def _to_rows(split, spec: DomainSpec, name: str, split_name: str) -> list[dict]:
    _check_columns(split, spec, name, split_name)
    names = spec.labels
    rows = []
    for i, (text, label) in enumerate(zip(split[spec.text_field], split[spec.label_field])):
        try:
            label = label_id(label, names)
        except ValueError as e:
            raise DataError(f"domains.{name}: row {i} of split '{split_name}': {e}") from None
        if text is None or not str(text).strip():
            continue
        rows.append({"text": " ".join(str(text).split()), "label": label,
                     "label_name": names[label]})
    if not rows:
        raise DataError(f"domains.{name}: split '{split_name}' is empty")
    return rows


def _join_split_labels(ds, spec: DomainSpec, name: str):
    """One labelled 'train' split from a dataset that stores each class as its own split."""
    import datasets

    parts = []
    for split, label in spec.split_labels.items():
        if split not in ds:
            raise DataError(f"domains.{name}.split_labels: no split '{split}' (splits: {list(ds)})")
        if spec.text_field not in ds[split].column_names:
            raise DataError(f"domains.{name}: split '{split}' has no column '{spec.text_field}'")
        part = ds[split].select_columns([spec.text_field])
        parts.append(part.add_column(spec.label_field, [label] * len(part)))
    return datasets.DatasetDict({spec.train_split: datasets.concatenate_datasets(parts)})


def load_reference(spec: DomainSpec, name: str, seed: int) -> tuple[list[dict], list[dict]]:
    """(train, test) rows of a domain."""
    if spec.source == "builtin":
        import datasets

        train = make_split(spec.builtin, spec.n_train, len(spec.labels), spec.label_noise, seed)
        test = make_split(spec.builtin, spec.n_test, len(spec.labels), spec.label_noise,
                          seed + 1_000_003)
        ds = datasets.DatasetDict({"train": datasets.Dataset.from_list(train),
                                   "test": datasets.Dataset.from_list(test)})
    elif spec.streaming:  # only the named splits, only the rows the caps need
        ds = load_streamed(spec, name, seed)
    else:
        ds = _load(spec, name)
    if spec.split_labels:
        ds = _join_split_labels(ds, spec, name)
    if spec.train_split not in ds:
        raise DataError(f"domains.{name}.train_split: no split '{spec.train_split}' "
                        f"(splits: {list(ds)})")
    train_split = ds[spec.train_split]
    if len(train_split) == 0:
        raise DataError(f"domains.{name}: split '{spec.train_split}' is empty")
    _check_labels(train_split, spec, name, spec.train_split)
    if spec.test_split is None:
        if spec.source == "builtin":
            test_split = ds["test"]
        else:
            if len(train_split) < 2 * len(spec.labels):
                raise DataError(f"domains.{name}: only {len(train_split)} rows, too few to carve "
                                f"a test split (need at least {2 * len(spec.labels)})")
            parts = train_split.train_test_split(test_size=spec.test_ratio, seed=seed)
            train_split, test_split = parts["train"], parts["test"]
    else:
        if spec.test_split not in ds:
            raise DataError(f"domains.{name}.test_split: no split '{spec.test_split}' "
                            f"(splits: {list(ds)})")
        test_split = ds[spec.test_split]
        _check_labels(test_split, spec, name, spec.test_split)
    if spec.max_train and len(train_split) > spec.max_train:
        train_split = train_split.shuffle(seed=seed).select(range(spec.max_train))
    # against the train rows actually used, and before the test cap, so it is still met
    test_split = drop_test_copies(train_split, test_split, spec.text_field, name)
    if len(test_split) == 0:
        raise DataError(f"domains.{name}: every R-test text also occurs in R-train")
    if spec.max_test and len(test_split) > spec.max_test:
        test_split = test_split.shuffle(seed=seed).select(range(spec.max_test))
    train = _to_rows(train_split, spec, name, spec.train_split)
    test = _to_rows(test_split, spec, name, spec.test_split or "test")
    missing = set(range(len(spec.labels))) - {r["label"] for r in train}
    if missing:
        raise DataError(f"domains.{name}: labels {[spec.labels[i] for i in sorted(missing)]} "
                        "never occur in the train split")
    return train, test
