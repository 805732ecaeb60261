"""Stage evaluate@<model>: the five characteristics of every synthetic dataset of one generator
(each grid cell and template variant, in every domain), in one process that loads the
featurizer once and each domain's reference classifiers once.

One metrics file per dataset, data/metrics/<model>/<domain>/<decoding>.json (`make compare`
reads every number). A model's datasets are scored as soon as its own generate stage is done:
nothing here depends on another generator, so with `dvc repro --keep-going` (make reproduce)
a model whose generation fails leaves every other model scored. The reference rows are stage
evaluate_reference, the mixtures stage evaluate_mixtures. A metrics file records the hash of
everything it was computed from (metrics/metrics_files.py; code: CODE); a rerun recomputes
only the files whose inputs changed (dvc.yaml marks the output `persist`).
"""
from __future__ import annotations

from ..config import Params
from ..layout import metrics_file, model_metrics_dir, synthetic_file
from ..metrics.dataset_scores import evaluate_dataset
from ..metrics.metrics_files import Job, run_jobs
from ..provenance import used_params

# The code behind every metrics file: exactly this stage's code deps in dvc.yaml (a test checks).
CODE = ("stages/evaluate.py", "metrics", "provenance.py")


def jobs_of(params: Params, model: str) -> list[Job]:
    """Every synthetic dataset of a model in the grid's domains: the grid's cells and the
    template variants (Params.datasets)."""
    spec, jobs = params.model(model), []
    for domain, name, decoding, prompt in params.datasets(model):
        used = used_params(params, domain, model=model, decoding=decoding)
        used.update(prompt=params.prompts[prompt], attributes=params.attributes)
        jobs.append(Job(synthetic_file(model, domain, name), metrics_file(model, domain, name),
                        {"model": model, "domain": domain, "decoding": name,
                         "base_decoding": decoding, "family": spec.family,
                         "kind": "synthetic" if name == decoding else "template",
                         "shots": spec.shots, "size_b": spec.size_b, "prompt_id": prompt},
                        used))
    return jobs


def run(params: Params, model: str) -> dict:
    """Every dataset of the model whose inputs changed; returns what was done."""
    jobs = jobs_of(params, model)
    return run_jobs(params, model_metrics_dir(model), jobs, CODE,
                    lambda shared, job: evaluate_dataset(params, shared, job))
