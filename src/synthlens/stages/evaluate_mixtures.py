"""Stage evaluate_mixtures: the five characteristics of every mixture (stage mix: datasets
pooled from several generators) in every domain, data/metrics/mixtures/<domain>/<name>.json.
The one evaluate stage that waits on several generators, as its datasets do."""
from __future__ import annotations

from ..config import Params
from ..layout import mixture_file, mixture_metrics_file, mixtures_metrics_dir
from ..metrics.dataset_scores import evaluate_dataset
from ..metrics.metrics_files import Job, run_jobs
from ..provenance import used_params

# The code behind every mixture's metrics file: exactly this stage's code deps in dvc.yaml.
CODE = ("stages/evaluate_mixtures.py", "metrics", "provenance.py")


def jobs_of(params: Params) -> list[Job]:
    """Every active mixture (its members all in the grid) in every grid domain."""
    jobs = []
    for domain in params.grid.domains:
        for name, mix in params.active_mixtures().items():
            jobs.append(Job(mixture_file(name, domain), mixture_metrics_file(name, domain),
                            {"model": name, "domain": domain, "decoding": "mixture",
                             "family": "mixture", "kind": "mixture", "shots": 0,
                             "members": [f"{m.model}/{m.decoding}" for m in mix.members]},
                            {**used_params(params, domain), "mixture": mix.model_dump()}))
    return jobs


def run(params: Params) -> dict:
    jobs = jobs_of(params)
    return run_jobs(params, mixtures_metrics_dir(), jobs, CODE,
                    lambda shared, job: evaluate_dataset(params, shared, job))
