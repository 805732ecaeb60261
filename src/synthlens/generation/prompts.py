"""What goes into a generator and what comes out: a prompt template filled for a label,
few-shot examples drawn with the sample's own seed, the chat template for instruct models, and
the continuation cleaned to one text."""
from __future__ import annotations

from ..config import DomainSpec, ModelSpec


def render_prompt(template: str, domain: DomainSpec, label: str,
                  examples: list[str] = ()) -> str:
    """Fill a template; {examples} becomes one '- text' line per few-shot example."""
    block = "\n".join(f"- {e}" for e in examples)
    return template.format(label=domain.label_phrase(label), subject=domain.subject,
                           examples=block)


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


def clean_output(text: str) -> str:
    """First paragraph of the continuation, whitespace collapsed, wrapping quotes removed."""
    text = text.strip()
    text = text.split("\n\n")[0] if text else text
    text = " ".join(text.split())
    if len(text) > 1 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text
