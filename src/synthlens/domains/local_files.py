"""A local domain's files, read with the csv and json modules before datasets.load_dataset.

datasets.load_dataset reports a broken file only as "An error occurred while generating the
dataset". Reading every file first lets a mistake be named by key, file, line and cause:
"domains.questions.path: data/raw/q.csv line 7: unterminated quoted field (starts here)".
Labels are checked here too, per file and before any shuffling, so the line is the file's own.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import math
import numbers
import re
from pathlib import Path

from ..hub import MissingResource

FORMATS = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".jsonl": "json"}
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class DataError(ValueError):
    """The reference data is unusable (empty, unknown label, missing column, malformed file)."""


def label_id(value, labels: list[str]) -> int:
    """The label id of a label cell: a name from labels, or an id (int or digit string).
    ValueError says what is wrong with it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ValueError("the label is empty")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("the label is empty")
        if not value.lstrip("-").isdecimal():
            if value not in labels:
                raise ValueError(f"label '{value}' is not in labels {labels}")
            return labels.index(value)
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):  # numpy ints too
        raise ValueError(f"label {json.dumps(value, default=str)} is neither a label name nor "
                         "a label id")
    value = int(value)
    if not 0 <= value < len(labels):
        raise ValueError(f"label id {value} is out of range: labels lists {len(labels)} names, "
                         f"so ids run from 0 to {len(labels) - 1}")
    return value


def check_local(spec, name: str) -> tuple[str, dict[str, str], dict]:
    """(datasets builder, data_files, builder options) of a local domain, once every file has
    been read and found usable; DataError or MissingResource otherwise."""
    mapping = isinstance(spec.path, dict)
    files = {split: Path(f) for split, f in (spec.path.items() if mapping else
                                             [("train", spec.path)])}
    keys = {split: f"domains.{name}.path" + (f".{split}" if mapping else "") for split in files}
    formats = {}
    for split, path in files.items():
        if not path.is_file():
            raise MissingResource(f"{keys[split]}: file '{path}' not found")
        formats[split] = FORMATS.get(path.suffix.lower())
        if formats[split] is None:
            raise DataError(f"{keys[split]}: '{path}' must be .csv, .tsv, .json or .jsonl")
    first = next(iter(files))
    for split, fmt in formats.items():
        if fmt != formats[first]:
            raise DataError(f"{keys[split]}: '{files[split]}' is {fmt.upper()}, but "
                            f"{keys[first]} is {formats[first].upper()}; all files of a path "
                            "mapping must have one format (csv, tsv, or json/jsonl)")
    for split, path in files.items():
        _check_file(path, formats[split], spec, keys[split])
    builder = "json" if formats[first] == "json" else "csv"
    options = {"delimiter": "\t"} if formats[first] == "tsv" else {}
    return builder, {split: str(path) for split, path in files.items()}, options


def _check_file(path: Path, fmt: str, spec, key: str) -> None:
    where = f"{key}: {path}"
    text = _read_text(path, where)
    if fmt == "json":
        rows = _json_rows(text, where)
        columns = list(dict.fromkeys(k for _, row in rows for k in row))
    else:
        columns, rows = _csv_rows(text, "\t" if fmt == "tsv" else ",", where)
    if not rows:
        raise DataError(f"{key}: '{path}' is empty (no data rows)")
    need_label = not spec.split_labels  # classes stored as files get their label from params
    for field in (spec.text_field, spec.label_field) if need_label else (spec.text_field,):
        if field not in columns:
            raise DataError(f"{key}: '{path}' has no column '{field}' (columns: {columns})")
    if need_label:
        for line, row in rows:
            try:
                label_id(row.get(spec.label_field), spec.labels)
            except ValueError as e:
                raise DataError(f"{where} line {line}: {e}") from None


def _read_text(path: Path, where: str) -> str:
    data = path.read_bytes()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError(f"{where}: the file is UTF-16 text; save it as UTF-8")
    nul = data.find(b"\0")
    if nul >= 0:
        raise DataError(f"{where} line {_byte_line(data, nul)}: NUL byte at byte offset {nul}; "
                        "the file looks binary, not CSV/JSON text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(f"{where} line {_byte_line(data, e.start)}: byte 0x{data[e.start]:02x} "
                        f"at byte offset {e.start} is not UTF-8; save the file as UTF-8") from None
    return text.removeprefix("\ufeff")


