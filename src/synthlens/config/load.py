"""Reading params.yaml: load_params, and the messages for a bad file (pydantic's validation
errors rewritten to name the key, say what was found, and how to write a number YAML read as
text)."""
from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from .base import ConfigError
from .params import Params


def load_params(path: str | Path = "params.yaml") -> Params:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: params file not found")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    try:
        return Params.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(format_errors(e, path)) from None


def format_errors(err: ValidationError, path: Path) -> str:
    """pydantic's errors as one message, a line per offending key."""
    lines = [f"{path}: invalid parameters"]
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg, value = e["msg"], e.get("input")
        if e["type"] == "extra_forbidden":
            msg = "unknown key (typo?)"
        elif e["type"] in ("int_type", "float_type") and isinstance(value, bool):
            msg += f", not {str(value).lower()}"
        elif e["type"] in ("int_type", "float_type") and isinstance(value, str):
            msg += f", not the text {value!r}" + _number_hint(value)
        lines.append(f"  {key}: {msg}")
    return "\n".join(lines)


def _number_hint(text: str) -> str:
    """YAML 1.1 reads 1e9 and 1.0e9 as text (an exponent needs a '.' and a sign): say how to
    write the number that was meant."""
    try:
        number = float(text)
    except ValueError:
        return ""
    if number.is_integer() and abs(number) < 1e18:
        number = int(number)
    return f" (YAML reads it as text; write {yaml.safe_dump(number).splitlines()[0]})"
