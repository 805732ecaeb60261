"""The run data every report module reads: this run's metrics files as flat rows (RunData),
checked on loading (MalformedRun), their means over domains, the names of the characteristics
and trade-offs, model-name helpers, and the flat rows written as results.csv / results.md.

Only the metrics of the current grid (params `grid`) are read, so stale files of an older
grid never leak into a table: its cells (kind "synthetic"), the reference rows, and the datasets
beyond the grid that params declare for it (issue 10): template variants (kind "template",
params `templates`) and mixtures (kind "mixture", params `mixtures`). Claims and the means of
Table 2's grid rows see kind "synthetic" only. The generators' contamination probes
(data/probe/<model>.json) and generation ledgers (data/ledger/<model>.json) are read too, when
there.
"""
from __future__ import annotations

import csv
import json
import logging
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Params
from ..layout import (DATA, metrics_file, mixture_metrics_file, reference_metrics_dir,
                      reference_metrics_file)
from ..layout import metrics_dir as layout_metrics_dir
from ..metrics.schema import K, check
from .domain_intervals import bootstrap_of, mean_intervals

log = logging.getLogger(__name__)

CHARACTERISTICS = [K.diversity, K.mauve, K.faithfulness, K.complexity, K.performance]
LABELS = {K.diversity: K.diversity, K.mauve: "conformity (MAUVE)",
          K.faithfulness: K.faithfulness, K.complexity: K.complexity,
          K.performance: K.performance}
# the analyses beyond the five characteristics (params analyses); older files lack them (NaN)
SECOND_COLUMNS = [K.faithfulness_2, K.faithfulness_2_std, K.complexity_2, K.complexity_2_std,
                  K.performance_2, K.performance_2_std, K.mauve_2, K.classifier_accuracy,
                  K.classifier_accuracy_2]
ANALYSIS_COLUMNS = [K.leak_exact_train, K.leak_exact_test, K.leak_near_train, K.leak_near_test,
                    K.self_exact, K.self_near, K.two_sample_auc, K.compression_ratio,
                    K.self_bleu, K.diversity_per_label, K.refused_fraction, K.cut_off_fraction,
                    # the embedding-space measures (metrics/embedding_space.py)
                    K.vendi, K.vendi_per_label, K.cosine_diversity, K.closer_to_train,
                    K.near_dup_self, K.near_dup_test,
                    # label quality (metrics/label_quality.py)
                    K.label_issue_rate, K.map_easy, K.map_ambiguous, K.map_hard,
                    K.map_confidence, K.map_variability]
CI_COLUMNS = [k for c in CHARACTERISTICS for k in (f"{c}_ci_low", f"{c}_ci_high")]
# human labels (issue 10): pooled over the labelled domains in a mean, not NaN-strict
HUMAN_COLUMNS = [K.label_accuracy, K.classifier_agreement, K.n_human_labels]
NESTED = (K.confusion, K.faithfulness_by_label, K.diversity_by_label, K.vendi_by_label,
          K.data_map,
          K.learning_curve)  # read via RunData.raw
COLUMNS = (["kind", "model", "family", "domain", "decoding", K.temperature, K.top_p, "shots",
            "size_b"] +
           [c for name in CHARACTERISTICS for c in (name, f"{name}_std")] +
           [K.distinct_1, K.distinct_2, K.distinct_3, K.mauve_n, K.n_samples, K.mean_words,
            K.empty_fraction, K.performance_top_class_share] + SECOND_COLUMNS +
           ANALYSIS_COLUMNS + CI_COLUMNS +
           HUMAN_COLUMNS)
TEXT_COLUMNS = {"kind", "model", "family", "domain", "decoding"}
# (x, y, file stem, title) of the paper's Figure 2 panels
TRADEOFFS = [(K.diversity, K.mauve, "diversity_vs_conformity", "Diversity vs conformity"),
             (K.diversity, K.faithfulness, "diversity_vs_faithfulness",
              "Diversity vs faithfulness"),
             (K.complexity, K.faithfulness, "faithfulness_vs_complexity",
              "Faithfulness vs complexity")]
INSTRUCT_SUFFIX = re.compile(r"-(chat|instruct|it)$", re.IGNORECASE)
FEWSHOT_SUFFIX = re.compile(r"-fewshot$", re.IGNORECASE)
SIZE_SUFFIX = re.compile(r"-\d+(?:[_.]\d+)?[bm]$", re.IGNORECASE)


