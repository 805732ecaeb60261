"""Small file helpers: JSONL, JSON and NumPy .npz written atomically, so a crash never leaves half
a file; read back with an error naming the missing file."""
from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Iterable


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str) -> None:
    """A UTF-8 text file, written under a temporary name and renamed."""
    _atomic_write(Path(path), text)


def write_jsonl(path: str | Path, rows: Iterable[dict]) -> None:
    _atomic_write(Path(path), "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def read_jsonl(path: str | Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run the stage that writes it (dvc repro)")
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _json_safe(value):
    """NaN is not JSON: metrics files store it as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def write_json(path: str | Path, obj) -> None:
    _atomic_write(Path(path), json.dumps(_json_safe(obj), indent=2, sort_keys=True) + "\n")


def read_json(path: str | Path):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run the stage that writes it (dvc repro)")
    return json.loads(path.read_text(encoding="utf-8"))


def write_npz(path: str | Path, arrays: dict) -> None:
    """Named arrays as one .npz file, written under a temporary name and renamed."""
    import numpy as np

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(path)


def read_npz(path: str | Path) -> dict:
    """{name: array} of an .npz file, loaded into memory."""
    import numpy as np

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run the stage that writes it (dvc repro)")
    with np.load(path) as f:
        return {k: f[k] for k in f.files}