def _byte_line(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _csv_rows(text: str, delimiter: str, where: str) -> tuple[list[str], list[tuple[int, dict]]]:
    """The header and the (line, row) pairs of a CSV/TSV text; the header is line 1."""
    sep = "a tab" if delimiter == "\t" else f"'{delimiter}'"
    header, rows, done = None, [], 0  # done: lines the reader has consumed
    old_limit = csv.field_size_limit(2**31 - 1)  # a long text is no error; pandas allows it
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        while True:
            start = done + 1
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                if "unexpected end of data" in str(e):
                    line = start + _open_quote_line(text, start, delimiter)
                    raise DataError(f"{where} line {line}: unterminated quoted field (starts "
                                    "here); close it with a '\"', and double any '\"' inside "
                                    "it") from None
                raise DataError(f"{where} line {start}: {e} (a '\"' inside a quoted field must "
                                "be doubled)") from None
            done = reader.line_num
            if not fields:
                continue  # a blank line
            if header is None:
                header = fields
            elif len(fields) != len(header):
                hint = (f"; a field containing {sep} must be in double quotes"
                        if len(fields) > len(header) else "")
                count = f"{len(fields)} field" + "s" * (len(fields) != 1)
                raise DataError(f"{where} line {start}: {count}, but the header has "
                                f"{len(header)}{hint}")
            else:
                rows.append((start, dict(zip(header, fields))))
    finally:
        csv.field_size_limit(old_limit)
    return header or [], rows


def _open_quote_line(text: str, start: int, delimiter: str) -> int:
    """How many lines after line `start` the quote opens that the row starting there never
    closes (it may follow a quoted field that spans lines)."""
    tail = "".join(io.StringIO(text, newline="").readlines()[start - 1:])
    in_quotes, field_start, opened, i = False, True, 0, 0
    while i < len(tail):
        c = tail[i]
        if in_quotes and c == '"':
            if tail.startswith('"', i + 1):
                i += 1  # "" is a quote inside the field
            else:
                in_quotes = False
        elif not in_quotes and c == '"' and field_start:
            in_quotes, opened = True, i
        field_start = not in_quotes and c in (delimiter, "\n", "\r")
        i += 1
    return len(_LINE_BREAK.findall(tail, 0, opened))


def _json_rows(text: str, where: str) -> list[tuple[int, dict]]:
    """(line, object) pairs of JSON lines, or of one JSON array of objects."""
    start = _JSON_SPACE.match(text).end()
    try:
        items = _json_array(text, start) if text.startswith("[", start) else _json_lines(text)
    except json.JSONDecodeError as e:
        raise DataError(f"{where} line {e.lineno}: not valid JSON: {e.msg} (column {e.colno}); "
                        "write one JSON object per line, or one array of objects") from None
    for line, item in items:
        if not isinstance(item, dict):
            raise DataError(f"{where} line {line}: expected a JSON object {{...}}, found "
                            f"{type(item).__name__} {json.dumps(item)[:40]}")
    return items


def _json_lines(text: str) -> list[tuple[int, object]]:
    items, offset = [], 0
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            try:
                items.append((number, json.loads(line)))
            except json.JSONDecodeError as e:  # where in the file, not in the line
                raise json.JSONDecodeError(e.msg, text, offset + e.pos) from None
        offset += len(line) + 1
    return items


def _json_array(text: str, i: int) -> list[tuple[int, object]]:
    """The items of the array that opens at text[i], each with the line it starts on."""
    decoder, items, line, counted = json.JSONDecoder(), [], 1, 0
    i = _JSON_SPACE.match(text, i + 1).end()
    if not text.startswith("]", i):
        while True:
            item, end = decoder.raw_decode(text, i)
            line, counted = line + text.count("\n", counted, i), i
            items.append((line, item))
            i = _JSON_SPACE.match(text, end).end()
            if text.startswith("]", i):
                break
            if not text.startswith(",", i):
                raise json.JSONDecodeError("Expecting ',' or ']' after an array item", text, i)
            i = _JSON_SPACE.match(text, i + 1).end()
    i = _JSON_SPACE.match(text, i + 1).end()  # past the closing ]
    if i < len(text):
        raise json.JSONDecodeError("Extra data after the array", text, i)
    return items
