"""Reading a filled-in human-label CSV (tools/labels.py): its rows with the line each starts
on, or every problem with the file's shape (not UTF-8, wrong columns, a broken row) as
file:line: problem. Whether ids and labels are right is tools/labels.py's check."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ["id", "dataset", "text", "label"]
REQUIRED = {"id", "dataset", "label"}  # text is only compared when present


@dataclass(frozen=True)
class CsvRow:
    file: str
    line: int  # where the row starts; the file's first line is 1
    id: str
    dataset: str
    label: str
    text: str | None


def _not_utf8(path: Path, raw: bytes) -> list[str]:
    problems = []
    for number, line in enumerate(raw.split(b"\n"), 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as e:
            problems.append(f"{path}:{number}: byte 0x{line[e.start]:02x} at column "
                            f"{e.start + 1} is not UTF-8 (save the file as UTF-8)")
    return problems


def _header_problem(header: list[str]) -> str | None:
    missing = sorted(REQUIRED - set(header))
    unexpected = sorted(set(header) - set(COLUMNS))
    repeated = sorted({h for h in header if header.count(h) > 1})
    if not (missing or unexpected or repeated):
        return None
    said = [f"missing {missing}"] * bool(missing) + [f"unexpected {unexpected}"] * bool(
        unexpected) + [f"repeated {repeated}"] * bool(repeated)
    return f"columns {header}: {', '.join(said)} (expected {','.join(COLUMNS)})"


def read_rows(path: Path) -> tuple[list[CsvRow], list[str]]:
    """The data rows of a CSV (comment lines, starting with #, and blank lines skipped)."""
    if not path.is_file():
        return [], [f"{path}: no such file"]
    raw = path.read_bytes()
    problems = _not_utf8(path, raw)
    if problems:
        return [], problems
    reader = csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    header, rows, start = None, [], 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(field.strip() for field in record) or record[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = [field.strip().lower() for field in record]
                problem = _header_problem(header)
                if problem:
                    return [], [f"{path}:{line}: {problem}"]
                continue
            if len(record) > len(header):
                problems.append(f"{path}:{line}: {len(record)} fields, the header has "
                                f"{len(header)} (a comma in an unquoted text?)")
                continue
            values = dict(zip(header, [*record, *[""] * (len(header) - len(record))]))
            rows.append(CsvRow(str(path), line, values["id"].strip(), values["dataset"].strip(),
                               values["label"].strip(), values.get("text")))
    except csv.Error as e:
        problems.append(f"{path}:{reader.line_num}: not a valid CSV row: {e}")
    if header is None:
        problems.append(f"{path}: no header row (expected {','.join(COLUMNS)})")
    return rows, problems
