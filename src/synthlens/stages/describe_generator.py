"""Stage describe_generator: the generator's spec and where it loads from, as the dependency
of its generate cells (for hub and API models, nothing else is local)."""
from __future__ import annotations

from ..config import Params
from ..generation.location import generator_location
from ..layout import generator_dir
from ..records import write_json


def run(params: Params, model_name: str) -> None:
    spec = params.model(model_name)
    domains = params.grid.domains if spec.source == "pipeline" else [None]
    write_json(generator_dir(model_name) / "generator.json", {
        "model": model_name, **spec.model_dump(),
        "loads_from": sorted({generator_location(params, model_name, d)[0] for d in domains})})
