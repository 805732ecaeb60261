"""params.yaml's models section: each generator, where its weights come from (trained in the
pipeline, a GGUF package, the hub, a local directory or an API), which backend runs it and which
prompt it gets; an API model's own settings are in api.py."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .api import ApiSpec
from .base import Strict


class ModelSpec(Strict):
    """A generator. family decides the prompt style: a completion prompt for vanilla models,
    the model's own chat template (or the chat endpoint of an API) for instruct models."""

    family: Literal["vanilla", "instruct"]
    source: Literal["pipeline", "gguf", "hub", "local", "api"]
    prompt: str = Field(description="key into prompts")
    backend: Literal["hf", "vllm", "openai"] = Field(
        default="hf", description="hf: transformers; vllm: vLLM offline engine (GPU, when "
        "installed); openai: any OpenAI-compatible HTTP endpoint (source api)")
    shots: int = Field(default=0, ge=0, le=100, description="examples from R-train in the "
                       "prompt (few-shot); the prompt must then contain {examples}")
    size_b: float | None = Field(default=None, gt=0, le=10_000, description="parameters in "
                                 "billions: the model-size figure and the dry run's estimate "
                                 "use it")
    package: str | None = Field(default=None, description="gguf: PyPI package holding the file")
    gguf_file: str | None = None
    path: str | None = Field(default=None, description="hub id or local directory")
    revision: str | None = None
    gated: bool = Field(default=False, description="hub repo behind a licence: accept it on the "
                        "model's hub page, then set HF_TOKEN (make download says so)")
    api: ApiSpec | None = None
    chat_template: str | None = Field(default=None, description="Jinja chat template for an "
                                      "instruct model whose tokenizer ships none")
    note: str | None = Field(default=None, description="free text, e.g. which retired model "
                             "this one stands in for")

    @model_validator(mode="after")
    def _source_fields(self):
        if self.source == "gguf" and not (self.package and self.gguf_file):
            raise ValueError("source 'gguf' needs 'package' and 'gguf_file'")
        if self.source in ("hub", "local") and not self.path:
            raise ValueError(f"source '{self.source}' needs 'path'")
        if (self.source == "api") != (self.backend == "openai"):
            raise ValueError("source 'api' goes with backend 'openai' and vice versa")
        if self.source == "api" and self.api is None:
            raise ValueError("source 'api' needs an 'api' section (base_url, model)")
        if self.backend == "vllm" and self.source not in ("hub", "local"):
            raise ValueError("backend 'vllm' needs source 'hub' or 'local'")
        return self
