"""Stage train_generator (mini profile): a small GPT-2 trained on the reference train split.

It is the 'vanilla' model of a domain: a byte-level BPE tokenizer and a few transformer
layers learn to continue the vanilla (completion-style) prompt with a text of that label.
"""
from __future__ import annotations

import logging
import math

from ..config import Params
from ..generation.prompts import render_prompt
from ..layout import generator_dir, reference_dir
from ..records import read_jsonl, write_json

log = logging.getLogger(__name__)
EOS = "<|endoftext|>"


def training_texts(params: Params, domain: str) -> list[str]:
    spec = params.domain(domain)
    template = params.prompts[params.model(params.train_generator.name).prompt]
    rows = read_jsonl(reference_dir(domain) / "train.jsonl")
    return [f"{render_prompt(template, spec, spec.labels[r['label']])} {r['text']}"
            for r in rows]


def build_tokenizer(texts: list[str], vocab_size: int):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[EOS],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    core.train_from_iterator(texts, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=core, eos_token=EOS, bos_token=EOS,
                                   pad_token=EOS, unk_token=EOS)


def run(params: Params, domain: str) -> None:
    import numpy as np
    import torch
    from tqdm.auto import tqdm
    from transformers import GPT2Config, GPT2LMHeadModel

    cfg = params.train_generator
    torch.manual_seed(params.seed)
    texts = training_texts(params, domain)
    tok = build_tokenizer(texts, cfg.vocab_size)
    ids = [tok(t + EOS, add_special_tokens=False)["input_ids"][:cfg.block_size] for t in texts]
    model = GPT2LMHeadModel(GPT2Config(
        vocab_size=len(tok), n_positions=cfg.block_size, n_embd=cfg.n_embd,
        n_layer=cfg.n_layer, n_head=cfg.n_head, bos_token_id=tok.eos_token_id,
        eos_token_id=tok.eos_token_id, pad_token_id=tok.eos_token_id))
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=0.01)
    steps = math.ceil(len(ids) / cfg.batch_size) * cfg.epochs
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, cfg.learning_rate, total_steps=steps,
                                                   pct_start=0.1)
    rng = np.random.default_rng(params.seed)
    model.train()
    losses = []
    with tqdm(total=steps, desc=f"train_generator {domain}", mininterval=2) as bar:
        for _ in range(cfg.epochs):
            order = rng.permutation(len(ids))
            for i in range(0, len(ids), cfg.batch_size):
                chunk = [ids[j] for j in order[i:i + cfg.batch_size]]
                width = max(map(len, chunk))
                x = torch.full((len(chunk), width), tok.eos_token_id)
                mask = torch.zeros_like(x)
                for r, seq in enumerate(chunk):
                    x[r, :len(seq)] = torch.tensor(seq)
                    mask[r, :len(seq)] = 1
                labels = x.masked_fill(mask == 0, -100)
                loss = model(input_ids=x, attention_mask=mask, labels=labels).loss
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad()
                losses.append(loss.item())
                bar.update(1)
                bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    out = generator_dir(cfg.name) / domain
    model.save_pretrained(out)
    tok.save_pretrained(out)
    write_json(out / "training.json", {"final_loss": float(np.mean(losses[-10:])),
                                       "steps": steps, "examples": len(ids)})
    log.info("train_generator %s: %d steps, final loss %.3f -> %s", domain, steps,
             np.mean(losses[-10:]), out)
