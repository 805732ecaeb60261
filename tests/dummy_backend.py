"""A dummy generation backend for the tests (lm-evaluation-harness's models/dummy.py in spirit):
no model, no network, completions drawn from each request's seed alone, so a test can predict
every text. It keeps the contract of synthlens.generation.backend_api.Backend and is the worked
example of docs/extending.md; tests/test_backend_contract.py registers it in
generation.backends.BACKENDS with monkeypatch.

ProbeableDummy adds the probe capability (can_probe with `model` and `tok`), PartialDummy the
partial-shard one (keeps_partial: complete() takes on_result=).
"""
from __future__ import annotations

import random
from types import SimpleNamespace

from synthlens.generation.backend_api import Backend
from synthlens.generation.sampling import completion

WORDS = ["plot", "cast", "film", "great", "dull", "story", "score", "scene", "bank", "rates"]


def dummy_text(seed: int, max_new_tokens: int) -> str:
    """What the dummy writes for a request with this seed: at most max_new_tokens words."""
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(min(max_new_tokens, 3 + seed % 5)))


class DummyBackend(Backend):
    """Seeded words, no model; the prompt is fed as it is (no chat template)."""

    def __init__(self, params, model_name: str, domain: str):
        self.cleaning = params.generate.cleaning
        self.path = f"dummy://{model_name}/{domain}"
        self.revision = "dummy-1"
        self.device = "none"
        self.calls = 0  # complete() calls, for tests

    def model_input(self, prompt: str) -> str:
        return prompt

    def complete(self, requests, decoding, max_new_tokens):
        self.calls += 1
        out = []
        for r in requests:
            raw = dummy_text(r.seed, max_new_tokens)
            out.append(completion(raw, len(raw.split()) == max_new_tokens, self.cleaning))
        return out


class ProbeableDummy(DummyBackend):
    """The dummy with the probe capability: a stand-in `model` (its one parameter says the
    device) and `tok`; a test fakes the scoring itself (generation.probe.zero_shot_accuracy)."""

    can_probe = True

    def __init__(self, params, model_name: str, domain: str):
        super().__init__(params, model_name, domain)
        param = SimpleNamespace(device="cpu")
        self.model = SimpleNamespace(parameters=lambda: iter([param]))
        self.tok = SimpleNamespace(name="dummy-tokenizer")


class PartialDummy(DummyBackend):
    """The dummy with the partial-shard capability: on_result(i, completion) per request."""

    keeps_partial = True

    def complete(self, requests, decoding, max_new_tokens, on_result=None):
        out = super().complete(requests, decoding, max_new_tokens)
        for i, one in enumerate(out):
            if on_result is not None:
                on_result(i, one)
        return out
