"""`make compare`: this run's metrics against the committed ones, one line per dataset.

The default profile's metrics files and dvc.lock are committed, so a fresh `make reproduce`
can be checked against them: for each dataset, the five characteristics as committed and as
recomputed here, and whether each lies within `compare.tolerance` (absolute, per
characteristic, in params.yaml). Both sides come from DVC (`dvc.api.metrics_show`), the same
numbers `dvc metrics diff` shows. Exit status 1 when anything is off: CI uses it to keep the
committed results from going stale.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..config import Params
from .rundata import CHARACTERISTICS
from .tabular import is_number


@dataclass(frozen=True)
class Verdict:
    dataset: str                               # e.g. gpt2-mini/reviews/t1_0, reference/news
    committed: dict[str, float | None]
    current: dict[str, float | None]
    problems: tuple[str, ...]                  # empty = reproduced within tolerance

    @property
    def ok(self) -> bool:
        return not self.problems


def _number(value) -> float | None:
    """A metric's value, or None where it is missing or NaN (null in the JSON)."""
    return float(value) if is_number(value) else None


def _dataset(path: str) -> str:
    """data/metrics/reviews/gpt2-mini/t1_0.json -> reviews/gpt2-mini/t1_0"""
    name = path.split("data/metrics/", 1)[-1]
    return name[:-len(".json")] if name.endswith(".json") else name


def compare_metrics(committed: dict[str, dict], current: dict[str, dict],
                    tolerance: dict[str, float]) -> list[Verdict]:
    """Per metrics file: both sides' characteristics and what is out of tolerance.

    committed / current map a metrics file's path to its JSON content. A characteristic that
    is NaN (null) on both sides agrees; one that is a number on one side only does not. A
    file whose params differ from the committed one is not a reproduction of it.
    """
    verdicts = []
    for path in sorted(set(committed) | set(current)):
        old, new = committed.get(path), current.get(path)
        problems: list[str] = []
        if old is None:
            problems.append("not in the committed results (new dataset?)")
        if new is None:
            problems.append("not computed in this run")
        old, new = old or {}, new or {}
        if old and new:
            old_hash = (old.get("provenance") or {}).get("params_sha256")
            new_hash = (new.get("provenance") or {}).get("params_sha256")
            if old_hash and new_hash and old_hash != new_hash:
                problems.append("params differ from the committed run's")
            for name in CHARACTERISTICS:
                a, b = _number(old.get(name)), _number(new.get(name))
                if a is None and b is None:
                    continue
                if a is None or b is None:
                    problems.append(f"{name}: {a} vs {b}")
                elif abs(a - b) > tolerance[name] + 1e-12:
                    problems.append(f"{name} moved {b - a:+.3f} (tolerance {tolerance[name]})")
        verdicts.append(Verdict(_dataset(path), {k: _number(old.get(k)) for k in CHARACTERISTICS},
                                {k: _number(new.get(k)) for k in CHARACTERISTICS},
                                tuple(problems)))
    return verdicts


def _cell(a: float | None, b: float | None) -> str:
    fmt = lambda v: "  nan" if v is None else f"{v:.3f}"  # noqa: E731
    return f"{fmt(a)} {'=' if a == b else '→'} {fmt(b)}"


def format_table(verdicts: list[Verdict], rev: str) -> str:
    width = max([len(v.dataset) for v in verdicts] + [7])
    head = f"{'dataset':<{width}}  " + "  ".join(f"{n:<13}" for n in CHARACTERISTICS) + "  verdict"
    lines = [f"committed ({rev}) → this run; '=' means identical", head, "-" * len(head)]
    for v in verdicts:
        cells = "  ".join(f"{_cell(v.committed[n], v.current[n]):<13}" for n in CHARACTERISTICS)
        lines.append(f"{v.dataset:<{width}}  {cells}  {'ok' if v.ok else 'DIFFERS'}")
        lines.extend(f"{'':<{width}}    - {p}" for p in v.problems)
    bad = sum(not v.ok for v in verdicts)
    lines.append("")
    lines.append(f"results reproduced: {'yes' if not bad else 'no'} — {len(verdicts) - bad} of "
                 f"{len(verdicts)} datasets within tolerance")
    return "\n".join(lines)


def _metrics_at(rev: str | None) -> dict[str, dict]:
    """{metrics file: its content} from DVC, at a git revision (None = this workspace)."""
    import dvc.api
    from dvc.exceptions import DvcException

    try:
        flat = dvc.api.metrics_show(rev=rev)
    except DvcException as e:
        raise FileNotFoundError(f"cannot read the metrics at {rev or 'the workspace'}: {e}") \
            from None
    out: dict[str, dict] = {}
    for key, value in flat.items():  # "path:name" -> value (nested values stay dicts)
        path, _, name = key.rpartition(":")
        if "data/metrics/" in path:  # datasets only (not data/probe: no characteristics)
            out.setdefault(path, {})[name] = value
    return out


def run(params: Params, rev: str = "HEAD") -> int:
    committed = _metrics_at(rev)
    if not committed:
        raise FileNotFoundError(f"{rev} holds no metrics files: commit dvc.lock and data/metrics "
                                "after a run to have something to compare against")
    current = _metrics_at(None)
    verdicts = compare_metrics(committed, current, params.compare.tolerance.model_dump())
    print(format_table(verdicts, rev))
    return 0 if all(v.ok for v in verdicts) else 1
