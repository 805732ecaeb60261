"""The strict pydantic base class of every params.yaml section (config.py and its parts)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    # strict: a bool or a string is not a number; an int still fills a float field
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
