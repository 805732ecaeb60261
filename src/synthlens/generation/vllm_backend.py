"""The vllm backend: vLLM's offline engine, when the vllm package is installed (GPU machines).

Samples as params say and nothing else: the engine is built with generation_config="vllm", so
the model's generation_config.json does not fill in defaults (vLLM's "auto" would), and every
request sets the neutral value of each knob params do not name. The model sees the same token
ids as on the hf backend (prompts.prompt_token_ids, passed as a token prompt), so vLLM adds no
BOS of its own.
"""
from __future__ import annotations

from ..config import CleaningSpec, DecodingSpec, Params
from ..hub import MissingResource
from .backend_api import Backend
from .location import check_local, generator_location, local_revision
from .prompts import model_input, prompt_token_ids
from .sampling import Completion, Request, completion

# vLLM's own "off" values; top_k -1 is what every vLLM accepts (newer ones prefer 0)
NEUTRAL = {"top_k": -1, "min_p": 0.0, "repetition_penalty": 1.0, "presence_penalty": 0.0,
           "frequency_penalty": 0.0}


def build_requests(tok, requests: list[Request], decoding: DecodingSpec, max_new_tokens: int,
                   rules: CleaningSpec) -> tuple[list[dict], list[dict]]:
    """Token prompts ({"prompt_token_ids": ...}, vLLM's TokensPrompt) and the keyword
    arguments of each request's SamplingParams, in request order."""
    greedy = decoding.temperature == 0
    prompts = [{"prompt_token_ids": prompt_token_ids(tok, r.text)} for r in requests]
    params = [{**NEUTRAL, "temperature": decoding.temperature,
               "top_p": 1.0 if greedy else decoding.top_p, "max_tokens": max_new_tokens,
               "seed": r.seed, "stop": list(rules.stop_strings) or None,
               "skip_special_tokens": True} for r in requests]
    return prompts, params


class VLLMBackend(Backend):
    """vLLM's offline engine; per-request seeds keep samples independent of batching."""

    def __init__(self, params: Params, model_name: str, domain: str):
        try:
            import vllm
        except ImportError:
            raise MissingResource("backend 'vllm' needs the vllm package (GPU machines: "
                                  "pip install vllm); use backend 'hf' otherwise") from None
        self.spec = params.model(model_name)
        self.cleaning = params.generate.cleaning
        path, revision = generator_location(params, model_name, domain)
        check_local(params, model_name, path)
        self.llm = vllm.LLM(model=path, revision=revision, dtype="bfloat16",
                            generation_config="vllm")
        self.tok = self.llm.get_tokenizer()
        self.vllm = vllm
        self.path, self.revision, self.device = path, revision or local_revision(path), "vllm"

    def model_input(self, prompt: str) -> str:
        return model_input(self.tok, self.spec, prompt)

    def complete(self, requests: list[Request], decoding: DecodingSpec,
                 max_new_tokens: int) -> list[Completion]:
        prompts, params = build_requests(self.tok, requests, decoding, max_new_tokens,
                                         self.cleaning)
        outputs = self.llm.generate(prompts, [self.vllm.SamplingParams(**p) for p in params],
                                    use_tqdm=False)
        # vLLM leaves the stop string out of the text, as the hf backend does
        return [completion(o.outputs[0].text, o.outputs[0].finish_reason == "length",
                           self.cleaning, _count(getattr(o, "prompt_token_ids", None)),
                           _count(getattr(o.outputs[0], "token_ids", None))) for o in outputs]


def _count(ids) -> int | None:
    """Tokens vLLM reports (RequestOutput.prompt_token_ids, CompletionOutput.token_ids)."""
    return None if ids is None else len(ids)