class MalformedRun(ValueError):
    """The metrics of this run cannot be read: none at all, bad JSON or missing keys."""


# ---------------------------------------------------------------------------- loading
@dataclass
class RunData:
    rows: list[dict]                     # one flat row per metrics file, references first
    provenance: list[tuple[str, dict | None]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)   # grid cells without a metrics file
    raw: dict[str, dict] = field(default_factory=dict)  # row["path"] -> its metrics file
    # template variants and mixtures params declare but that have no metrics file
    missing_beyond: list[str] = field(default_factory=list)
    probes: dict[str, dict] = field(default_factory=dict)  # model -> data/probe/<model>.json
    ledgers: dict[str, dict] = field(default_factory=dict)  # model -> data/ledger/<model>.json

    def nested(self, row: dict, key: str) -> dict:
        """A nested dict of the row's metrics file (e.g. confusion); {} when absent."""
        v = self.raw.get(row.get("path"), {}).get(key)
        return v if isinstance(v, dict) else {}

    def synthetic(self) -> list[dict]:
        return [r for r in self.rows if r["kind"] == "synthetic"]

    def reference(self) -> list[dict]:
        return [r for r in self.rows if r["kind"] == "reference"]

    def reference_sized(self) -> list[dict]:
        """The reference rows at the synthetic datasets' size (R-train draws of n texts)."""
        return [r for r in self.rows if r["kind"] == "reference_sized"]

    def templates(self) -> list[dict]:
        """Template variants: a model's datasets with another prompt (params templates)."""
        return [r for r in self.rows if r["kind"] == "template"]

    def mixtures(self) -> list[dict]:
        """Mixtures of several models' datasets (params mixtures)."""
        return [r for r in self.rows if r["kind"] == "mixture"]


def _beyond_grid_paths(params: Params, metrics_dir: Path) -> list[Path]:
    """The metrics files of the template variants and mixtures params declare for this grid."""
    paths = [_under(metrics_dir, metrics_file(model, d, name)) for model in params.grid.models
             for d, name, decoding, _ in params.datasets(model) if name != decoding]
    return paths + [_under(metrics_dir, mixture_metrics_file(name, d))
                    for name in params.active_mixtures() for d in params.grid.domains]


def _under(metrics_dir: Path, path: Path) -> Path:
    """layout.py's path of a metrics file, moved from data/metrics to metrics_dir."""
    return metrics_dir / path.relative_to(layout_metrics_dir())


def load_per_model(params: Params, directory: Path, what: str) -> dict[str, dict]:
    """{model: {key: entry}} of the grid's models that have <directory>/<model>.json (the
    contamination probes, data/probe; the generation ledgers, data/ledger); a file that cannot
    be read is left out with a warning (both are optional)."""
    out = {}
    for model in params.grid.models:
        path = directory / f"{model}.json"
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            log.warning("report: unreadable %s file %s (%s), left out", what, path, e)
            continue
        if isinstance(data, dict):
            out[model] = {k: v for k, v in data.items() if isinstance(v, dict)}
    return out


