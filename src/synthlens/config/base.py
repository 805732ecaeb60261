"""What every section of the params.yaml schema shares: the strict pydantic base class, the
error a bad params file raises, and the rule for names that become params keys and file names."""
from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

# models, domains, decodings, prompts and mixtures: DVC reads '.' in a params key as nesting
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


class ConfigError(ValueError):
    """params.yaml is malformed; the message names the key."""


class Strict(BaseModel):
    # strict: a bool or a string is not a number; an int still fills a float field
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
