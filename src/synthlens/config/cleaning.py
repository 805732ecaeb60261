"""The text rules of params.yaml's generate.cleaning: the default regexes that drop a chat
model's preamble and flag a refusal, and the field types that check a rule before any work.

Python regexes, matched ignoring case (prompts.clean_output, sampling.sample_flags).
"""
from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from .base import Strict

# A chat model's opener before the text it was asked for. An interjection counts only alone on
# its line or when "here is/are ..." follows it ("Okay movie, nothing special." is a review);
# "Here is ..." without an interjection only when it ends in a colon.
_OPENER = r"(?:sure|certainly|of course|okay|ok|absolutely|alright|all right)\b[!.,]*"
_HERE = r"(?:here(?:'s|\u2019s| is| are)|below (?:is|are))\b[^:\n]*"
PREAMBLES = [
    rf"{_OPENER}\s*{_HERE}(?::|$)",   # "Sure! Here is a positive review:", "Sure, here's one!"
    rf"{_HERE}:",                     # "Here's a short news story about sports:"
    rf"{_OPENER}\s*$",                # "Certainly!" alone on its line
]

# A refusal opens the answer, in its own wording: "I cannot recommend this film enough" and
# "I'm sorry I watched it" are reviews. "As an AI" counts anywhere.
_APOS = "['\u2019]"
REFUSALS = [
    rf"^\W*(?:I{_APOS}m|I am) (?:sorry|afraid),? (?:but\b|I (?:can|won|will not|am unable|am not"
    r" able))",
    r"^\W*I apologi[sz]e\b",
    rf"^\W*I(?: can{_APOS}?t| cannot| can not| won{_APOS}t| will not| am unable to|"
    rf"{_APOS}m unable to| am not able to) (?:fulfill|comply|help|assist|provide|create|write|generate|produce|"
    r"complete|do that|do this)",
    r"\bas an AI\b",
]


def _compiles(rule: str) -> str:
    try:
        re.compile(rule)
    except re.error as e:
        raise ValueError(f"{rule!r} is not a valid regex: {e}") from None
    return rule


Regex = Annotated[str, AfterValidator(_compiles)]
StopString = Annotated[str, Field(min_length=1)]


class CleaningSpec(Strict):
    """Raw continuation -> one text (prompts.clean_output); refused samples (sample_flags)."""

    preambles: list[Regex] = Field(default_factory=lambda: list(PREAMBLES), max_length=100,
                                   description="dropped at the start of the text where the "
                                   "match ends in a colon or at a line end")
    refusals: list[Regex] = Field(default_factory=lambda: list(REFUSALS), max_length=100,
                                  description="found in the raw continuation: refused")
    stop_strings: list[StopString] = Field(default_factory=list, max_length=16, description=
                                           "stop at these on every backend, cut before them")