def load_run(params: Params, metrics_dir: str | Path = DATA / "metrics",
             probe_dir: str | Path | None = None) -> RunData:
    """Every metrics file of the current grid (cells, reference rows, template variants and
    mixtures), checked; MalformedRun if none or a bad one. probe_dir (default: `probe` beside
    metrics_dir, i.e. data/probe) holds the optional contamination probes."""
    metrics_dir = Path(metrics_dir)
    paths, missing = [], []
    for domain in params.grid.domains:
        path = _under(metrics_dir, reference_metrics_file(domain))
        (paths if path.is_file() else missing).append(path)
    for model in params.grid.models:
        for domain in params.grid.domains:
            for decoding in params.grid.decodings:
                path = _under(metrics_dir, metrics_file(model, domain, decoding))
                (paths if path.is_file() else missing).append(path)
    if not paths:
        raise MalformedRun(f"no metrics files of this run's grid under {metrics_dir}: run the "
                           "evaluate stages first (dvc repro)")
    for domain in params.grid.domains:  # the reference row at the synthetic size, if evaluated
        paths += sorted(_under(metrics_dir, reference_metrics_dir(domain)).glob(
            "reference_n*.json"))
    beyond = _beyond_grid_paths(params, metrics_dir)
    missing_beyond = [p for p in beyond if not p.is_file()]
    paths += [p for p in beyond if p.is_file()]
    for path in missing + missing_beyond:
        log.warning("report: no metrics for %s", path)
    rows, provenance, raw = [], [], {}
    for path in paths:
        rel = path.relative_to(metrics_dir).as_posix()
        try:
            m = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise MalformedRun(f"{path}: unreadable metrics file ({e})") from None
        try:  # read through the schema: a key it does not declare is an error, not a column
            check(m, str(path), required=frozenset())
        except ValueError as e:
            raise MalformedRun(str(e)) from None
        rows.append(flatten(m, params, path))
        provenance.append((rel, m.get(K.provenance)))
        raw[rows[-1]["path"]] = m
    probes = load_per_model(params, Path(probe_dir) if probe_dir is not None
                            else metrics_dir.parent / "probe", "probe")
    ledgers = load_per_model(params, metrics_dir.parent / "ledger", "ledger")
    return RunData(rows, provenance, [p.relative_to(metrics_dir).as_posix() for p in missing],
                   raw, [p.relative_to(metrics_dir).as_posix() for p in missing_beyond], probes,
                   ledgers)


def flatten(m: dict, params: Params | None = None, path: Path | str = "?") -> dict:
    """One flat row of a metrics file; NaN for null. Raises MalformedRun on missing keys."""
    if not isinstance(m, dict) or not isinstance(m.get(K.info), dict):
        raise MalformedRun(f"{path}: no 'info' section")
    info = m[K.info]
    lacking = [f"info.{k}" for k in ("model", "domain", "decoding", "kind") if k not in info]
    lacking += [k for k in CHARACTERISTICS if k not in m]
    if info.get("kind") == "synthetic":
        lacking += [k for k in (K.temperature,) if k not in m]
    if lacking:
        raise MalformedRun(f"{path}: missing keys {lacking}")
    spec = params.models.get(info["model"]) if params is not None else None
    row = {"kind": info["kind"], "model": info["model"], "domain": info["domain"],
           "decoding": info["decoding"],
           # older metrics files lack these; the params of the run supply them
           "family": info.get("family") or (spec.family if spec else None),
           "shots": info.get("shots", spec.shots if spec else 0),
           "size_b": info.get("size_b", spec.size_b if spec else None),
           "prompt_id": info.get("prompt_id", spec.prompt if spec else None),
           "model_revision": info.get("model_revision"),
           # template variants: the grid decoding and the prompt; mixtures: their members
           "base_decoding": info.get("base_decoding", info["decoding"]),
           "members": list(info.get("members") or []),
           "path": str(path), "bootstrap": bootstrap_of(m)}
    for c in COLUMNS:
        if c in TEXT_COLUMNS:
            continue
        if c == "size_b":
            v = row["size_b"]
        elif c == "shots":
            v = row["shots"] or 0
        elif c == K.top_p:
            v = m.get(K.top_p, 1.0 if row["kind"] == "synthetic" else None)
        else:
            v = m.get(c)
        if v is None:
            v = float("nan")
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise MalformedRun(f"{path}: '{c}' is {v!r}, not a number")
        row[c] = int(v) if c == "shots" else float(v)
    return row


def _mean(vals: list[float]) -> float:
    return sum(vals) / len(vals) if vals else float("nan")


