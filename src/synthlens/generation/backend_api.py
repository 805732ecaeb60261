"""The generation backend contract, in code: Backend, the base class of every backend in
backends.BACKENDS (what the generate stage may read of a backend, one docstring each), its two
optional capabilities (can_probe, keeps_partial), and BackendFactory, the type of a registry
entry. In the manner of lm-evaluation-harness's lm_eval/api/model.py (class LM(abc.ABC)).
"""
from __future__ import annotations

import abc
import inspect
from typing import Callable, ClassVar

from ..config import DecodingSpec, Params
from .sampling import Completion, Request

# What a backend with can_probe holds besides Backend's attributes (the probe scores with them).
PROBE_ATTRIBUTES = ("model", "tok")
OnResult = Callable[[int, Completion], None]


class Backend(abc.ABC):
    """Turns rendered prompts into completions, one per request, seeded per request.

    Every backend sets path, revision and device in __init__ and implements model_input() and
    complete(). Two capabilities are optional and declared on the class (both False here):
      - can_probe: the contamination probe (stages/generate.py run_probe) may score label
        phrases with the model's own log-probs; the backend then holds `model` (a transformers
        causal LM in eval mode) and `tok` (its tokenizer): PROBE_ATTRIBUTES. Without it the
        probe records "not probed".
      - keeps_partial: complete() also takes on_result=, called with (index, Completion) as each
        request finishes, so an interrupted shard keeps its finished (paid) requests.
    A class that declares keeps_partial but whose complete() has no on_result is refused when
    it is defined. Built by the registry as factory(params, model_name, domain).
    """

    path: str
    """Where the generator came from: a hub id, a local directory, or the API's base URL."""
    revision: str
    """Its revision: the hub revision, local-<hash> of local weights, or the API model name."""
    device: str
    """What ran it, for each sample's record: e.g. "cpu:x86_64/fp32", "vllm", "api"."""

    can_probe: ClassVar[bool] = False
    """True: `model` and `tok` are there for the contamination probe's log-prob scoring."""
    keeps_partial: ClassVar[bool] = False
    """True: complete(..., on_result=) reports each request the moment it finishes."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.keeps_partial and "on_result" not in inspect.signature(cls.complete).parameters:
            raise TypeError(f"{cls.__name__} declares keeps_partial, so its complete() must "
                            "take on_result=None (called with (index, Completion) per request)")

    @abc.abstractmethod
    def model_input(self, prompt: str) -> str:
        """The text fed to the model for a rendered prompt (chat template applied if needed)."""

    @abc.abstractmethod
    def complete(self, requests: list[Request], decoding: DecodingSpec,
                 max_new_tokens: int) -> list[Completion]:
        """One Completion per request, in request order, seeded by request.seed and cleaned
        by params' generate.cleaning (stop strings included)."""


    def complete_mixed(self, requests: list[Request], decodings: list[DecodingSpec],
                       max_new_tokens: int) -> list[Completion]:
        """One Completion per request, each with its own decoding (the generate stage batches
        shards of several datasets of one domain together). By default one complete() call
        per distinct decoding, results back in request order; a backend that samples several
        decodings in one batch overrides it (hf on the CPU)."""
        groups: dict[str, list[int]] = {}
        for i, d in enumerate(decodings):
            groups.setdefault(d.model_dump_json(), []).append(i)
        out: list[Completion | None] = [None] * len(requests)
        for rows in groups.values():
            for i, one in zip(rows, self.complete([requests[i] for i in rows],
                                                  decodings[rows[0]], max_new_tokens)):
                out[i] = one
        return out


BackendFactory = Callable[[Params, str, str], Backend]
"""A registry entry: (params, model_name, domain) -> a loaded Backend (a Backend subclass)."""
