"""Stage evaluate_reference@<domain>: the reference rows of one domain, scored as the synthetic
datasets are: R-train itself (data/metrics/reference/<domain>/reference.json) and, with
evaluate.reference_draws, R-train at the synthetic datasets' size (reference_n<n>.json: the
like-for-like row and the real-vs-real ceilings of the field's measures). Depends on no
generator, so it runs before (or without) any generation."""
from __future__ import annotations

from ..config import Params
from ..layout import (reference_dir, reference_metrics_dir, reference_metrics_file,
                      sized_reference_metrics_file)
from ..metrics.dataset_scores import evaluate_reference, evaluate_reference_sized
from ..metrics.domain_reference import Domain
from ..metrics.metrics_files import Job, run_jobs
from ..provenance import used_params

# The code behind every reference metrics file: exactly this stage's code deps in dvc.yaml.
CODE = ("stages/evaluate_reference.py", "metrics", "provenance.py")


def jobs_of(params: Params, domain: str) -> list[Job]:
    """The reference row, and the row at the synthetic size when reference_draws is set."""
    train, used = reference_dir(domain) / "train.jsonl", used_params(params, domain)
    jobs = [Job(train, reference_metrics_file(domain),
                {"model": "reference", "domain": domain, "decoding": "reference",
                 "family": "reference", "kind": "reference"}, used)]
    if params.evaluate.reference_draws:
        n = params.samples_per_label(domain) * len(params.domain(domain).labels)
        jobs.append(Job(train, sized_reference_metrics_file(domain, n),
                        {"model": "reference", "domain": domain, "decoding": f"reference_n{n}",
                         "family": "reference", "kind": "reference_sized", "n": n}, used))
    return jobs


def _score(params: Params, shared: Domain, job: Job) -> dict:
    if job.info["kind"] == "reference":
        return evaluate_reference(params, shared)
    return evaluate_reference_sized(params, shared, job.info["n"])


def run(params: Params, domain: str) -> dict:
    jobs = jobs_of(params, domain)
    return run_jobs(params, reference_metrics_dir(domain), jobs, CODE,
                    lambda shared, job: _score(params, shared, job))