def average_over_domains(rows: list[dict]) -> list[dict]:
    """Mean of each value per (model, decoding) over the domains it was run on.

    A domain without a value makes the mean undefined (NaN), not a mean of the rest. The
    `<c>_std` of a mean is the seed std of that mean, sqrt(sum of squared per-domain stds)/D
    (domains taken as independent), not the spread between domains (the per-domain table
    shows that). The bootstrap interval of a mean comes from the per-domain draws combined
    (report/domain_intervals.py), never from averaging intervals. `leak_test_max` is the
    largest share of a domain's samples repeating R-test (exactly or nearly), NaN where no
    domain has one."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        groups[(r["model"], r["decoding"])].append(r)
    out = []
    for (model, decoding), members in groups.items():
        avg = {k: members[0].get(k) for k in ("kind", "model", "family", "decoding",
                                               K.temperature, K.top_p, "shots", "size_b",
                                               "prompt_id", "base_decoding", "members")}
        avg["domains"] = sorted({m["domain"] for m in members})
        avg["domain"] = "+".join(avg["domains"])
        avg["n_domains"] = len(members)
        for c in COLUMNS:
            if c in avg or c in TEXT_COLUMNS or c in CI_COLUMNS or c in HUMAN_COLUMNS:
                continue
            vals = [m[c] for m in members]
            if any(isinstance(v, float) and math.isnan(v) for v in vals):
                avg[c] = float("nan")
            elif c.endswith("_std"):
                avg[c] = math.sqrt(sum(v * v for v in vals)) / len(vals)
            elif c == K.performance_top_class_share:  # a flag: the worst domain's classifier
                avg[c] = max(vals)
            else:
                avg[c] = _mean(vals)
        avg.update(mean_intervals(members, CHARACTERISTICS))  # from the per-domain draws
        leaks = [v for m in members for v in (m[K.leak_exact_test], m[K.leak_near_test])
                 if not math.isnan(v)]
        avg["leak_test_max"] = max(leaks) if leaks else float("nan")
        avg.update(pooled_human_labels(members))
        out.append(avg)
    return out


def pooled_human_labels(rows: list[dict]) -> dict:
    """Human-label numbers of several domains' datasets pooled: label accuracy and classifier
    agreement weighted by each domain's n_human_labels, n summed; only the labelled domains
    count (NaN where none is). A dataset with a share but no n counts once."""
    nan = float("nan")
    labelled = [r for r in rows if not math.isnan(r.get(K.label_accuracy, nan))]
    out = {K.n_human_labels: nan, K.label_accuracy: nan, K.classifier_agreement: nan}
    if not labelled:
        return out
    n = [r[K.n_human_labels] if not math.isnan(r.get(K.n_human_labels, nan)) else 1.0
         for r in labelled]
    out[K.n_human_labels] = sum(n)
    for c in (K.label_accuracy, K.classifier_agreement):
        pairs = [(r.get(c, nan), w) for r, w in zip(labelled, n) if not math.isnan(r.get(c, nan))]
        if pairs:
            out[c] = sum(v * w for v, w in pairs) / sum(w for _, w in pairs)
    return out


def domain_means(run: RunData) -> list[dict]:
    """Reference rows first, then every (model, decoding) mean over domains of the grid's
    cells, then each mixture's (template variants are not here: see
    report/tables/prompt_sensitivity.py)."""
    return (average_over_domains(run.reference()) + average_over_domains(run.reference_sized()) +
            average_over_domains(run.synthetic()) + average_over_domains(run.mixtures()))


# ------------------------------------------------------------------- model names
def family_line(model: str) -> str:
    """The model line a size sweep follows: llama-2-13b-chat -> llama-2, qwen2_5-1_5b -> qwen2_5."""
    name = INSTRUCT_SUFFIX.sub("", FEWSHOT_SUFFIX.sub("", model))
    return SIZE_SUFFIX.sub("", name)


def closest_to_default(rows: list[dict]) -> tuple[str, float, float] | None:
    """The decoding (name, T, top-p) closest to plain sampling, T = 1 and top-p = 1."""
    options = {(r["decoding"], r[K.temperature], r[K.top_p]) for r in rows
               if r["kind"] == "synthetic"}
    if not options:
        return None
    return min(options, key=lambda o: (o[2] != 1.0, abs(o[1] - 1.0), 1.0 - o[2], o[0]))


# ---------------------------------------------------------------- results.{csv,md}
def _fmt(v) -> str:
    if isinstance(v, float):
        return "—" if math.isnan(v) else f"{v:.3f}"
    return "" if v is None else str(v)


def write_csv(rows: list[dict], path: Path, columns: list[str] = COLUMNS) -> None:
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({c: ("" if isinstance(r.get(c), float) and math.isnan(r[c]) else
                            r.get(c, "")) for c in columns})


def markdown_table(rows: list[dict]) -> str:
    head = ["model", "domain", "decoding"] + CHARACTERISTICS
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [_fmt(r["model"]), _fmt(r["domain"]), _fmt(r["decoding"])]
        for c in CHARACTERISTICS:
            std = r.get(f"{c}_std")
            cell = _fmt(r[c])
            if isinstance(std, float) and not math.isnan(std) and std > 0:
                cell += f" ± {std:.3f}"
            cells.append(cell)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
