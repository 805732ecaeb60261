"""A dataset card for one synthetic dataset, in the Hugging Face dataset-card format (a README.md
with YAML metadata on top, then prose): how it was generated (model and revision, decoding,
prompt, seeds), its sizes, what this run measured on it, and the source data's licence, so the
folder stage `cards` writes (card + data.jsonl) can be shared as it is.

card() takes the dataset's rows and metrics file as the pipeline wrote them and returns text;
every number in it is read from the metrics file (nothing is recomputed here).
"""
from __future__ import annotations

import math
from collections import Counter

import yaml

from ..metrics.schema import K

# (metrics key, what it is) of the measures a card lists, in order; a key the file lacks is left out
CARD_MEASURES = [
    (K.diversity, "diversity (distinct-1 at a fixed token budget)"),
    (K.mauve, "conformity: MAUVE against the real training texts"),
    (K.faithfulness, "faithfulness: share the real-data classifier assigns to the asked label"),
    (K.complexity, "complexity: share a classifier trained on this set gets wrong on its held-out part"),
    (K.performance, "performance: accuracy on the real test set of a classifier trained on it"),
    (K.vendi, "Vendi score (effective number of different texts, embedding space)"),
    (K.closer_to_train, "share nearer the real training texts than a real holdout (about 0.5: no copying)"),
    (K.near_dup_self, "semantic near duplicates within the set"),
    (K.leak_exact_test, "share repeating a real test text exactly"),
    (K.two_sample_auc, "two-sample AUC, real vs this set (0.5: indistinguishable)"),
    (K.cut_off_fraction, "share stopped by the token limit"),
    (K.empty_fraction, "share empty after cleaning"),
]


def size_category(n: int) -> str:
    """The hub's size_categories bucket of n rows."""
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                        (1_000_000, "100K<n<1M")):
        if n < limit:
            return name
    return "n>1M"


def _value(metrics: dict, key: str) -> str | None:
    v = metrics.get(key)
    if not isinstance(v, (int, float)) or isinstance(v, bool) or math.isnan(v):
        return None
    low, high = metrics.get(f"{key}_ci_low"), metrics.get(f"{key}_ci_high")
    if isinstance(low, (int, float)) and isinstance(high, (int, float)) and \
            not (math.isnan(low) or math.isnan(high)):
        return f"{v:.3f} [{low:.3f}, {high:.3f}]"
    return f"{v:.3f}"


def card(rows: list[dict], metrics: dict, *, domain: str, subject: str, labels: list[str],
         license: str | None, citation: str | None, max_new_tokens: int) -> str:
    """The README.md of one dataset folder. rows: the dataset's jsonl rows; metrics: its
    metrics file."""
    first = rows[0]
    counts = Counter(r.get("label_name", str(r["label"])) for r in rows)
    # the hub wants a licence id; a licence described in words is 'other' (the prose says it)
    meta = {"license": license if license and " " not in license else "other",
            "language": ["en"],
            "task_categories": ["text-classification"],
            "size_categories": [size_category(len(rows))],
            "tags": ["synthetic", "synthlens"],
            "pretty_name": f"{first['model']} {subject}s ({domain}, {first['decoding']})",
            "configs": [{"config_name": "default", "data_files": "data.jsonl"}]}
    prompts = sorted({r["prompt"] for r in rows})
    prov = metrics.get(K.provenance, {})
    lines = ["---", yaml.safe_dump(meta, sort_keys=False).strip(), "---", "",
             f"# {meta['pretty_name']}", "",
             f"{len(rows)} synthetic {subject}s written by `{first['model']}`, one label each "
             f"({', '.join(labels)}), made by the synthlens pipeline for the `{domain}` domain. "
             "The label is the one the model was asked for, not a judged one: see faithfulness "
             "below.", "",
             "## How it was generated", "",
             f"- model: `{first['model']}` from `{first.get('model_path')}`, revision "
             f"`{first.get('model_revision')}`, backend `{first.get('backend')}` on "
             f"`{first.get('device')}`",
             f"- decoding `{first['decoding']}`: temperature {first.get('temperature')}, top-p "
             f"{first.get('top_p')}, at most {max_new_tokens} new tokens, "
             f"{first.get('shots', 0)} examples in the prompt",
             "- prompt" + ("s" if len(prompts) > 1 else "") + " ({label} filled in per row): ",
             *[f"  > {p}" for p in prompts[:len(labels)]],
             "- seeds: every row's `seed` field; the same seed, model and prompt give the same "
             "text (per-row sampling, independent of the batch)",
             f"- code: git commit `{prov.get('git_commit', 'unknown')}`, packages "
             f"{', '.join(f'{k} {v}' for k, v in prov.get('packages', {}).items())}", "",
             "## Size", "",
             "| label | rows |", "|---|---|",
             *[f"| {name} | {counts.get(name, 0)} |" for name in labels], "",
             "## What this run measured on it", "",
             "Against the real data of the domain (intervals in brackets where the run has "
             "them; the reference rows and every definition: the run's paper_figures/ and "
             "docs/measures.md).", "",
             "| measure | value |", "|---|---|"]
    for key, what in CARD_MEASURES:
        value = _value(metrics, key)
        if value is not None:
            lines.append(f"| {what} | {value} |")
    lines += ["", "## Source data and licence", "",
              f"The prompts name the `{domain}` domain's labels; the measures above compare with "
              f"its real data. Licence of that data: {license or 'not given in params'}."]
    if citation:
        lines += ["", f"Cite the source data as: {citation}"]
    lines += ["", "The generated texts inherit the terms of the generating model's licence as "
              "well; check both before sharing.", ""]
    return "\n".join(lines)
