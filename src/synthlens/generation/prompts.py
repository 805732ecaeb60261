"""What goes into a generator and what comes out: a prompt template filled for a label,
few-shot examples drawn with the sample's own seed, the chat template for instruct models, the
token ids every backend feeds the model (one BOS policy), and the continuation cleaned to one
text."""
from __future__ import annotations

import re

from ..config import CleaningSpec, DomainSpec, ModelSpec


def render_prompt(template: str, domain: DomainSpec, label: str,
                  examples: list[str] = (), attributes: dict[str, str] | None = None) -> str:
    """Fill a template; {examples} becomes one '- text' line per few-shot example, and each
    attribute placeholder its drawn value (draw_attributes)."""
    block = "\n".join(f"- {e}" for e in examples)
    return template.format(label=domain.label_phrase(label), subject=domain.subject,
                           examples=block, **(attributes or {}))


def draw_attributes(spec: dict, template: str, label: str, seed: int) -> dict[str, str]:
    """Attributed prompts: for each params `attributes` entry the template uses, one value
    drawn with the sample's own seed (a list of values, or label -> list); {} otherwise."""
    import random

    out = {}
    for name in sorted(spec):
        if "{" + name + "}" not in template:
            continue
        values = spec[name]
        values = values.get(label, []) if isinstance(values, dict) else values
        out[name] = random.Random(f"{seed}/{name}").choice(values) if values else ""
    return out


def pick_examples(rows: list[dict], label: int, shots: int, seed: int) -> list[str]:
    """Few-shot examples of one label from R-train, drawn with the sample's own seed."""
    import random

    pool = [r["text"] for r in rows if r["label"] == label]
    return random.Random(seed).sample(pool, min(shots, len(pool))) if shots else []


def model_input(tok, model: ModelSpec, prompt: str) -> str:
    """Completion-style prompt for vanilla models, the model's own chat template otherwise."""
    if model.family == "instruct":
        if model.chat_template:
            tok.chat_template = model.chat_template
        if not getattr(tok, "chat_template", None):
            raise ValueError("this instruct model's tokenizer has no chat template: set "
                             "models.<name>.chat_template in params.yaml")
        return tok.apply_chat_template([{"role": "user", "content": prompt}],
                                       add_generation_prompt=True, tokenize=False)
    return prompt


def adds_bos(tok) -> bool:
    """Whether the tokenizer puts its BOS in front of a text by default (Llama, Mistral,
    Llama-3: yes; GPT-2, Falcon, Qwen2: no)."""
    bos = tok.bos_token_id
    return (bos is not None and tok("a")["input_ids"][:1] == [bos]
            and tok("a", add_special_tokens=False)["input_ids"][:1] != [bos])


def prompt_token_ids(tok, text: str) -> list[int]:
    """The token ids of a model input (the chat template already applied as text), the same on
    every backend: tokenized without special tokens, then the tokenizer's BOS put in front
    exactly once iff the tokenizer adds one by default and the text does not already start with
    it (chat templates such as Llama-3's write their own BOS)."""
    ids = tok(text, add_special_tokens=False)["input_ids"]
    if adds_bos(tok) and ids[:1] != [tok.bos_token_id]:
        ids = [tok.bos_token_id, *ids]
    return ids


def drop_preamble(text: str, preambles: list[str]) -> str:
    """Drop a chat model's opener ("Sure! Here is a positive movie review:") from the start of
    a stripped text. A rule applies where its match (at the start, ignoring case) ends in a
    colon or at a line end, so "Okay movie, nothing special." stays whole; rules apply again to
    what is left, so an opener spread over two lines goes too."""
    while text:
        for rule in preambles:
            m = re.match(rule, text, re.IGNORECASE | re.MULTILINE)
            end = m.end() if m else 0
            if end and (m.group().endswith(":") or end == len(text) or text[end] == "\n"):
                text = text[end:].lstrip()
                break
        else:
            break
    return text


QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d"}


def clean_output(text: str, rules: CleaningSpec | None = None) -> str:
    """One text from a continuation: a leading preamble dropped (rules.preambles; params'
    defaults if no rules), then the first paragraph, whitespace collapsed, wrapping quotes
    removed. A continuation without a preamble is cleaned as it always was."""
    rules = rules or CleaningSpec()
    text = drop_preamble(text.strip(), rules.preambles)
    text = text.split("\n\n")[0] if text else text
    text = " ".join(text.split())
    if len(text) > 1 and QUOTES.get(text[0]) == text[-1]:
        text = text[1:-1].strip()
    return text
