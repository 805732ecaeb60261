"""The vllm backend: vLLM's offline engine, when the vllm package is installed (GPU machines)."""
from __future__ import annotations

from ..config import DecodingSpec, Params
from ..hub import MissingResource
from .location import check_local, generator_location, local_revision
from .prompts import clean_output, model_input
from .sampling import Request


class VLLMBackend:
    """vLLM's offline engine; per-request seeds keep samples independent of batching."""

    def __init__(self, params: Params, model_name: str, domain: str):
        try:
            import vllm
        except ImportError:
            raise MissingResource("backend 'vllm' needs the vllm package (GPU machines: "
                                  "pip install vllm); use backend 'hf' otherwise") from None
        self.spec = params.model(model_name)
        path, revision = generator_location(params, model_name, domain)
        check_local(params, model_name, path)
        self.llm = vllm.LLM(model=path, revision=revision, dtype="bfloat16")
        self.tok = self.llm.get_tokenizer()
        self.vllm = vllm
        self.path, self.revision, self.device = path, revision or local_revision(path), "vllm"

    def model_input(self, prompt: str) -> str:
        return model_input(self.tok, self.spec, prompt)

    def complete(self, requests: list[Request], decoding: DecodingSpec,
                 max_new_tokens: int) -> list[str]:
        greedy = decoding.temperature == 0
        sampling = [self.vllm.SamplingParams(
            temperature=decoding.temperature, top_p=1.0 if greedy else decoding.top_p,
            max_tokens=max_new_tokens, seed=r.seed) for r in requests]
        outputs = self.llm.generate([r.text for r in requests], sampling, use_tqdm=False)
        return [clean_output(o.outputs[0].text) for o in outputs]
